package dev.saaflink.operators.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The threshold-sweep metrics of the reference protocol for one category (sections 11.2 and 11.3), in percent:
 * {@link Result#aupro}, {@link Result#regionMaxF1Reference} and {@link Result#regionMaxF1}.
 *
 * <p><b>Thresholds.</b> 200 values {@code t_s = max - s * (max - min) / 200}, s = 0..199, from the minimum and maximum
 * over every map of the category; a pixel is predicted anomalous at step s when its score (widened to double) is
 * strictly above {@code t_s}. Because the thresholds fall with s, each pixel has a first step at which it switches on
 * (its <i>level</i>, 200 = never) and stays on afterwards. The sweep works on these levels, computed one image at a
 * time, so each image's map is read once per evaluation rather than once per threshold.
 *
 * <p><b>Memory.</b> The maps have to be kept until every image is in, because the thresholds depend on the category's
 * global range. {@link #add} keeps a reference to the caller's map (no copy: the caller must not change it afterwards;
 * a caller feeding one map to several accumulators pays for it once) and a bit-packed copy of the mask, or nothing for
 * a mask without positives. At 400x400 that is 640 KB per image plus 20 KB per anomalous image.
 *
 * <p><b>AUPRO.</b> Ground-truth regions are the 8-connected components of each mask; PRO(t) is the mean over all
 * regions of all images of the covered fraction, FPR(t) the share of ground-truth-negative pixels predicted. The curve
 * starts at (0, 0) (nothing is above the maximum) and both coordinates grow with s. The trapezoidal rule runs over the
 * points with FPR at or below 0.3; when the curve steps past 0.3 the segment is cut at exactly 0.3 with the PRO
 * interpolated linearly. The 200 thresholds stop one step above the minimum, so the curve is closed with the point a
 * threshold below every score gives: everything predicted, FPR 1 and PRO 1 (as MVTec AD's own evaluation, whose
 * thresholds span all scores). The area is divided by 0.3, so a perfect map scores 100. The reference script instead
 * keeps the FPRs at or below 0.3 and min-max rescales them, which stretches a curve that ends early to the full width;
 * both give 100 for a perfect map, and differ on curves that never reach FPR 0.3.
 *
 * <p><b>Region F1.</b> Per image and step, 8-connected components of the prediction and the ground truth.
 * <ul>
 * <li>Reference counting: a predicted component's value is its largest IoU against any ground-truth component, where
 * the IoU is taken between the whole binary prediction and the whole binary ground truth restricted to the union of the
 * two components' bounding boxes (other components inside that box count); values at or above 0.6 are true
 * positives. Recall = TP / ground-truth components and can exceed 1.</li>
 * <li>One-to-one: IoU between the two components themselves; pairs at or above 0.6 are matched greedily by descending
 * IoU, each component used once; TP = matched pairs, so recall is at most 1.</li>
 * </ul>
 * Counts are summed over the category's images; F1 = 2PR / (P + R), 0 when there is no prediction or no true
 * positive; the metric is the maximum over the 200 steps.
 *
 * <p>Undefined values are NaN: AUPRO without ground-truth regions or without negative pixels, both F1s without
 * ground-truth regions.
 */
public final class RegionMetrics {

    /** Number of thresholds of the reference sweep. */
    public static final int STEPS = 200;
    /** PRO is integrated up to this false-positive rate. */
    public static final double MAX_FPR = 0.3;
    /** Minimum IoU for a predicted component to count as found. */
    public static final double IOU_MATCH = 0.6;

    /** The three metrics, in percent, NaN where undefined. */
    public record Result(double aupro, double regionMaxF1Reference, double regionMaxF1) {
    }

    private record Image(float[] map, long[] maskBits, int width, int height) {
    }

    private final List<Image> images = new ArrayList<>();
    private float min = Float.POSITIVE_INFINITY;
    private float max = Float.NEGATIVE_INFINITY;

    /** Adds one image of {@code width} columns; see the class note on what is retained. */
    public void add(float[] map, boolean[] mask, int width) {
        if (map.length != mask.length || map.length == 0 || width <= 0 || map.length % width != 0) {
            throw new IllegalArgumentException("map (" + map.length + ") and mask (" + mask.length
                    + ") must be equally long, non-empty and a multiple of the width " + width);
        }
        for (float v : map) {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        long[] bits = null;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                if (bits == null) {
                    bits = new long[(mask.length + 63) >>> 6];
                }
                bits[i >>> 6] |= 1L << i;
            }
        }
        images.add(new Image(map, bits, width, map.length / width));
    }

    public int size() {
        return images.size();
    }

    /** The 200 thresholds of the current category range, highest first (all equal to max when the maps are flat). */
    public double[] thresholds() {
        double[] t = new double[STEPS];
        double delta = ((double) max - min) / STEPS;
        for (int s = 0; s < STEPS; s++) {
            t[s] = max - s * delta;
        }
        return t;
    }

    public Result compute() {
        if (images.isEmpty()) {
            return new Result(Double.NaN, Double.NaN, Double.NaN);
        }
        double[] t = thresholds();
        double delta = ((double) max - min) / STEPS;
        Sweep sweep = new Sweep();
        for (Image image : images) {
            sweep.add(image, t, delta);
        }
        return sweep.result();
    }

    /** First step at which {@code v} is above the threshold, or {@link #STEPS} if never. */
    static int level(float v, double[] t, double max, double delta) {
        double d = v;
        if (!(d > t[STEPS - 1])) {
            return STEPS;
        }
        // estimate from the spacing, then correct for rounding against the actual thresholds
        int s = (int) Math.min(STEPS - 1, Math.max(0, Math.floor((max - d) / delta) + 1));
        while (s > 0 && d > t[s - 1]) {
            s--;
        }
        while (s < STEPS - 1 && !(d > t[s])) {
            s++;
        }
        return s;
    }

    /** Per-step tallies over the category, plus the scratch buffers reused from image to image. */
    private static final class Sweep {
        final double[] proSum = new double[STEPS];
        final long[] falsePositives = new long[STEPS];
        final long[] predicted = new long[STEPS];
        final long[] referenceTp = new long[STEPS];
        final long[] matchedTp = new long[STEPS];
        long regions;
        long negatives;
        long gtComponents;

        int width = -1;
        int height = -1;
        int[] level;
        boolean[] gt;
        boolean[] fg;
        ConnectedComponents gtCc;
        ConnectedComponents predCc;
        int[] gtSum;
        int[] predSum;
        int[] bothSum;
        int[] interCount = new int[16];

        void ensureSize(int w, int h) {
            if (w == width && h == height) {
                return;
            }
            width = w;
            height = h;
            int n = w * h;
            level = new int[n];
            gt = new boolean[n];
            fg = new boolean[n];
            gtCc = new ConnectedComponents(w, h);
            predCc = new ConnectedComponents(w, h);
            gtSum = new int[(w + 1) * (h + 1)];
            predSum = new int[(w + 1) * (h + 1)];
            bothSum = new int[(w + 1) * (h + 1)];
        }

        void add(Image image, double[] t, double delta) {
            ensureSize(image.width, image.height);
            int n = level.length;
            float[] map = image.map;
            double top = t[0];
            int minLevel = STEPS;
            for (int i = 0; i < n; i++) {
                int l = delta > 0 ? level(map[i], t, top, delta) : STEPS;
                level[i] = l;
                if (l < minLevel) minLevel = l;
            }
            if (image.maskBits == null) {
                addNormal(n, minLevel);
            } else {
                addAnomalous(image.maskBits, n, minLevel);
            }
        }

        /** No ground truth: every pixel is a negative, every predicted component a false one. */
        private void addNormal(int n, int minLevel) {
            negatives += n;
            if (minLevel >= STEPS) {
                return;
            }
            long[] hist = new long[STEPS + 1];
            for (int i = 0; i < n; i++) {
                hist[level[i]]++;
            }
            long cum = 0;
            for (int s = 0; s < STEPS; s++) {
                cum += hist[s];
                falsePositives[s] += cum;
            }
            int[] counts = ConnectedComponents.countByLevel(level, width, height, STEPS);
            for (int s = minLevel; s < STEPS; s++) {
                predicted[s] += counts[s];
            }
        }

        private void addAnomalous(long[] bits, int n, int minLevel) {
            long[] negHist = new long[STEPS + 1];
            for (int i = 0; i < n; i++) {
                gt[i] = (bits[i >>> 6] & (1L << i)) != 0;
                if (!gt[i]) {
                    negHist[level[i]]++;
                    negatives++;
                }
            }
            long cum = 0;
            for (int s = 0; s < STEPS; s++) {
                cum += negHist[s];
                falsePositives[s] += cum;
            }

            // ground-truth regions, their pixels grouped by region, and PRO coverage per step
            int nGt = gtCc.label(gt);
            gtComponents += nGt;
            regions += nGt;
            int[] gtLabels = gtCc.labels();
            int[] offsets = new int[nGt + 2];
            for (int i = 0; i < n; i++) {
                if (gtLabels[i] > 0) offsets[gtLabels[i] + 1]++;
            }
            for (int g = 1; g <= nGt; g++) {
                offsets[g + 1] += offsets[g];
            }
            int[] pixels = new int[offsets[nGt + 1]];
            int[] fill = Arrays.copyOf(offsets, nGt + 1);
            for (int i = 0; i < n; i++) {
                if (gtLabels[i] > 0) pixels[fill[gtLabels[i]]++] = i;
            }
            long[] hist = new long[STEPS + 1];
            for (int g = 1; g <= nGt; g++) {
                Arrays.fill(hist, 0);
                for (int k = offsets[g]; k < offsets[g + 1]; k++) {
                    hist[level[pixels[k]]]++;
                }
                double area = offsets[g + 1] - offsets[g];
                long covered = 0;
                for (int s = 0; s < STEPS; s++) {
                    covered += hist[s];
                    proSum[s] += covered / area;
                }
            }
            if (minLevel >= STEPS) {
                return;
            }

            prefixSum(gt, null, gtSum);
            int[] gtArea = new int[nGt + 1];
            int[][] gtBox = new int[nGt + 1][];
            for (int g = 1; g <= nGt; g++) {
                gtArea[g] = gtCc.area(g);
                gtBox[g] = new int[] {gtCc.minX(g), gtCc.minY(g), gtCc.maxX(g), gtCc.maxY(g)};
            }
            List<double[]> candidates = new ArrayList<>();
            for (int s = minLevel; s < STEPS; s++) {
                for (int i = 0; i < n; i++) {
                    fg[i] = level[i] <= s;
                }
                int nPred = predCc.label(fg);
                predicted[s] += nPred;
                prefixSum(fg, null, predSum);
                prefixSum(fg, gt, bothSum);
                referenceTp[s] += referenceHits(nPred, nGt, gtBox);
                matchedTp[s] += oneToOne(nPred, nGt, gtArea, offsets, pixels, candidates);
            }
        }

        /** Predicted components whose best crop IoU against some ground-truth component reaches the match level. */
        private int referenceHits(int nPred, int nGt, int[][] gtBox) {
            int hits = 0;
            for (int p = 1; p <= nPred; p++) {
                int px0 = predCc.minX(p);
                int py0 = predCc.minY(p);
                int px1 = predCc.maxX(p);
                int py1 = predCc.maxY(p);
                double best = 0;
                for (int g = 1; g <= nGt; g++) {
                    int[] b = gtBox[g];
                    int x0 = Math.min(px0, b[0]);
                    int y0 = Math.min(py0, b[1]);
                    int x1 = Math.max(px1, b[2]);
                    int y1 = Math.max(py1, b[3]);
                    int inter = boxSum(bothSum, x0, y0, x1, y1);
                    int union = boxSum(predSum, x0, y0, x1, y1) + boxSum(gtSum, x0, y0, x1, y1) - inter;
                    best = Math.max(best, (double) inter / union);
                }
                if (best >= IOU_MATCH) {
                    hits++;
                }
            }
            return hits;
        }

        /** Greedy one-to-one matching on component IoU; returns the number of matched pairs. */
        private int oneToOne(int nPred, int nGt, int[] gtArea, int[] offsets, int[] pixels, List<double[]> candidates) {
            if (interCount.length <= nPred) {
                interCount = new int[Math.max(nPred + 1, interCount.length * 2)];
            }
            int[] predLabels = predCc.labels();
            candidates.clear();
            for (int g = 1; g <= nGt; g++) {
                // intersections of region g with every predicted component it touches
                for (int k = offsets[g]; k < offsets[g + 1]; k++) {
                    int p = predLabels[pixels[k]];
                    if (p > 0) interCount[p]++;
                }
                for (int k = offsets[g]; k < offsets[g + 1]; k++) {
                    int p = predLabels[pixels[k]];
                    if (p > 0 && interCount[p] > 0) {
                        int inter = interCount[p];
                        interCount[p] = 0;
                        double iou = (double) inter / (gtArea[g] + predCc.area(p) - inter);
                        if (iou >= IOU_MATCH) {
                            candidates.add(new double[] {iou, g, p});
                        }
                    }
                }
            }
            if (candidates.isEmpty()) {
                return 0;
            }
            candidates.sort((a, b) -> Double.compare(b[0], a[0]));
            boolean[] gtUsed = new boolean[nGt + 1];
            boolean[] predUsed = new boolean[nPred + 1];
            int matched = 0;
            for (double[] c : candidates) {
                int g = (int) c[1];
                int p = (int) c[2];
                if (!gtUsed[g] && !predUsed[p]) {
                    gtUsed[g] = true;
                    predUsed[p] = true;
                    matched++;
                }
            }
            return matched;
        }

        /** Summed-area table of {@code a} (and {@code b} when given), (w+1) x (h+1) with a zero first row and column. */
        private void prefixSum(boolean[] a, boolean[] b, int[] out) {
            int w1 = width + 1;
            for (int y = 0; y < height; y++) {
                int rowSum = 0;
                int src = y * width;
                int dst = (y + 1) * w1;
                for (int x = 0; x < width; x++) {
                    if (a[src + x] && (b == null || b[src + x])) rowSum++;
                    out[dst + x + 1] = out[dst - w1 + x + 1] + rowSum;
                }
            }
        }

        /** Count inside the inclusive box. */
        private int boxSum(int[] sum, int x0, int y0, int x1, int y1) {
            int w1 = width + 1;
            return sum[(y1 + 1) * w1 + x1 + 1] - sum[y0 * w1 + x1 + 1] - sum[(y1 + 1) * w1 + x0] + sum[y0 * w1 + x0];
        }

        Result result() {
            double aupro = regions == 0 || negatives == 0 ? Double.NaN : 100.0 * aupro();
            double reference = gtComponents == 0 ? Double.NaN : 100.0 * maxF1(referenceTp);
            double matched = gtComponents == 0 ? Double.NaN : 100.0 * maxF1(matchedTp);
            return new Result(aupro, reference, matched);
        }

        private double aupro() {
            // points in step order are already sorted by FPR (the prediction only grows); step 0 is (0, 0)
            double area = 0;
            double prevFpr = 0;
            double prevPro = 0;
            for (int s = 0; s < STEPS; s++) {
                double fpr = (double) falsePositives[s] / negatives;
                double pro = proSum[s] / regions;
                if (fpr > MAX_FPR) {
                    double cutPro = prevPro + (pro - prevPro) * (MAX_FPR - prevFpr) / (fpr - prevFpr);
                    area += (MAX_FPR - prevFpr) * (prevPro + cutPro) / 2;
                    return area / MAX_FPR;
                }
                area += (fpr - prevFpr) * (prevPro + pro) / 2;
                prevFpr = fpr;
                prevPro = pro;
            }
            // never past the limit: close the curve towards (1, 1), everything predicted
            double cutPro = prevPro + (1 - prevPro) * (MAX_FPR - prevFpr) / (1 - prevFpr);
            area += (MAX_FPR - prevFpr) * (prevPro + cutPro) / 2;
            return area / MAX_FPR;
        }

        private double maxF1(long[] tp) {
            double best = 0;
            for (int s = 0; s < STEPS; s++) {
                if (predicted[s] == 0 || tp[s] == 0) {
                    continue;
                }
                double precision = (double) tp[s] / predicted[s];
                double recall = (double) tp[s] / gtComponents;
                best = Math.max(best, 2 * precision * recall / (precision + recall));
            }
            return best;
        }
    }
}
