package dev.saaflink.operators.saa;

import java.util.Arrays;
import java.util.List;

/**
 * Sharpens a smooth patch-score anomaly map with the SAM masks of its own high-scoring components, the way SAA+'s
 * fusion earns its region figure: a SAM mask has the object's edges, a 16-pixel patch grid smoothed by a Gaussian
 * has none, so a thresholded patch map gives blobs that rarely overlap a defect by the IoU the region metric asks
 * for, even where they sit on it.
 *
 * <p>Each kept mask i gets one value {@code v_i}: the largest map value inside it ({@link MaskValue#PEAK}) or its mean
 * ({@link MaskValue#MEAN}). So a mask's pixels carry the score of the component that prompted it, on the map's own
 * scale (SAA+ gives them the region's rescored detector score, which lives on another scale and would make frames
 * with stand-in regions on good tiles look as anomalous as defective ones). Then
 * <pre>
 *   inside any mask:  out(p) = max(map(p), max_i v_i over the masks covering p)
 *   outside:          out(p) = outside * map(p)
 * </pre>
 * With {@code outside < 1} the map between the masks is lowered, so at thresholds near a mask's value the thresholded
 * region is the mask itself, edges included; with {@code outside = 1} only the masks' plateaus are added. With
 * {@link MaskValue#PEAK} no pixel rises above the highest map value of a mask covering it, so a frame's maximum stays
 * where it was when a mask covers it, and drops by {@code outside} when no mask does. Masks covering more than
 * {@code maxMaskFraction} of the frame (SAM segmenting the whole tile) are left out: their plateau would spread one
 * score over the frame.
 */
public final class MapSharpening {

    /** Which value a mask's pixels are given. */
    public enum MaskValue {
        /** The largest map value inside the mask (the component's peak). */
        PEAK,
        /** The mean of the map inside the mask. */
        MEAN
    }

    private MapSharpening() {}

    /**
     * @param map             the anomaly map, {@code w * h}, row-major; not modified
     * @param masks           the kept regions' masks, each {@code w * h}; empty masks are ignored
     * @param value           which value a mask's pixels are given
     * @param outside         factor in [0, 1] for the pixels outside every used mask
     * @param maxMaskFraction masks with more pixels than this share of the frame are not used, in (0, 1]
     * @return a new map
     */
    public static double[] sharpen(double[] map, int w, int h, List<boolean[]> masks, MaskValue value, double outside,
                                   double maxMaskFraction) {
        checkSize(map, w, h);
        double[] values = new double[masks.size()];
        for (int m = 0; m < masks.size(); m++) {
            values[m] = maskValue(map, checkMask(masks.get(m), m, map.length), value);
        }
        return sharpen(map, w, h, masks, values, outside, maxMaskFraction);
    }

    /**
     * As {@link #sharpen(double[], int, int, List, MaskValue, double, double)} with each mask's value given, e.g. the
     * score of the component that prompted it; a NaN value leaves its mask out.
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

    /** The mask's value on the map, or NaN when the mask is empty. */
    private static double maskValue(double[] map, boolean[] mask, MaskValue value) {
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
        if (n == 0) {
            return Double.NaN;
        }
        return value == MaskValue.PEAK ? peak : sum / n;
    }
}
