package dev.saaflink.jobs.camera;

/**
 * Keeps at most {@code fps} frames a second out of a faster source and drops the rest, on the frame's own clock
 * (wall clock for a live source, the video's timestamps for a file). A frame up to a quarter period early still
 * counts as on time, so a 30 fps source thinned to 10 fps keeps every third frame despite timestamp jitter; after a
 * pause (a gap, a slow source) the schedule starts again from the next frame instead of letting a burst through.
 */
final class RateGate {

    private final long periodNanos;
    private boolean started;
    private long nextNanos;

    /** A rate of zero or less admits every frame. */
    RateGate(double fps) {
        this.periodNanos = fps > 0 ? Math.max(1, Math.round(1e9 / fps)) : 0;
    }

    /** Whether the frame at {@code nanos} (any monotonic clock) is kept. */
    boolean admit(long nanos) {
        if (periodNanos == 0) {
            return true;
        }
        if (!started) {
            started = true;
            nextNanos = nanos + periodNanos;
            return true;
        }
        if (nanos + periodNanos / 4 < nextNanos) {
            return false;
        }
        nextNanos = nanos - nextNanos > periodNanos ? nanos + periodNanos : nextNanos + periodNanos;
        return true;
    }

    /** For a new pass over a file, whose timestamps start again from zero. */
    void restart() {
        started = false;
    }
}
