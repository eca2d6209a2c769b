package dev.saaflink.operators.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Whether the regions an event reports locate the defects: each predicted region mask against the ground truth's
 * connected components (8-connected, as {@link ConnectedComponents}), counted over many frames.
 *
 * <p><b>Matching.</b> For every pair of a predicted region and a ground-truth component, IoU = |region &cap;
 * component| / |region &cup; component|, the component taken alone (a region spanning two components is compared with
 * each separately, so it may match neither). Pairs with IoU &ge; the threshold are candidates; they are taken greedily
 * by descending IoU (ties: lower region index, then lower component label), each region and each component used at
 * most once. A matched pair is a true positive; precision = matched / predicted regions, recall = matched / ground-truth
 * components, F1 their harmonic mean, all pooled over the frames added (micro average). A frame without any event
 * (a dead letter) is added with no regions, so its components count as missed; a predicted region on a defect-free
 * frame is a false positive.
 *
 * <p>Memory is one label grid per {@link #add} call, dropped on return; the counters are longs.
 */
public final class EventRegionMetrics {

    /** The IoU a region needs with a component to count as locating it. */
    public static final double DEFAULT_IOU_THRESHOLD = 0.3;

    private final double iouThreshold;
    private long predicted;
    private long groundTruth;
    private long matched;

    public EventRegionMetrics(double iouThreshold) {
        if (!(iouThreshold > 0 && iouThreshold <= 1)) {
            throw new IllegalArgumentException("IoU threshold must be in (0, 1], got " + iouThreshold);
        }
        this.iouThreshold = iouThreshold;
    }

    /**
     * Adds one frame.
     *
     * @param regions      the event's region masks, each {@code width x height} row-major (empty for a dead letter)
     * @param groundTruth  the frame's defect pixels, {@code width x height}
     * @return the number of regions matched in this frame
     */
    public int add(List<boolean[]> regions, boolean[] groundTruth, int width, int height) {
        ConnectedComponents components = ConnectedComponents.of(groundTruth, width, height);
        int m = match(regions, components, iouThreshold);
        predicted += regions.size();
        this.groundTruth += components.count();
        matched += m;
        return m;
    }

    /** Greedy one-to-one matching (see the class comment); returns the number of matched pairs. */
    static int match(List<boolean[]> regions, ConnectedComponents components, double iouThreshold) {
        int[] labels = components.labels();
        int n = components.count();
        List<double[]> candidates = new ArrayList<>();
        for (int r = 0; r < regions.size(); r++) {
            boolean[] region = regions.get(r);
            if (region.length != labels.length) {
                throw new IllegalArgumentException("region " + r + " has " + region.length + " pixels, the ground "
                        + "truth " + labels.length);
            }
            int area = 0;
            int[] intersection = new int[n + 1];
            for (int p = 0; p < region.length; p++) {
                if (region[p]) {
                    area++;
                    intersection[labels[p]]++;
                }
            }
            for (int c = 1; c <= n; c++) {
                int union = area + components.area(c) - intersection[c];
                // tolerance so that an IoU of exactly the threshold (3 of 10 for 0.3) counts despite binary rounding
                if (intersection[c] > 0 && intersection[c] >= iouThreshold * union - 1e-9) {
                    candidates.add(new double[] {(double) intersection[c] / union, r, c});
                }
            }
        }
        candidates.sort(Comparator.<double[]>comparingDouble(a -> -a[0]).thenComparingDouble(a -> a[1])
                .thenComparingDouble(a -> a[2]));
        boolean[] regionUsed = new boolean[regions.size()];
        boolean[] componentUsed = new boolean[n + 1];
        int pairs = 0;
        for (double[] c : candidates) {
            int r = (int) c[1];
            int g = (int) c[2];
            if (!regionUsed[r] && !componentUsed[g]) {
                regionUsed[r] = true;
                componentUsed[g] = true;
                pairs++;
            }
        }
        return pairs;
    }

    public double iouThreshold() {
        return iouThreshold;
    }

    /** Predicted regions added. */
    public long predicted() {
        return predicted;
    }

    /** Ground-truth components added. */
    public long groundTruth() {
        return groundTruth;
    }

    /** Matched pairs (true positives). */
    public long matched() {
        return matched;
    }

    /** matched / predicted, a fraction; NaN without any predicted region. */
    public double precision() {
        return predicted == 0 ? Double.NaN : (double) matched / predicted;
    }

    /** matched / ground-truth components, a fraction; NaN without any component. */
    public double recall() {
        return groundTruth == 0 ? Double.NaN : (double) matched / groundTruth;
    }

    /** Harmonic mean of precision and recall; NaN when either is, 0 when both are 0. */
    public double f1() {
        double p = precision();
        double r = recall();
        if (Double.isNaN(p) || Double.isNaN(r)) {
            return Double.NaN;
        }
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }
}
