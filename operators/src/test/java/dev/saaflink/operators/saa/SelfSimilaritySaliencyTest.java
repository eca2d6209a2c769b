package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.operators.saa.SelfSimilaritySaliency.Neighbours;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SelfSimilaritySaliencyTest {

    /*
     * Four positions (2x2 map), two channels, deliberately not unit length:
     *   p0 = (1, 0), p1 = (0, 2), p2 = (3, 3), p3 = (0, 0)
     * After normalisation: p0 = (1,0), p1 = (0,1), p2 = (1,1)/sqrt2, p3 stays zero.
     * Cosines: p0.p1 = 0, p0.p2 = p1.p2 = 1/sqrt2, anything with p3 = 0, self = 1 (p3: 0).
     * Distances d = 0.5(1 - cos): D0 = 0.5 for cos 0, DH = 0.5(1 - 1/sqrt2) = 0.1464466 for cos 1/sqrt2, 0 for self.
     *   row p0: [0, .5, DH, .5]   row p1: [.5, 0, DH, .5]   row p2: [DH, DH, 0, .5]   row p3: [.5, .5, .5, .5]
     */
    private static final float[] CHW = {
        1, 0, 3, 0, // channel 0 at p0..p3
        0, 2, 3, 0, // channel 1
    };
    private static final double DH = 0.5 * (1 - 1 / Math.sqrt(2));

    @Test
    void farthestAveragesTheLargestDistances() {
        // k=1: the largest of each row.
        assertThat(SelfSimilaritySaliency.compute(CHW, 2, 2, 2, 1, Neighbours.FARTHEST))
                .containsExactly(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, within(1e-6f));
        // k=2: p0 (.5+.5)/2 = .5; p2 (.5 + DH)/2; p3 .5
        assertThat(SelfSimilaritySaliency.compute(CHW, 2, 2, 2, 2, Neighbours.FARTHEST))
                .containsExactly(new float[] {0.5f, 0.5f, (float) ((0.5 + DH) / 2), 0.5f}, within(1e-6f));
        // k=3: p0 (.5+.5+DH)/3; p2 (.5+DH+DH)/3
        float[] k3 = SelfSimilaritySaliency.compute(CHW, 2, 2, 2, 3, Neighbours.FARTHEST);
        assertThat(k3).containsExactly(new float[] {
            (float) ((1 + DH) / 3), (float) ((1 + DH) / 3), (float) ((0.5 + 2 * DH) / 3), 0.5f}, within(1e-6f));
    }

    @Test
    void farthestCountsSelfAmongTheCandidates() {
        // k=4 takes the whole row including the self distance 0: p0 (0+.5+DH+.5)/4, p3 (4*.5)/4
        float[] all = SelfSimilaritySaliency.compute(CHW, 2, 2, 2, 4, Neighbours.FARTHEST);
        assertThat(all[0]).isCloseTo((float) ((1 + DH) / 4), within(1e-6f));
        assertThat(all[2]).isCloseTo((float) ((0.5 + 2 * DH) / 4), within(1e-6f));
        assertThat(all[3]).isCloseTo(0.5f, within(1e-6f));
        // more neighbours than positions: clamped to 4
        assertThat(SelfSimilaritySaliency.compute(CHW, 2, 2, 2, 400, Neighbours.FARTHEST)).containsExactly(all);
    }

    @Test
    void nearestExcludesSelf() {
        // k=1: smallest distance to another position. p0: min(.5, DH, .5) = DH; p2: DH; p3: .5 (its own 0.5 excluded
        // too, but every other entry is .5 as well)
        assertThat(SelfSimilaritySaliency.compute(CHW, 2, 2, 2, 1, Neighbours.NEAREST))
                .containsExactly(new float[] {(float) DH, (float) DH, (float) DH, 0.5f}, within(1e-6f));
        // k=2: p0 (DH + .5)/2; p2 (DH + DH)/2
        assertThat(SelfSimilaritySaliency.compute(CHW, 2, 2, 2, 2, Neighbours.NEAREST)).containsExactly(new float[] {
            (float) ((DH + 0.5) / 2), (float) ((DH + 0.5) / 2), (float) DH, 0.5f}, within(1e-6f));
        // k=400 clamps to the 3 other positions: p0 (.5 + DH + .5)/3, p2 (DH + DH + .5)/3
        assertThat(SelfSimilaritySaliency.compute(CHW, 2, 2, 2, 400, Neighbours.NEAREST)).containsExactly(new float[] {
            (float) ((1 + DH) / 3), (float) ((1 + DH) / 3), (float) ((0.5 + 2 * DH) / 3), 0.5f}, within(1e-6f));
    }

    @Test
    void singlePositionHasNoNeighbourInNearestMode() {
        assertThat(SelfSimilaritySaliency.compute(new float[] {1, 2}, 2, 1, 1, 5, Neighbours.NEAREST))
                .containsExactly(0f);
        // farthest: only the self distance 0
        assertThat(SelfSimilaritySaliency.compute(new float[] {1, 2}, 2, 1, 1, 5, Neighbours.FARTHEST)[0])
                .isCloseTo(0f, within(1e-6f));
    }

    /**
     * Blocked kernel against a direct double-precision evaluation of the definition, on a size that is not a multiple
     * of the row block and spans two column tiles, with many exact duplicates (ties in the selection).
     */
    @Test
    void matchesDirectEvaluationOnARaggedSize() {
        int c = 5;
        int h = 7;
        int w = 93; // 651 positions
        int p = h * w;
        Random random = new Random(42);
        float[] chw = new float[c * p];
        for (int i = 0; i < chw.length; i++) {
            // non-negative like post-ReLU features; a coarse grid produces repeated vectors
            chw[i] = random.nextInt(4);
        }
        for (Neighbours mode : Neighbours.values()) {
            float[] fast = SelfSimilaritySaliency.compute(chw, c, h, w, 40, mode);
            double[] slow = direct(chw, c, p, 40, mode);
            for (int i = 0; i < p; i++) {
                assertThat((double) fast[i]).as("%s position %d", mode, i).isCloseTo(slow[i], within(2e-6));
            }
        }
    }

    /** The definition, written plainly: full distance rows in double, sorted. */
    private static double[] direct(float[] chw, int c, int p, int k, Neighbours mode) {
        double[][] v = new double[p][c];
        for (int i = 0; i < p; i++) {
            double norm = 0;
            for (int ch = 0; ch < c; ch++) {
                norm += (double) chw[ch * p + i] * chw[ch * p + i];
            }
            norm = Math.sqrt(norm);
            for (int ch = 0; ch < c; ch++) {
                v[i][ch] = norm == 0 ? 0 : chw[ch * p + i] / norm;
            }
        }
        double[] out = new double[p];
        for (int i = 0; i < p; i++) {
            double[] d = new double[p];
            for (int j = 0; j < p; j++) {
                double cos = 0;
                for (int ch = 0; ch < c; ch++) {
                    cos += v[i][ch] * v[j][ch];
                }
                d[j] = 0.5 * (1 - cos);
            }
            double sum = 0;
            if (mode == Neighbours.FARTHEST) {
                Arrays.sort(d);
                for (int n = 0; n < k; n++) {
                    sum += d[p - 1 - n];
                }
            } else {
                d[i] = Double.POSITIVE_INFINITY;
                Arrays.sort(d);
                for (int n = 0; n < k; n++) {
                    sum += d[n];
                }
            }
            out[i] = sum / k;
        }
        return out;
    }

    @Test
    void selectionSumsTheSmallestWithDuplicates() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(300);
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = random.nextInt(10) - 5;
            }
            int k = 1 + random.nextInt(n);
            float[] sorted = a.clone();
            Arrays.sort(sorted);
            double expected = 0;
            for (int i = 0; i < k; i++) {
                expected += sorted[i];
            }
            assertThat(SelfSimilaritySaliency.sumOfSmallest(a, n, k)).isEqualTo(expected);
        }
    }

    @Test
    void bucketedSelectionMatchesASortedPrefix() {
        Random random = new Random(11);
        SelfSimilaritySaliency.Selector selector = new SelfSimilaritySaliency.Selector();
        for (int trial = 0; trial < 300; trial++) {
            int n = 200 + random.nextInt(3000);
            float[] a = new float[n];
            int shape = trial % 4;
            for (int i = 0; i < n; i++) {
                switch (shape) {
                    case 0 -> a[i] = random.nextFloat();                          // spread
                    case 1 -> a[i] = random.nextInt(5) * 0.25f;                   // heavy ties
                    case 2 -> a[i] = i == 0 ? -50f : 0.9f + random.nextFloat() * 1e-3f; // one outlier, tight cluster
                    default -> a[i] = 0.3f;                                        // constant
                }
            }
            int k = 1 + random.nextInt(n);
            float[] sorted = a.clone();
            Arrays.sort(sorted);
            double expected = 0;
            for (int i = 0; i < k; i++) {
                expected += sorted[i];
            }
            assertThat(selector.sumOfSmallest(a, n, k)).as("trial %d n %d k %d", trial, n, k)
                    .isCloseTo(expected, within(1e-9 * Math.max(1, Math.abs(expected))));
        }
    }

    @Test
    void cropKeepsTopLeftCellsOfEveryChannel() {
        // 2 channels of 2x3: channel 0 = 0..5, channel 1 = 6..11; crop 1x2 -> [0 1] and [6 7]
        float[] chw = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        assertThat(SelfSimilaritySaliency.crop(chw, 2, 2, 3, 1, 2)).containsExactly(0f, 1f, 6f, 7f);
        // crop 2x2 -> [0 1; 3 4] and [6 7; 9 10]
        assertThat(SelfSimilaritySaliency.crop(chw, 2, 2, 3, 2, 2)).containsExactly(0f, 1f, 3f, 4f, 6f, 7f, 9f, 10f);
        assertThatThrownBy(() -> SelfSimilaritySaliency.crop(chw, 2, 2, 3, 3, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> SelfSimilaritySaliency.compute(CHW, 2, 2, 3, 1, Neighbours.FARTHEST))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SelfSimilaritySaliency.compute(CHW, 2, 2, 2, 0, Neighbours.FARTHEST))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
