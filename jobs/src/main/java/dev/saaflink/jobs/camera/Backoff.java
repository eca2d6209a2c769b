package dev.saaflink.jobs.camera;

import java.time.Duration;

/**
 * Exponential reconnect delays: the initial delay, doubled after each failed attempt up to a cap, and back to the
 * initial delay once a connection delivers frames again. A camera that reboots is retried quickly; one that stays
 * away is not hammered.
 */
final class Backoff {

    private final long initialMillis;
    private final long maxMillis;
    private long nextMillis;

    Backoff(Duration initial, Duration max) {
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial backoff must be positive, got " + initial.toMillis() + " ms");
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("maximum backoff " + max.toMillis()
                    + " ms is below the initial " + initial.toMillis() + " ms");
        }
        this.initialMillis = initial.toMillis();
        this.maxMillis = max.toMillis();
        this.nextMillis = initialMillis;
    }

    /** The delay before the next attempt; each call doubles the following one, up to the cap. */
    long nextDelayMillis() {
        long delay = nextMillis;
        nextMillis = Math.min(maxMillis, nextMillis * 2);
        return delay;
    }

    /** After a successful connection: the next interruption starts again at the initial delay. */
    void reset() {
        nextMillis = initialMillis;
    }
}
