package dev.saaflink.operators.saa;

import java.util.Arrays;

/**
 * The single-instance saliency prompt P^S: how unlike the rest of the image each feature position is. Every
 * position's channel vector is L2-normalised, compared with every position by cosine, turned into the distance
 * {@code d = scale * (1 - cos)} (scale 0.5 as coded, 1.0 in the paper: reference section 12, D3), and the position's
 * saliency is the mean of {@code neighbours} of its distances.
 *
 * <p>Two neighbour sets are offered (reference section 9, discrepancy D4): {@link Neighbours#FARTHEST} is what the
 * official code does (the largest distances, the position itself being one of the candidates), and
 * {@link Neighbours#NEAREST} is the paper's wording (the smallest distances, the position itself left out). The
 * distance scale is independent of the mode: with the code's 0.5 values lie in [0, 0.5] for the non-negative
 * WideResNet features, with the paper's 1.0 in [0, 1]; rescoring's gamma is the separate exponent switch (D6).
 *
 * <p>Speed: 64x64 positions mean 4096 x 4096 dot products of length C. The obvious position-major dot product with
 * several scalar accumulators took 2 to 2.8 s for C = 256 on the shared 2-core build machine, because the Java 17 JIT
 * does not vectorise float reductions. The kernel here keeps the features channel-major instead (one contiguous
 * array per channel) and builds a block of similarity rows as scaled-vector additions over the channels,
 * {@code row_r[j] += x_c[i_r] * x_c[j]}; with one shared index over all arrays that loop is vectorised by C2, and
 * the whole call takes about 0.5 s there. Each finished row goes through a bucketed partial selection
 * ({@code Selector}), not a sort. The symmetry of the similarity matrix is not used: that would need the P x P
 * matrix in memory (64 MB at 64x64) instead of a 16-row buffer. Working memory is a normalised copy of the features
 * plus 16 rows. Single-threaded by design, as a Flink slot is one thread.
 */
public final class SelfSimilaritySaliency {

    /** Which distances a position averages. */
    public enum Neighbours {
        /** Official code: the {@code neighbours} largest distances; the position itself is a candidate. */
        FARTHEST,
        /** Paper Eq. 5: the {@code neighbours} smallest distances to other positions (self excluded). */
        NEAREST
    }

    /** Similarity rows built per pass; 4 rows share each loaded feature value in the inner loop. */
    private static final int ROW_BLOCK = 16;
    /** Columns per inner pass, so that the touched slices of the row buffers stay in L1. */
    private static final int COLUMN_TILE = 512;
    /** Below this span the quickselect finishes with an insertion sort. */
    private static final int SMALL_SPAN = 16;

    /** The official code's distance scale, d = 0.5 * (1 - cos) (reference section 12, D3). */
    public static final double CODE_DISTANCE_SCALE = 0.5;
    /** The paper's distance scale, d = 1 - cos (Eq. 5). */
    public static final double PAPER_DISTANCE_SCALE = 1.0;

    private SelfSimilaritySaliency() {}

    /** {@link #compute(float[], int, int, int, int, Neighbours, double)} with the code's distance 0.5 * (1 - cos). */
    public static float[] compute(float[] chw, int channels, int h, int w, int neighbours, Neighbours mode) {
        return compute(chw, channels, h, w, neighbours, mode, CODE_DISTANCE_SCALE);
    }

    /**
     * Computes the saliency map.
     *
     * @param chw features, channel-major ({@code chw[c * h * w + y * w + x]}), not necessarily normalised
     * @param channels number of channels C
     * @param h feature map height
     * @param w feature map width
     * @param neighbours how many distances to average per position (400 in the reference); clamped to the number
     *     of candidates ({@code h*w} for FARTHEST, {@code h*w - 1} for NEAREST)
     * @param mode which distances to average
     * @param distanceScale {@code d = distanceScale * (1 - cos)}: {@link #CODE_DISTANCE_SCALE} (0.5) as coded,
     *     {@link #PAPER_DISTANCE_SCALE} (1.0) in the paper (reference section 12, D3); finite and positive
     * @return {@code h * w} saliency values, row-major; 0 for a 1x1 map in NEAREST mode (no other position)
     */
    public static float[] compute(float[] chw, int channels, int h, int w, int neighbours, Neighbours mode,
                                  double distanceScale) {
        if (channels <= 0 || h <= 0 || w <= 0) {
            throw new IllegalArgumentException("channels, h and w must be positive: " + channels + ", " + h + ", " + w);
        }
        if (chw.length != channels * h * w) {
            throw new IllegalArgumentException(
                    "features have " + chw.length + " values, expected " + channels + "x" + h + "x" + w);
        }
        if (neighbours <= 0) {
            throw new IllegalArgumentException("neighbours must be positive: " + neighbours);
        }
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        requireDistanceScale(distanceScale);
        int positions = h * w;
        int k = Math.min(neighbours, mode == Neighbours.FARTHEST ? positions : positions - 1);
        float[] saliency = new float[positions];
        if (k == 0) {
            return saliency;
        }
        float[][] features = normalisedChannelRows(chw, channels, positions);

        float[][] rows = new float[ROW_BLOCK][positions];
        Selector selector = new Selector();
        for (int first = 0; first < positions; first += ROW_BLOCK) {
            int count = Math.min(ROW_BLOCK, positions - first);
            similarityRows(features, positions, first, rows);
            for (int r = 0; r < count; r++) {
                saliency[first + r] = (float) (distanceScale
                        * meanOneMinusCos(rows[r], positions, first + r, k, mode, selector));
            }
        }
        return saliency;
    }

    /**
     * Keeps the top-left {@code cropH x cropW} cells of every channel, e.g. the valid part of a feature map whose
     * input was padded to a fixed size.
     */
    public static float[] crop(float[] chw, int c, int h, int w, int cropH, int cropW) {
        if (c <= 0 || h <= 0 || w <= 0) {
            throw new IllegalArgumentException("c, h and w must be positive: " + c + ", " + h + ", " + w);
        }
        if (chw.length != c * h * w) {
            throw new IllegalArgumentException("features have " + chw.length + " values, expected " + c + "x" + h + "x" + w);
        }
        if (cropH <= 0 || cropW <= 0 || cropH > h || cropW > w) {
            throw new IllegalArgumentException("crop " + cropH + "x" + cropW + " does not fit in " + h + "x" + w);
        }
        float[] out = new float[c * cropH * cropW];
        int o = 0;
        for (int ch = 0; ch < c; ch++) {
            int plane = ch * h * w;
            for (int y = 0; y < cropH; y++) {
                System.arraycopy(chw, plane + y * w, out, o, cropW);
                o += cropW;
            }
        }
        return out;
    }

    /** One array per channel, each position's vector scaled to unit length (zero vectors stay zero). */
    private static float[][] normalisedChannelRows(float[] chw, int channels, int positions) {
        double[] squares = new double[positions];
        for (int c = 0; c < channels; c++) {
            int base = c * positions;
            for (int p = 0; p < positions; p++) {
                double v = chw[base + p];
                squares[p] += v * v;
            }
        }
        float[] inverse = new float[positions];
        for (int p = 0; p < positions; p++) {
            inverse[p] = squares[p] > 0 ? (float) (1.0 / Math.sqrt(squares[p])) : 0f;
        }
        float[][] rows = new float[channels][];
        for (int c = 0; c < channels; c++) {
            float[] row = new float[positions];
            int base = c * positions;
            for (int p = 0; p < positions; p++) {
                row[p] = chw[base + p] * inverse[p];
            }
            rows[c] = row;
        }
        return rows;
    }

    /**
     * Fills {@code rows[r][j]} with the cosine between positions {@code first + r} and {@code j}. Rows past the last
     * position get coefficient 0 and are ignored by the caller.
     */
    private static void similarityRows(float[][] features, int positions, int first, float[][] rows) {
        for (float[] row : rows) {
            Arrays.fill(row, 0f);
        }
        for (int from = 0; from < positions; from += COLUMN_TILE) {
            int to = Math.min(from + COLUMN_TILE, positions);
            for (int r = 0; r < ROW_BLOCK; r += 4) {
                int i = first + r;
                float[] r0 = rows[r];
                float[] r1 = rows[r + 1];
                float[] r2 = rows[r + 2];
                float[] r3 = rows[r + 3];
                for (float[] channel : features) {
                    addScaled(r0, r1, r2, r3,
                            coefficient(channel, i, positions), coefficient(channel, i + 1, positions),
                            coefficient(channel, i + 2, positions), coefficient(channel, i + 3, positions),
                            channel, from, to);
                }
            }
        }
    }

    private static float coefficient(float[] channel, int position, int positions) {
        return position < positions ? channel[position] : 0f;
    }

    /**
     * The hot loop. Every array is indexed by the same {@code j}; with distinct offsets per array the Java 17 JIT
     * gives up on vectorising, so keep it this way.
     */
    private static void addScaled(float[] r0, float[] r1, float[] r2, float[] r3,
                                  float a0, float a1, float a2, float a3, float[] x, int from, int to) {
        for (int j = from; j < to; j++) {
            float v = x[j];
            r0[j] += a0 * v;
            r1[j] += a1 * v;
            r2[j] += a2 * v;
            r3[j] += a3 * v;
        }
    }

    /** Rejects a distance scale that is not finite and positive. */
    public static void requireDistanceScale(double distanceScale) {
        if (!(distanceScale > 0) || Double.isInfinite(distanceScale)) {
            throw new IllegalArgumentException("distanceScale must be finite and positive: " + distanceScale);
        }
    }

    /**
     * Mean of {@code 1 - cos} over one position's selected neighbours, from its similarity row (the caller applies
     * the distance scale); the row is used as scratch. Large distances are small cosines, so FARTHEST averages the k
     * smallest cosines; NEAREST drops the self entry and averages the k largest cosines (k is at most
     * positions - 1 there).
     */
    private static double meanOneMinusCos(float[] cosines, int positions, int self, int k, Neighbours mode,
                                       Selector selector) {
        double meanCos;
        if (mode == Neighbours.FARTHEST) {
            meanCos = selector.sumOfSmallest(cosines, positions, k) / k;
        } else {
            // Move the last entry into the self slot and shorten the row by one, then select the largest by negating:
            // the k smallest of -cos are the k largest of cos.
            cosines[self] = cosines[positions - 1];
            int n = positions - 1;
            for (int j = 0; j < n; j++) {
                cosines[j] = -cosines[j];
            }
            meanCos = -selector.sumOfSmallest(cosines, n, k) / k;
        }
        return 1.0 - meanCos;
    }

    /** Sum of the k smallest of {@code a[0..n)} by plain quickselect, reordering {@code a}. Values must not be NaN. */
    static double sumOfSmallest(float[] a, int n, int k) {
        if (k < n) {
            selectInPlace(a, n, k - 1);
        }
        double sum = 0;
        for (int i = 0; i < k; i++) {
            sum += a[i];
        }
        return sum;
    }

    /**
     * Sum of the k smallest values of a row, with reusable scratch space. The values are spread over equal-width
     * buckets between the row's minimum and maximum; whole buckets below the one holding the k-th value are summed
     * directly and only that bucket's members go through a quickselect. With rows of a few thousand fairly spread
     * cosines this touches each value about three times, instead of the dozen or so of a quickselect on the whole row.
     * The bucket index is a monotone function of the value, so the split is exact; ties and clustered rows only make
     * the final bucket bigger.
     */
    static final class Selector {
        private static final int BUCKETS = 1024;
        /** Rows shorter than this go straight to the quickselect. */
        private static final int MIN_ROW = 256;

        private final int[] counts = new int[BUCKETS];
        private final double[] sums = new double[BUCKETS];
        private float[] members = new float[0];

        double sumOfSmallest(float[] a, int n, int k) {
            if (n < MIN_ROW || k >= n) {
                return SelfSimilaritySaliency.sumOfSmallest(a, n, k);
            }
            float min = a[0];
            float max = a[0];
            for (int i = 1; i < n; i++) {
                float v = a[i];
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            float range = max - min;
            if (!(range > 0) || Float.isInfinite(range)) {
                // All equal (or a range the bucket arithmetic cannot represent): fall back.
                return SelfSimilaritySaliency.sumOfSmallest(a, n, k);
            }
            float scale = (BUCKETS - 1) / range;
            Arrays.fill(counts, 0);
            Arrays.fill(sums, 0.0);
            for (int i = 0; i < n; i++) {
                float v = a[i];
                int b = Math.min(BUCKETS - 1, (int) ((v - min) * scale));
                counts[b]++;
                sums[b] += v;
            }
            int bucket = 0;
            int below = 0;
            double sum = 0;
            while (below + counts[bucket] < k) {
                below += counts[bucket];
                sum += sums[bucket];
                bucket++;
            }
            int size = counts[bucket];
            if (members.length < size) {
                members = new float[Math.max(size, 64)];
            }
            int m = 0;
            for (int i = 0; i < n; i++) {
                float v = a[i];
                if (Math.min(BUCKETS - 1, (int) ((v - min) * scale)) == bucket) {
                    members[m++] = v;
                }
            }
            return sum + SelfSimilaritySaliency.sumOfSmallest(members, m, k - below);
        }
    }

    /**
     * Partial sort: afterwards {@code a[kth]} holds the value it would have in sorted order, nothing before it is
     * larger and nothing after it is smaller. Quickselect with median-of-three pivots and a two-pointer partition.
     */
    static void selectInPlace(float[] a, int n, int kth) {
        int left = 0;
        int right = n - 1;
        while (right - left >= SMALL_SPAN) {
            int mid = (left + right) >>> 1;
            // Order left, mid, right so the pivot (mid) is their median and both ends act as sentinels.
            if (a[mid] < a[left]) {
                swap(a, mid, left);
            }
            if (a[right] < a[left]) {
                swap(a, right, left);
            }
            if (a[right] < a[mid]) {
                swap(a, right, mid);
            }
            float pivot = a[mid];
            int i = left;
            int j = right;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    swap(a, i, j);
                    i++;
                    j--;
                }
            }
            // Now a[left..j] <= pivot <= a[i..right] and everything strictly between j and i equals the pivot.
            if (kth <= j) {
                right = j;
            } else if (kth >= i) {
                left = i;
            } else {
                return;
            }
        }
        for (int i = left + 1; i <= right; i++) {
            float v = a[i];
            int j = i - 1;
            while (j >= left && a[j] > v) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = v;
        }
    }

    private static void swap(float[] a, int i, int j) {
        float t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
