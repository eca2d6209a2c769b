package dev.saaflink.jobs.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A progress line for long command-line runs: {@code label: done/total (pct) rate unit/s, ETA}, printed at
 * most once per interval (and once more by {@link #finish()}). Any thread may count; a Kafka producer
 * callback thread, for example, can call {@link #advance} as acknowledgements arrive.
 */
public final class Progress {

    /** How often a line is printed unless told otherwise. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(3);

    private final String label;
    private final String unit;
    private final long total;
    private final PrintStream out;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final long startNanos;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong nextPrintNanos;
    private volatile Supplier<String> details;

    /**
     * @param label what is being counted, printed first (e.g. {@code ingest})
     * @param unit the unit of the rate (e.g. {@code frames})
     * @param total the expected count, or a negative number when unknown (no percentage or ETA then)
     */
    public Progress(String label, String unit, long total) {
        this(label, unit, total, System.err, DEFAULT_INTERVAL, System::nanoTime);
    }

    public Progress(String label, String unit, long total, PrintStream out, Duration interval, LongSupplier nanoClock) {
        this.label = label;
        this.unit = unit;
        this.total = total;
        this.out = out;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
        this.nextPrintNanos = new AtomicLong(startNanos + intervalNanos);
    }

    /**
     * Appends what the supplier says to every line (after the elapsed time), for counters the count alone does not
     * show: {@code saa camera}'s dropped frames, gaps and reconnects, for example.
     */
    public Progress details(Supplier<String> supplier) {
        this.details = supplier;
        return this;
    }

    /** Counts one more unit of work. */
    public void step() {
        advance(1);
    }

    /** Counts {@code n} more units of work and prints a line if the interval has passed. */
    public void advance(long n) {
        done.addAndGet(n);
        maybePrint();
    }

    /** Prints a line if the interval has passed; call it while waiting, so a stalled run still reports. */
    public void maybePrint() {
        long now = nanoClock.getAsLong();
        long due = nextPrintNanos.get();
        // only the thread that moves the deadline prints, so concurrent callers never double a line
        if (now >= due && nextPrintNanos.compareAndSet(due, now + intervalNanos)) {
            out.println(line(now));
        }
    }

    /** Prints the final line unconditionally. */
    public void finish() {
        out.println(line(nanoClock.getAsLong()));
    }

    public long done() {
        return done.get();
    }

    public Duration elapsed() {
        return Duration.ofNanos(nanoClock.getAsLong() - startNanos);
    }

    /** Units per second since the start. */
    public double rate() {
        return rate(nanoClock.getAsLong());
    }

    String line(long now) {
        long count = done.get();
        double rate = rate(now);
        StringBuilder s = new StringBuilder(label).append(": ").append(count);
        if (total >= 0) {
            s.append('/').append(total);
            if (total > 0) {
                s.append(String.format(Locale.ROOT, " (%.0f%%)", 100.0 * count / total));
            }
        }
        s.append(String.format(Locale.ROOT, ", %.1f %s/s", rate, unit));
        s.append(", elapsed ").append(formatDuration(Duration.ofNanos(now - startNanos)));
        if (total >= 0 && count < total && rate > 0) {
            long etaSeconds = (long) Math.ceil((total - count) / rate);
            s.append(", ETA ").append(formatDuration(Duration.ofSeconds(etaSeconds)));
        }
        Supplier<String> more = details;
        if (more != null) {
            s.append(", ").append(more.get());
        }
        return s.toString();
    }

    private double rate(long now) {
        double seconds = (now - startNanos) / 1e9;
        return seconds <= 0 ? 0.0 : done.get() / seconds;
    }

    /** {@code 42s}, {@code 3m05s}, {@code 1h02m}. */
    public static String formatDuration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
