package dev.saaflink.operators.saa;

import java.util.Arrays;
import java.util.List;

/**
 * Sharpens a smooth patch-score anomaly map with the SAM masks of its own high-scoring components, the way SAA+'s
 * fusion earns its region figure: a SAM mask has the defect's edges, a 16-pixel patch grid smoothed by a Gaussian
 * has none, so a thresholded patch map gives blobs that rarely overlap a defect by the IoU the region metric asks
 * for (0.6), even where they sit on it.
 *
 * <p>Each mask i comes with one value {@code v_i} (a NaN value leaves the mask out). Then
 * <pre>
 *   inside any used mask:  out(p) = max(map(p), max_i v_i over the used masks covering p)
 *   outside:               out(p) = outside * map(p)
 * </pre>
 * A mask never lowers a pixel. The values are the caller's: the component's own score (SAA+ gives a mask's pixels its
 * region's score; the fusion stage gives the best mask the stand-in component's peak saliency, on the map's scale), or
 * the map's own value in the mask ({@link #maskValues}: its peak or its mean). With {@code outside < 1} the map
 * between the masks is lowered, so at thresholds near a mask's value the thresholded region is the mask itself.
 * Masks covering more than {@code maxMaskFraction} of the frame (SAM segmenting the whole tile) are left out: their
 * plateau would spread one score over the frame.
 */
public final class MapSharpening {

    /** Which of the map's values inside a mask {@link #maskValues} gives it. */
    public enum MaskValue {
        /** The largest map value inside the mask. */
        PEAK,
        /** The mean of the map inside the mask. */
        MEAN
    }

    private MapSharpening() {}

    /** Each mask's value taken from the map ({@code value}), NaN for an empty mask. */
    public static double[] maskValues(double[] map, List<boolean[]> masks, MaskValue value) {
        double[] values = new double[masks.size()];
        for (int m = 0; m < masks.size(); m++) {
            boolean[] mask = checkMask(masks.get(m), m, map.length);
            int n = 0;
            double peak = Double.NEGATIVE_INFINITY;
            double sum = 0;
            for (int p = 0; p < mask.length; p++) {
                if (mask[p]) {
                    n++;
                    peak = Math.max(peak, map[p]);
                    sum += map[p];
                }
            }
            values[m] = n == 0 ? Double.NaN : value == MaskValue.PEAK ? peak : sum / n;
        }
        return values;
    }

    /** Sharpening with every mask's value taken from the map ({@link #maskValues}). */
    public static double[] sharpen(double[] map, int w, int h, List<boolean[]> masks, MaskValue value, double outside,
                                   double maxMaskFraction) {
        checkSize(map, w, h);
        return sharpen(map, w, h, masks, maskValues(map, masks, value), outside, maxMaskFraction);
    }

    /**
     * @param map             the anomaly map, {@code w * h}, row-major; not modified
     * @param masks           the masks, each {@code w * h}; empty masks are left out
     * @param values          one value per mask; NaN leaves the mask out
     * @param outside         factor in [0, 1] for the pixels outside every used mask
     * @param maxMaskFraction masks with more pixels than this share of the frame are left out, in (0, 1]
     * @return a new map
     */
    public static double[] sharpen(double[] map, int w, int h, List<boolean[]> masks, double[] values, double outside,
                                   double maxMaskFraction) {
        int pixels = checkSize(map, w, h);
        if (values.length != masks.size()) {
            throw new IllegalArgumentException(masks.size() + " masks but " + values.length + " values");
        }
        if (!(outside >= 0 && outside <= 1)) {
            throw new IllegalArgumentException("outside must be in [0, 1], got " + outside);
        }
        if (!(maxMaskFraction > 0 && maxMaskFraction <= 1)) {
            throw new IllegalArgumentException("maxMaskFraction must be in (0, 1], got " + maxMaskFraction);
        }
        // lifted(p): the largest value of the used masks covering p; NaN where none does.
        double[] lifted = new double[pixels];
        Arrays.fill(lifted, Double.NaN);
        double maxPixels = maxMaskFraction * pixels;
        for (int m = 0; m < masks.size(); m++) {
            boolean[] mask = checkMask(masks.get(m), m, pixels);
            double v = values[m];
            int area = area(mask);
            if (Double.isNaN(v) || area == 0 || area > maxPixels) {
                continue;
            }
            for (int p = 0; p < pixels; p++) {
                if (mask[p] && !(lifted[p] >= v)) {
                    lifted[p] = v;
                }
            }
        }
        double[] out = new double[pixels];
        for (int p = 0; p < pixels; p++) {
            out[p] = Double.isNaN(lifted[p]) ? outside * map[p] : Math.max(map[p], lifted[p]);
        }
        return out;
    }

    private static int checkSize(double[] map, int w, int h) {
        if (w <= 0 || h <= 0 || map.length != (long) w * h) {
            throw new IllegalArgumentException("map has " + map.length + " values, expected " + w + "x" + h);
        }
        return map.length;
    }

    private static boolean[] checkMask(boolean[] mask, int index, int pixels) {
        if (mask.length != pixels) {
            throw new IllegalArgumentException("mask " + index + " has " + mask.length + " pixels, expected " + pixels);
        }
        return mask;
    }

    private static int area(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) {
            if (b) {
                n++;
            }
        }
        return n;
    }
}
