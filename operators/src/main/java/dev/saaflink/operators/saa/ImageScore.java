package dev.saaflink.operators.saa;

import java.util.Arrays;

/**
 * A frame's image score from its anomaly map: the map's maximum (SAA+, reference section 3.6) or the mean of its
 * highest {@code fraction} of pixels. One pixel decides the maximum, so a single hot patch on a good tile (a glint, a
 * chamfer the memory has not seen) scores like a defect; the mean of the top 1 % asks for a hot area of some size
 * instead, at the price of scoring tiny defects lower.
 */
public final class ImageScore {

    private ImageScore() {}

    /**
     * @param fraction 0 for the maximum, else the share in (0, 1] of the pixels averaged (at least one pixel)
     */
    public static double of(double[] map, double fraction) {
        if (map.length == 0) {
            return 0;
        }
        if (fraction <= 0) {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : map) {
                max = Math.max(max, v);
            }
            return max;
        }
        double[] sorted = map.clone();
        Arrays.sort(sorted);
        int k = count(map.length, fraction);
        double sum = 0;
        for (int i = sorted.length - k; i < sorted.length; i++) {
            sum += sorted[i];
        }
        return sum / k;
    }

    /** As {@link #of(double[], double)} for a float map. */
    public static float of(float[] map, double fraction) {
        double[] values = new double[map.length];
        for (int i = 0; i < map.length; i++) {
            values[i] = map[i];
        }
        return (float) of(values, fraction);
    }

    /** How many pixels the top mean averages: ceil(fraction * pixels), at least 1, at most all. */
    public static int count(int pixels, double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
        }
        return (int) Math.max(1, Math.min(pixels, Math.ceil(fraction * pixels - 1e-9)));
    }
}
