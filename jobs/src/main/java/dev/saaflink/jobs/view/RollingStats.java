package dev.saaflink.jobs.view;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Verdicts and latencies of a camera's last {@code capacity} events: the defect rate and latency percentiles the live
 * view charts. A count window rather than a time window, so a camera that goes quiet keeps showing what it last did
 * and memory stays at {@code capacity} samples however fast events come.
 */
final class RollingStats {

    private record Sample(boolean anomalous, double latencyMs) {}

    private final int capacity;
    private final Deque<Sample> samples;
    private int anomalous;

    RollingStats(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("window must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.samples = new ArrayDeque<>(capacity);
    }

    void add(boolean isAnomalous, double latencyMs) {
        if (samples.size() == capacity) {
            if (samples.removeFirst().anomalous()) {
                anomalous--;
            }
        }
        samples.addLast(new Sample(isAnomalous, latencyMs));
        if (isAnomalous) {
            anomalous++;
        }
    }

    int count() {
        return samples.size();
    }

    /** Share of anomalous verdicts in the window; 0 when empty. */
    double defectRate() {
        return samples.isEmpty() ? 0 : (double) anomalous / samples.size();
    }

    /**
     * Nearest-rank percentile of the latencies in the window (the smallest value with at least {@code p} percent of
     * the samples at or below it), so it is always a latency that was observed; NaN when empty.
     */
    double latencyPercentile(double p) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = samples.stream().mapToDouble(Sample::latencyMs).toArray();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }
}
