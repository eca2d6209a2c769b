package dev.saaflink.jobs.camera;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The counters of one camera run, updated by the grabber and the publisher threads and read by the progress line,
 * the summary and tests. A gap is a stretch without frames between two connections (a stall, an end of stream or a
 * failed read), measured from the last frame before it to the first frame after it.
 */
public final class CameraMetrics {

    private final AtomicLong grabbed = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong droppedByRate = new AtomicLong();
    private final AtomicLong droppedBusy = new AtomicLong();
    private final AtomicLong failedAttempts = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private final AtomicLong longestGapMillis = new AtomicLong();
    private final AtomicLong totalGapMillis = new AtomicLong();
    private final AtomicLong lastFrameNanos = new AtomicLong(Long.MIN_VALUE);
    private final LongSupplier nanoClock;

    public CameraMetrics() {
        this(System::nanoTime);
    }

    CameraMetrics(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    void frameGrabbed() {
        grabbed.incrementAndGet();
        lastFrameNanos.set(nanoClock.getAsLong());
    }

    void framePublished() {
        published.incrementAndGet();
    }

    void frameDroppedByRate() {
        droppedByRate.incrementAndGet();
    }

    void frameDroppedBusy() {
        droppedBusy.incrementAndGet();
    }

    void attemptFailed() {
        failedAttempts.incrementAndGet();
    }

    void gapClosed(long millis) {
        gaps.incrementAndGet();
        totalGapMillis.addAndGet(millis);
        longestGapMillis.accumulateAndGet(millis, Math::max);
    }

    /** Frames decoded from the source. */
    public long grabbed() {
        return grabbed.get();
    }

    /** Frames the broker acknowledged. */
    public long published() {
        return published.get();
    }

    /** Frames left out to keep to --fps. */
    public long droppedByRate() {
        return droppedByRate.get();
    }

    /** Frames replaced by a newer one while the publisher was still busy (a slow broker). */
    public long droppedBusy() {
        return droppedBusy.get();
    }

    /** Connections that brought frames back after an interruption: one per closed gap. */
    public long reconnects() {
        return gaps.get();
    }

    /** Opens of the source that failed (refused, timed out, no video). */
    public long failedAttempts() {
        return failedAttempts.get();
    }

    /** Interruptions that ended, each with a frame after it. */
    public long gaps() {
        return gaps.get();
    }

    public long longestGapMillis() {
        return longestGapMillis.get();
    }

    public long totalGapMillis() {
        return totalGapMillis.get();
    }

    /** Milliseconds since the last decoded frame, or -1 before the first. */
    public long millisSinceLastFrame() {
        long last = lastFrameNanos.get();
        return last == Long.MIN_VALUE ? -1 : (nanoClock.getAsLong() - last) / 1_000_000;
    }

    /** The counters for the progress line and the summary. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "grabbed %d, published %d, dropped %d (rate) + %d (busy), gaps %d",
                grabbed(), published(), droppedByRate(), droppedBusy(), gaps()));
        if (gaps() > 0) {
            s.append(String.format(Locale.ROOT, " (longest %d ms, total %d ms)", longestGapMillis(), totalGapMillis()));
        }
        s.append(String.format(Locale.ROOT, ", reconnects %d, failed attempts %d", reconnects(), failedAttempts()));
        return s.toString();
    }
}
