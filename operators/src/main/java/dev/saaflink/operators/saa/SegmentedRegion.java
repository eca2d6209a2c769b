package dev.saaflink.operators.saa;

/**
 * A candidate after SAM turned its box into a mask: what the keyed fusion stage needs and nothing more (the mask
 * travels run-length encoded; the saliency map stays behind, reduced to the mean inside the mask).
 */
public final class SegmentedRegion {
    public RegionCandidate box;
    /** Mask pixel count at the original resolution. */
    public int areaPixels;
    /** Mean raw saliency over the mask pixels (0 for an empty mask). */
    public double meanSaliency;
    /** Row-major run-length counts, background first (see {@link MaskRle}). */
    public int[] rleCounts;

    public SegmentedRegion() {}

    public SegmentedRegion(RegionCandidate box, int areaPixels, double meanSaliency, int[] rleCounts) {
        this.box = box;
        this.areaPixels = areaPixels;
        this.meanSaliency = meanSaliency;
        this.rleCounts = rleCounts;
    }
}
