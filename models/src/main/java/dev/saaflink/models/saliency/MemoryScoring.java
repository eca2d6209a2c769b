package dev.saaflink.models.saliency;

import dev.saaflink.models.runtime.ModelCall;
import java.util.Arrays;

/**
 * Mutual scoring of a query frame against a memory of earlier frames in plain Java: the CPU fallback for
 * {@link OnnxMemoryScorer} and the reference its tests compare with. Same definition as {@link MemoryScoringGraph}:
 * for query patch p and memory frame m, {@code d[p, m] = 1 - max_s cos(q_p, mem[m, :, s])} (the distance to that
 * frame's nearest patch), and {@code score[p]} is the mean of the k smallest {@code d[p, m]} over m. A patch that
 * looks like some patch of most recent frames scores near 0; averaging the k smallest per-frame distances makes the
 * score robust to a defect that appears in a minority (fewer than k) of the memory frames.
 *
 * <p>Layouts: the query is float [P, C], position-major ({@code queryPc[p * C + c]}), not normalised; the memory is
 * float [M, C, S], channel-major per frame ({@code memoryMcs[(m * C + c) * S + s]}), with unit columns (see
 * {@link #normaliseColumns}). Cost: P * M * S * C multiply-adds, accumulated in double; working memory is S doubles
 * plus M distances per query patch.
 */
public final class MemoryScoring {

    /** Norms below this count as zero vectors (they stay zero), as in the graph. */
    static final double MIN_NORM = MemoryScoringGraph.MIN_NORM;

    private MemoryScoring() {
    }

    /**
     * The score of every query patch.
     *
     * @param queryPc query features [P, C], position-major, not necessarily normalised
     * @param positions P, at least 1
     * @param channels C, at least 1
     * @param memoryMcs memory features [M, C, S], channel-major per frame, columns of unit length (or zero)
     * @param frames M, at least 1
     * @param perFrame S, patches per memory frame, at least 1
     * @param k how many of the smallest per-frame distances are averaged, 1 &lt;= k &lt;= M
     * @return P scores, each the mean of k distances 1 - cos, so in [0, 2] up to rounding
     */
    public static float[] score(float[] queryPc, int positions, int channels, float[] memoryMcs, int frames,
                                int perFrame, int k) {
        validate(queryPc, positions, channels, memoryMcs, frames, perFrame, k);
        // Plain Java cannot be stopped from outside: a cancelled call (e.g. a timeout) is checked between patches.
        ModelCall call = ModelCall.current();
        float[] out = new float[positions];
        double[] unit = new double[channels];
        double[] dots = new double[perFrame];
        double[] distances = new double[frames];
        int frameSize = channels * perFrame;
        for (int p = 0; p < positions; p++) {
            if (call != null) {
                call.throwIfCancelled();
            }
            int row = p * channels;
            double ss = 0;
            for (int c = 0; c < channels; c++) {
                ss += (double) queryPc[row + c] * queryPc[row + c];
            }
            double norm = Math.max(Math.sqrt(ss), MIN_NORM);
            for (int c = 0; c < channels; c++) {
                unit[c] = queryPc[row + c] / norm;
            }
            for (int m = 0; m < frames; m++) {
                Arrays.fill(dots, 0);
                int base = m * frameSize;
                for (int c = 0; c < channels; c++) {
                    double q = unit[c];
                    int col = base + c * perFrame;
                    for (int s = 0; s < perFrame; s++) {
                        dots[s] += q * memoryMcs[col + s];
                    }
                }
                double best = Double.NEGATIVE_INFINITY;
                for (double dot : dots) {
                    best = Math.max(best, dot);
                }
                distances[m] = 1 - best;
            }
            Arrays.sort(distances);
            double sum = 0;
            for (int i = 0; i < k; i++) {
                sum += distances[i];
            }
            out[p] = (float) (sum / k);
        }
        return out;
    }

    /**
     * An L2-normalised copy of memory features in the [M, C, S] layout: every column {@code mcs[(m * C + .) * S + s]}
     * (one patch of one frame) divided by its norm, a zero column left zero. This is what a caller does to a frame's
     * features before it stores them in the memory.
     *
     * @param mcs features [M, C, S], channel-major per frame; not modified
     * @param frames M, at least 1
     * @param channels C, at least 1
     * @param perFrame S, at least 1
     */
    public static float[] normaliseColumns(float[] mcs, int frames, int channels, int perFrame) {
        if (mcs == null) {
            throw new IllegalArgumentException("memory features must not be null");
        }
        requirePositive("frames", frames);
        requirePositive("channels", channels);
        requirePositive("perFrame", perFrame);
        long expected = (long) frames * channels * perFrame;
        if (mcs.length != expected) {
            throw new IllegalArgumentException("memory features have " + mcs.length + " values, expected frames x"
                    + " channels x perFrame = " + frames + "x" + channels + "x" + perFrame + " = " + expected);
        }
        float[] out = new float[mcs.length];
        double[] ss = new double[perFrame];
        int frameSize = channels * perFrame;
        for (int m = 0; m < frames; m++) {
            int base = m * frameSize;
            Arrays.fill(ss, 0);
            for (int c = 0; c < channels; c++) {
                int col = base + c * perFrame;
                for (int s = 0; s < perFrame; s++) {
                    ss[s] += (double) mcs[col + s] * mcs[col + s];
                }
            }
            for (int s = 0; s < perFrame; s++) {
                ss[s] = Math.max(Math.sqrt(ss[s]), MIN_NORM);
            }
            for (int c = 0; c < channels; c++) {
                int col = base + c * perFrame;
                for (int s = 0; s < perFrame; s++) {
                    out[col + s] = (float) (mcs[col + s] / ss[s]);
                }
            }
        }
        return out;
    }

    /** Checks the arguments of {@code score} (shared with {@link OnnxMemoryScorer}). */
    static void validate(float[] queryPc, int positions, int channels, float[] memoryMcs, int frames, int perFrame,
                         int k) {
        if (queryPc == null) {
            throw new IllegalArgumentException("query features must not be null");
        }
        if (memoryMcs == null) {
            throw new IllegalArgumentException("memory features must not be null");
        }
        requirePositive("positions", positions);
        requirePositive("channels", channels);
        requirePositive("frames", frames);
        requirePositive("perFrame", perFrame);
        long queryExpected = (long) positions * channels;
        if (queryPc.length != queryExpected) {
            throw new IllegalArgumentException("query features have " + queryPc.length + " values, expected"
                    + " positions x channels = " + positions + "x" + channels + " = " + queryExpected);
        }
        long memoryExpected = (long) frames * channels * perFrame;
        if (memoryMcs.length != memoryExpected) {
            throw new IllegalArgumentException("memory features have " + memoryMcs.length + " values, expected"
                    + " frames x channels x perFrame = " + frames + "x" + channels + "x" + perFrame + " = "
                    + memoryExpected);
        }
        if (k < 1 || k > frames) {
            throw new IllegalArgumentException("k must be in [1, frames = " + frames + "], got " + k);
        }
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
