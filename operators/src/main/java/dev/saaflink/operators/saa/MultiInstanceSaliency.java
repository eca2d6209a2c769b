package dev.saaflink.operators.saa;

import java.util.Arrays;
import java.util.List;

/**
 * The multi-instance saliency prompt P^S of SAA+ for categories with N &gt; 1 objects per image (reference §9.3):
 * an object pixel is salient when it is unlike every pixel of the <em>other</em> objects. On a feature grid
 * (256x256 from WideResNet50 at 1024 input in the reference), with the object masks resized to it:
 * <ol>
 *   <li>for object {@code i}, every pixel {@code p} of its mask gets
 *       {@code scale * (1 - max cos(f_p, f_q))} (scale 0.5 as coded, reference D3) over the pixels {@code q} of all other objects' masks, where a pixel
 *       that also lies inside object {@code i} counts as a zero vector (the reference zeroes object {@code i}'s
 *       positions in a working copy before gathering the others, so such a pixel contributes cosine 0);</li>
 *   <li>the map is 0 outside every object and, where objects overlap, the largest of their scores.</li>
 * </ol>
 * Cosines are dot products of the unit-norm vectors {@link PositionFeatures} returns.
 *
 * <p>The reference crashes in three cases; §9.5 suggests the single-instance path for all three, and
 * {@link #fallbackReason} names them: fewer than two object masks (no object box, or exactly one), and a mask that
 * vanishes at the grid size. Callers check it first and run the single-instance saliency instead.
 *
 * <p>Cost is (pixels of i) x (pixels of the others) x C per object. The kernel keeps the others' vectors
 * channel-major in chunks and adds scaled channel rows (the loop C2 vectorises, as in {@link SelfSimilaritySaliency}),
 * so memory stays at one chunk of {@value #CHUNK} vectors whatever the mask sizes. Single-threaded.
 */
public final class MultiInstanceSaliency {

    /** Unit-norm feature vectors at grid positions ({@code y * width + x}). */
    public interface PositionFeatures {
        int channels();

        /** Position-major: {@code out[k * channels() + c]} is channel c at {@code positions[k]}. */
        float[] vectorsAt(int[] positions);
    }

    /** Other-object vectors per chunk (channel-major, so C x CHUNK floats: 7 MB at C = 1792). */
    static final int CHUNK = 1024;
    /** Object pixels whose vectors are read at once. */
    private static final int OWN_CHUNK = 1024;
    /** Similarity rows built per pass. */
    private static final int ROWS = 4;

    private MultiInstanceSaliency() {
    }

    /**
     * A mask at image resolution resized to the feature grid with OpenCV's {@code INTER_NEAREST}
     * ({@code floor(d * src / dst)}), as the reference resizes the SAM object masks.
     */
    public static boolean[] maskToGrid(boolean[] mask, int width, int height, int gridW, int gridH) {
        return Resize.nearest(mask, width, height, gridW, gridH);
    }

    /**
     * Why the multi-instance path cannot run on these grid masks (reference §9.5), or null when it can: fewer than
     * two objects (no object box found, or only one), or an object mask with no pixel on the grid.
     */
    public static String fallbackReason(List<boolean[]> gridMasks) {
        if (gridMasks.size() < 2) {
            return gridMasks.isEmpty() ? "no object found" : "only one object found";
        }
        for (int i = 0; i < gridMasks.size(); i++) {
            if (count(gridMasks.get(i)) == 0) {
                return "object mask " + i + " vanishes at the feature grid size";
            }
        }
        return null;
    }

    /** {@link #compute(PositionFeatures, List, int, int, double)} with the code's distance 0.5 * (1 - cos). */
    public static float[] compute(PositionFeatures features, List<boolean[]> gridMasks, int gridW, int gridH) {
        return compute(features, gridMasks, gridW, gridH, SelfSimilaritySaliency.CODE_DISTANCE_SCALE);
    }

    /**
     * The multi-instance saliency on the grid, row-major {@code gridW * gridH}, values in [0, distanceScale] for
     * non-negative features.
     *
     * @param distanceScale {@code d = distanceScale * (1 - max cos)}: 0.5 as coded, 1.0 for the paper's distance
     *     (reference section 12, D3); finite and positive
     * @throws IllegalArgumentException when {@link #fallbackReason} is not null or a mask has the wrong size
     */
    public static float[] compute(PositionFeatures features, List<boolean[]> gridMasks, int gridW, int gridH,
                                  double distanceScale) {
        SelfSimilaritySaliency.requireDistanceScale(distanceScale);
        float scale = (float) distanceScale;
        int n = gridW * gridH;
        for (boolean[] m : gridMasks) {
            if (m.length != n) {
                throw new IllegalArgumentException("mask has " + m.length + " pixels, grid " + gridW + "x" + gridH);
            }
        }
        String reason = fallbackReason(gridMasks);
        if (reason != null) {
            throw new IllegalArgumentException("multi-instance saliency needs the single-instance fallback: " + reason);
        }
        int channels = features.channels();
        float[] map = new float[n];
        for (int i = 0; i < gridMasks.size(); i++) {
            boolean[] own = gridMasks.get(i);
            int[] ownPositions = positions(own, count(own));
            boolean[] other = new boolean[n];
            for (int j = 0; j < gridMasks.size(); j++) {
                if (j != i) {
                    boolean[] m = gridMasks.get(j);
                    for (int p = 0; p < n; p++) {
                        other[p] |= m[p];
                    }
                }
            }
            boolean zeroVectorAmongOthers = false;
            int real = 0;
            for (int p = 0; p < n; p++) {
                if (other[p]) {
                    if (own[p]) {
                        zeroVectorAmongOthers = true;
                        other[p] = false;
                    } else {
                        real++;
                    }
                }
            }
            float[] best = maxCosines(features, channels, ownPositions, positions(other, real));
            for (int k = 0; k < ownPositions.length; k++) {
                float maxCos = zeroVectorAmongOthers || real == 0 ? Math.max(best[k], 0f) : best[k];
                float score = scale * (1f - maxCos);
                int p = ownPositions[k];
                if (score > map[p]) {
                    map[p] = score;
                }
            }
        }
        return map;
    }

    /** For every own position, the largest dot product with any of the others' vectors (-inf when none). */
    static float[] maxCosines(PositionFeatures features, int channels, int[] own, int[] others) {
        float[] best = new float[own.length];
        Arrays.fill(best, Float.NEGATIVE_INFINITY);
        float[][] rows = new float[ROWS][CHUNK];
        for (int o0 = 0; o0 < others.length; o0 += CHUNK) {
            int len = Math.min(CHUNK, others.length - o0);
            float[] byPosition = features.vectorsAt(Arrays.copyOfRange(others, o0, o0 + len));
            float[] byChannel = new float[channels * len];
            for (int j = 0; j < len; j++) {
                for (int c = 0; c < channels; c++) {
                    byChannel[c * len + j] = byPosition[j * channels + c];
                }
            }
            for (int s0 = 0; s0 < own.length; s0 += OWN_CHUNK) {
                int ownLen = Math.min(OWN_CHUNK, own.length - s0);
                float[] v = features.vectorsAt(Arrays.copyOfRange(own, s0, s0 + ownLen));
                for (int r0 = 0; r0 < ownLen; r0 += ROWS) {
                    int block = Math.min(ROWS, ownLen - r0);
                    for (int r = 0; r < ROWS; r++) {
                        Arrays.fill(rows[r], 0, len, 0f);
                    }
                    for (int c = 0; c < channels; c++) {
                        float a0 = v[r0 * channels + c];
                        float a1 = block > 1 ? v[(r0 + 1) * channels + c] : 0f;
                        float a2 = block > 2 ? v[(r0 + 2) * channels + c] : 0f;
                        float a3 = block > 3 ? v[(r0 + 3) * channels + c] : 0f;
                        addScaled(rows, a0, a1, a2, a3, byChannel, c * len, len);
                    }
                    for (int r = 0; r < block; r++) {
                        float[] row = rows[r];
                        float m = best[s0 + r0 + r];
                        for (int j = 0; j < len; j++) {
                            if (row[j] > m) {
                                m = row[j];
                            }
                        }
                        best[s0 + r0 + r] = m;
                    }
                }
            }
        }
        return best;
    }

    private static void addScaled(float[][] rows, float a0, float a1, float a2, float a3, float[] src, int base,
                                  int len) {
        float[] r0 = rows[0];
        float[] r1 = rows[1];
        float[] r2 = rows[2];
        float[] r3 = rows[3];
        for (int j = 0; j < len; j++) {
            float x = src[base + j];
            r0[j] += a0 * x;
            r1[j] += a1 * x;
            r2[j] += a2 * x;
            r3[j] += a3 * x;
        }
    }

    private static int count(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) {
            if (b) {
                n++;
            }
        }
        return n;
    }

    private static int[] positions(boolean[] mask, int count) {
        int[] out = new int[count];
        int k = 0;
        for (int p = 0; p < mask.length && k < count; p++) {
            if (mask[p]) {
                out[k++] = p;
            }
        }
        return out;
    }
}
