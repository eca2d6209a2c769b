package dev.saaflink.operators.context;

import dev.saaflink.operators.config.MemoryAdmissionConfig;

import java.util.Arrays;

/**
 * The admission gate of the stream memory ({@link MemoryAdmissionConfig}): decides, from a frame's scores, which of
 * its sampled patches enter the memory. Pure functions; the history of recent quantiles lives in the key's state
 * ({@link StreamMemory#admissionHistory}, {@link MemoryRing#admissionHistory}).
 */
public final class MemoryAdmission {

    private MemoryAdmission() {}

    /**
     * What the gate made of one frame.
     *
     * @param remember      whether the frame enters the memory at all
     * @param masked        sampled patches left out (replaced by copies of admitted ones); 0 when not remembered
     * @param threshold     the score above which a patch was left out
     * @param frameQuantile the frame's own score quantile, which joins the history when the frame is remembered
     */
    public record Decision(boolean remember, int masked, float threshold, float frameQuantile) {
    }

    /**
     * Applies the gate to a scored frame. {@code grid} holds the frame's cell scores (row-major over the
     * {@code positions} covering cells, border cells already replaced); {@code sampledCs} the patch vectors that
     * would be remembered, channel-major {@code [C, S]}, column {@code i} taken from cell ⌊i·P/S⌋. When the frame is
     * remembered with some patches left out, their columns in {@code sampledCs} are overwritten with the nearest
     * earlier admitted column (the first admitted one for those before it): a repeated patch does not change any
     * nearest-patch distance, so the memory's layout stays fixed. {@code history} is not changed.
     */
    public static Decision apply(MemoryAdmissionConfig config, float[] grid, int positions, float[] sampledCs,
                                 int channels, int perFrame, float[] history) {
        float own = quantile(grid, positions, config.getQuantile());
        float threshold = (float) (config.getFactor() * (history == null || history.length == 0 ? own
                : median(history)));
        boolean[] over = new boolean[perFrame];
        int masked = 0;
        for (int i = 0; i < perFrame; i++) {
            int p = (int) ((long) i * positions / perFrame);
            if (grid[p] > threshold) {
                over[i] = true;
                masked++;
            }
        }
        if (masked > config.getMaxMaskedFraction() * perFrame || masked == perFrame) {
            return new Decision(false, 0, threshold, own);
        }
        if (masked > 0) {
            int firstKept = 0;
            while (over[firstKept]) {
                firstKept++;
            }
            int source = firstKept;
            for (int i = 0; i < perFrame; i++) {
                if (!over[i]) {
                    source = i;
                    continue;
                }
                for (int c = 0; c < channels; c++) {
                    sampledCs[c * perFrame + i] = sampledCs[c * perFrame + source];
                }
            }
        }
        return new Decision(true, masked, threshold, own);
    }

    /** {@code history} with {@code value} appended, keeping the last {@code window} values (oldest first). */
    public static float[] push(float[] history, float value, int window) {
        int n = history == null ? 0 : history.length;
        int keep = Math.min(n, window - 1);
        float[] out = new float[keep + 1];
        if (keep > 0) {
            System.arraycopy(history, n - keep, out, 0, keep);
        }
        out[keep] = value;
        return out;
    }

    /**
     * The {@code q} quantile of the first {@code n} values, linear between the two nearest order statistics
     * (position {@code (n − 1)·q}, numpy's default), so the research probe computes the same threshold.
     */
    static float quantile(float[] values, int n, double q) {
        float[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        double pos = (n - 1) * q;
        int lo = (int) Math.floor(pos);
        int hi = Math.min(n - 1, lo + 1);
        double frac = pos - lo;
        return (float) (sorted[lo] + (sorted[hi] - sorted[lo]) * frac);
    }

    /** The median; the mean of the two middle values for an even count. */
    static float median(float[] values) {
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2f;
    }
}
