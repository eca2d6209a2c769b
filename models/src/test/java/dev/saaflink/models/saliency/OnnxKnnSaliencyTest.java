package dev.saaflink.models.saliency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.saliency.KnnSaliencyGraph.Mode;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnnxKnnSaliencyTest {

    OnnxKnnSaliency farthest;
    OnnxKnnSaliency nearest;

    @BeforeAll
    void open() throws Exception {
        farthest = OnnxKnnSaliency.open(Mode.FARTHEST, SessionSettings.cpu(1));
        nearest = OnnxKnnSaliency.open(Mode.NEAREST, SessionSettings.cpu(1));
    }

    @AfterAll
    void close() throws Exception {
        farthest.close();
        nearest.close();
    }

    /** Brute force in double: full sort of each row, self excluded for NEAREST. */
    static float[] reference(float[] chw, int c, int p, int n, Mode mode) {
        double[][] unit = new double[p][c];
        for (int i = 0; i < p; i++) {
            double ss = 0;
            for (int ch = 0; ch < c; ch++) {
                ss += (double) chw[ch * p + i] * chw[ch * p + i];
            }
            double inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
            for (int ch = 0; ch < c; ch++) {
                unit[i][ch] = chw[ch * p + i] * inv;
            }
        }
        float[] out = new float[p];
        for (int i = 0; i < p; i++) {
            double[] d = new double[mode == Mode.FARTHEST ? p : p - 1];
            int m = 0;
            for (int j = 0; j < p; j++) {
                if (mode == Mode.NEAREST && j == i) {
                    continue;
                }
                double cos = 0;
                for (int ch = 0; ch < c; ch++) {
                    cos += unit[i][ch] * unit[j][ch];
                }
                d[m++] = 0.5 * (1 - cos);
            }
            Arrays.sort(d);
            int k = Math.min(n, d.length);
            double sum = 0;
            for (int t = 0; t < k; t++) {
                sum += mode == Mode.FARTHEST ? d[d.length - 1 - t] : d[t];
            }
            out[i] = k == 0 ? 0 : (float) (sum / k);
        }
        return out;
    }

    @Test
    void handComputedFourPositions() throws Exception {
        // Positions (channel vectors): a=(1,0), b=(0,1), c=(1,0) twice as long, d=(1,1).
        // cos: a.b 0, a.c 1, a.d 1/sqrt2, b.d 1/sqrt2, c.d 1/sqrt2. Distances 0.5(1-cos).
        float[] chw = {1, 0, 2, 1, /* channel 1 */ 0, 1, 0, 1};
        double r = 0.5 * (1 - Math.sqrt(0.5));
        // FARTHEST n=1: a -> b (0.5); b -> a (0.5); c -> b (0.5); d -> r
        assertThat(farthest.compute(chw, 2, 4, 1)).containsExactly(new float[] {0.5f, 0.5f, 0.5f, (float) r}, within(1e-6f));
        // NEAREST n=1: a -> c (0); b -> d (r); c -> a (0); d -> r
        assertThat(nearest.compute(chw, 2, 4, 1)).containsExactly(new float[] {0, (float) r, 0, (float) r}, within(1e-6f));
        // NEAREST n=2: a -> (0 + r)/2; b -> (r + 0.5)/2; c -> (0 + r)/2; d -> r
        assertThat(nearest.compute(chw, 2, 4, 2)).containsExactly(new float[] {
                (float) (r / 2), (float) ((r + 0.5) / 2), (float) (r / 2), (float) r}, within(1e-6f));
    }

    @Test
    void distanceScaleOnTwoVectors() throws Exception {
        // Reference section 12, D3. Two positions u=(3,4), v=(4,3): cos = (12 + 12) / (5 * 5) = 0.96.
        // n=1, each position's only other neighbour is the other one (NEAREST) / the larger distance (FARTHEST):
        // code 0.5 * (1 - 0.96) = 0.02; paper 1 - 0.96 = 0.04.
        float[] chw = {3, 4, /* channel 1 */ 4, 3};
        assertThat(nearest.compute(chw, 2, 2, 1)).containsExactly(new float[] {0.02f, 0.02f}, within(1e-6f));
        assertThat(nearest.compute(chw, 2, 2, 1, KnnSaliencyGraph.CODE_SCALE))
                .containsExactly(new float[] {0.02f, 0.02f}, within(1e-6f));
        assertThat(nearest.compute(chw, 2, 2, 1, KnnSaliencyGraph.PAPER_SCALE))
                .containsExactly(new float[] {0.04f, 0.04f}, within(1e-6f));
        assertThat(farthest.compute(chw, 2, 2, 1, KnnSaliencyGraph.PAPER_SCALE))
                .containsExactly(new float[] {0.04f, 0.04f}, within(1e-6f));
        // FARTHEST n=2 averages the self distance 0 in: paper (0 + 0.04) / 2 = 0.02, code 0.01.
        assertThat(farthest.compute(chw, 2, 2, 2, KnnSaliencyGraph.PAPER_SCALE))
                .containsExactly(new float[] {0.02f, 0.02f}, within(1e-6f));
        assertThat(farthest.compute(chw, 2, 2, 2)).containsExactly(new float[] {0.01f, 0.01f}, within(1e-6f));
    }

    @Test
    void matchesBruteForceOnRandomFeatures() throws Exception {
        Random rnd = new Random(7);
        for (int[] cpn : new int[][] {{3, 50, 5}, {16, 300, 40}, {64, 257, 256}, {8, 40, 39}, {8, 40, 40}, {8, 40, 400}}) {
            int c = cpn[0];
            int p = cpn[1];
            int n = cpn[2];
            float[] chw = new float[c * p];
            for (int i = 0; i < chw.length; i++) {
                chw[i] = rnd.nextFloat(); // non-negative like post-ReLU features
            }
            for (Mode mode : Mode.values()) {
                OnnxKnnSaliency s = mode == Mode.FARTHEST ? farthest : nearest;
                assertThat(s.compute(chw, c, p, n)).as("%s c=%d p=%d n=%d", mode, c, p, n)
                        .containsExactly(reference(chw, c, p, n, mode), within(1e-5f));
            }
        }
    }

    @Test
    void zeroVectorsAndDuplicates() throws Exception {
        // 6 positions, 3 channels: two zero vectors, two equal vectors, two others.
        float[][] pos = {{0, 0, 0}, {1, 2, 3}, {1, 2, 3}, {0, 0, 0}, {3, 0, 1}, {0.5f, 0.5f, 0}};
        float[] chw = new float[3 * 6];
        for (int i = 0; i < 6; i++) {
            for (int ch = 0; ch < 3; ch++) {
                chw[ch * 6 + i] = pos[i][ch];
            }
        }
        for (int n : new int[] {1, 2, 5, 9}) {
            assertThat(farthest.compute(chw, 3, 6, n)).containsExactly(reference(chw, 3, 6, n, Mode.FARTHEST), within(1e-6f));
            assertThat(nearest.compute(chw, 3, 6, n)).containsExactly(reference(chw, 3, 6, n, Mode.NEAREST), within(1e-6f));
        }
    }

    @Test
    void singlePosition() throws Exception {
        assertThat(nearest.compute(new float[] {1, 2}, 2, 1, 5)).containsExactly(0f);
        assertThat(farthest.compute(new float[] {1, 2}, 2, 1, 5)[0]).isCloseTo(0f, within(1e-6f));
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> farthest.compute(new float[5], 2, 3, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> farthest.compute(new float[6], 2, 3, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> farthest.compute(new float[6], 2, 3, 1, 0f)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> farthest.compute(new float[6], 2, 3, 1, Float.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
