package dev.saaflink.models.runtime;

/**
 * Counts the runs in progress on a session so that closing it never frees native memory under a running call: a
 * close while runs are in progress is deferred until the last of them ends (and then done by that run's thread);
 * after a close no new run gets in. A run stuck for good keeps its session open: that costs memory, a close under it
 * would crash the JVM.
 */
public final class RunGate {

    private int inProgress; // guarded by this
    private boolean closing; // guarded by this
    private Runnable closer; // guarded by this; set while a close waits for runs

    /** Lets a run in; false once the gate is closing (the session is or will be closed). */
    public synchronized boolean enter() {
        if (closing) {
            return false;
        }
        inProgress++;
        return true;
    }

    /** Ends a run let in by {@link #enter}; the last run out performs a deferred close. */
    public void exit() {
        Runnable c = null;
        synchronized (this) {
            inProgress--;
            if (inProgress == 0 && closer != null) {
                c = closer;
                closer = null;
            }
        }
        if (c != null) {
            c.run();
        }
    }

    /**
     * Closes the gate and runs {@code close} now when no run is in progress, or later on the thread of the last run
     * to end. Returns true when it ran now. Only the first call counts.
     */
    public boolean close(Runnable close) {
        synchronized (this) {
            if (closing) {
                return false;
            }
            closing = true;
            if (inProgress > 0) {
                closer = close;
                return false;
            }
        }
        close.run();
        return true;
    }

    public synchronized int runsInProgress() {
        return inProgress;
    }
}
