package dev.saaflink.operators.saa;

import java.util.ArrayList;
import java.util.List;

/**
 * Stage E, the confidence prompt P^C: keep the K best rescored regions and blend their masks into one anomaly map.
 * The official code divides by {@code 1 + coverage} (its weight map starts at ones), the paper by {@code coverage}
 * (reference section 10, discrepancy D7). Pixels no kept mask covers are 0 either way.
 */
public final class TopKFusion {

    private TopKFusion() {}

    /**
     * Indices of the {@code k} largest scores, best first; equal scores are ordered by lower index first, and NaN ranks
     * below every number. Returns all indices when there are fewer than {@code k}, none when {@code k <= 0}.
     */
    public static List<Integer> topK(double[] scores, int k) {
        List<Integer> order = new ArrayList<>(scores.length);
        for (int i = 0; i < scores.length; i++) {
            order.add(i);
        }
        // Stable sort keeps lower indices first among equal scores.
        order.sort((a, b) -> compareDescending(scores[a], scores[b]));
        int n = Math.max(0, Math.min(k, scores.length));
        return new ArrayList<>(order.subList(0, n));
    }

    private static int compareDescending(double x, double y) {
        boolean xNaN = Double.isNaN(x);
        boolean yNaN = Double.isNaN(y);
        if (xNaN || yNaN) {
            return Boolean.compare(xNaN, yNaN);
        }
        // Plain numeric comparison, so 0.0 and -0.0 count as a tie.
        return x > y ? -1 : (x < y ? 1 : 0);
    }

    /**
     * Blends the kept masks: {@code A(p) = sum_i s_i m_i(p) / (1 + sum_i m_i(p))} with {@code plusOneDenominator}
     * (code), {@code sum_i s_i m_i(p) / sum_i m_i(p)} without (paper); 0 where no mask covers p. Accumulated in double.
     *
     * @param masks the kept masks, each {@code w * h}, row-major
     * @param scores their rescored scores, one per mask
     */
    public static double[] fuse(List<boolean[]> masks, double[] scores, int w, int h, boolean plusOneDenominator) {
        if (masks.size() != scores.length) {
            throw new IllegalArgumentException(masks.size() + " masks but " + scores.length + " scores");
        }
        int pixels = w * h;
        double[] weighted = new double[pixels];
        int[] coverage = new int[pixels];
        for (int m = 0; m < scores.length; m++) {
            boolean[] mask = masks.get(m);
            if (mask.length != pixels) {
                throw new IllegalArgumentException(
                        "mask " + m + " has " + mask.length + " pixels, expected " + w + "x" + h);
            }
            double s = scores[m];
            for (int p = 0; p < pixels; p++) {
                if (mask[p]) {
                    weighted[p] += s;
                    coverage[p]++;
                }
            }
        }
        int extra = plusOneDenominator ? 1 : 0;
        for (int p = 0; p < pixels; p++) {
            weighted[p] = coverage[p] == 0 ? 0.0 : weighted[p] / (coverage[p] + extra);
        }
        return weighted;
    }
}
