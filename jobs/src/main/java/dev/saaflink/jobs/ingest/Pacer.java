package dev.saaflink.jobs.ingest;

import java.util.function.LongSupplier;

/**
 * Spaces calls evenly at a fixed rate, like a camera that fires N times a second. Slots are counted from the
 * first call, so a slow moment is caught up afterwards instead of lowering the average rate.
 */
final class Pacer {

    /** Sleeps for the given nanoseconds; replaced in tests. */
    interface Sleeper {
        void sleepNanos(long nanos) throws InterruptedException;
    }

    private final double perSecond;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;
    private long startNanos;
    private long issued;

    /** A rate of zero or less means no pacing at all. */
    Pacer(double perSecond) {
        this(perSecond, System::nanoTime, nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
    }

    Pacer(double perSecond, LongSupplier nanoClock, Sleeper sleeper) {
        this.perSecond = perSecond;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
    }

    /** Blocks until the next slot is due. */
    void acquire() throws InterruptedException {
        if (perSecond <= 0) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (issued == 0) {
            startNanos = now;
        }
        long due = startNanos + (long) (issued * 1e9 / perSecond);
        issued++;
        if (due > now) {
            sleeper.sleepNanos(due - now);
        }
    }
}
