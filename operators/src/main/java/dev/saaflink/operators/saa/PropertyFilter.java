package dev.saaflink.operators.saa;

import java.util.ArrayList;
import java.util.List;

/**
 * The property prompt P^P as the official code applies it (reference section 7): an area test on the proposal
 * <em>box</em>, normalised by the image area, and the category-word test on the detector's decoded phrase. The
 * paper's IoU/location constraint is not implemented there, so it is not here either.
 */
public final class PropertyFilter {

    private PropertyFilter() {}

    /**
     * Keeps a box whose normalised area {@code a = (w/W) * (h/H)} satisfies {@code 0 < a < areaRatio * objectArea}
     * (both strict, as coded).
     *
     * @param areaRatio theta_area of the category
     * @param objectArea normalised area of the largest inspected-object box, 1 when none was found
     */
    public static boolean keepByArea(RegionCandidate c, int imageWidth, int imageHeight,
                                     double areaRatio, double objectArea) {
        if (imageWidth <= 0 || imageHeight <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + imageWidth + "x" + imageHeight);
        }
        double area = c.normalisedArea(imageWidth, imageHeight);
        return area > 0 && area < areaRatio * objectArea;
    }

    /**
     * Drops a box whose decoded phrase contains the filter word anywhere (plain substring, case-sensitive, as
     * coded). A null or empty filter word keeps everything; a null phrase is treated as empty.
     */
    public static boolean keepByPhrase(String decodedPhrase, String filterWord) {
        if (filterWord == null || filterWord.isEmpty()) {
            return true;
        }
        return decodedPhrase == null || !decodedPhrase.contains(filterWord);
    }

    /** The candidates that pass {@link #keepByArea}, in their original order; the input list is not modified. */
    public static List<RegionCandidate> filter(List<RegionCandidate> candidates, int imageWidth, int imageHeight,
                                               double areaRatio, double objectArea) {
        List<RegionCandidate> kept = new ArrayList<>(candidates.size());
        for (RegionCandidate c : candidates) {
            if (keepByArea(c, imageWidth, imageHeight, areaRatio, objectArea)) {
                kept.add(c);
            }
        }
        return kept;
    }
}
