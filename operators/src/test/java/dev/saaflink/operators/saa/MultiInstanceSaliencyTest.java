package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Multi-instance saliency (reference §9.3) and its fallbacks (§9.5) against hand-computed values. */
class MultiInstanceSaliencyTest {

    /** Features given as one 2-D (or C-D) unit vector per grid position. */
    record Table(float[][] vectors) implements MultiInstanceSaliency.PositionFeatures {
        @Override
        public int channels() {
            return vectors[0].length;
        }

        @Override
        public float[] vectorsAt(int[] positions) {
            int c = channels();
            float[] out = new float[positions.length * c];
            for (int k = 0; k < positions.length; k++) {
                System.arraycopy(vectors[positions[k]], 0, out, k * c, c);
            }
            return out;
        }
    }

    static boolean[] mask(int n, int... on) {
        boolean[] m = new boolean[n];
        for (int p : on) {
            m[p] = true;
        }
        return m;
    }

    @Test
    void eachObjectPixelScoresAgainstTheClosestPixelOfTheOtherObjects() {
        // Grid 4x1. Object A = {0, 1}, object B = {2, 3}.
        Table f = new Table(new float[][] {{1, 0}, {0.6f, 0.8f}, {0, 1}, {0.8f, 0.6f}});
        float[] map = MultiInstanceSaliency.compute(f, List.of(mask(4, 0, 1), mask(4, 2, 3)), 4, 1);
        // p0: cos to p2 = 0, to p3 = 0.8 -> 0.5 * (1 - 0.8) = 0.1; p1: cos to p3 = 0.48 + 0.48 = 0.96 -> 0.02.
        // p2: cos to p0 = 0, to p1 = 0.8 -> 0.1; p3: cos to p1 = 0.96 -> 0.02.
        assertThat(map[0]).isCloseTo(0.1f, within(1e-6f));
        assertThat(map[1]).isCloseTo(0.02f, within(1e-6f));
        assertThat(map[2]).isCloseTo(0.1f, within(1e-6f));
        assertThat(map[3]).isCloseTo(0.02f, within(1e-6f));
    }

    @Test
    void overlapPixelsCountAsZeroVectorsAndOverlapsTakeTheLargerScore() {
        // Grid 5x1. A = {0, 1, 2}, B = {2, 3}; p4 is in no object. p1 points away from everything (cos -1 to p3).
        Table f = new Table(new float[][] {{1, 0}, {-1, 0}, {0.6f, 0.8f}, {1, 0}, {0, 1}});
        float[] map = MultiInstanceSaliency.compute(f, List.of(mask(5, 0, 1, 2), mask(5, 2, 3)), 5, 1);
        // Object A: others = {2, 3}, but p2 is inside A, so it is a zero vector (cos 0); the real other is p3.
        //   p0: max(cos 1, 0) = 1 -> 0; p1: max(cos -1, 0) = 0 -> 0.5; p2: max(0.6, 0) -> 0.2.
        // Object B: others = {0, 1, 2}, p2 inside B -> zero vector; real others p0, p1.
        //   p2: max(0.6, -0.6, 0) = 0.6 -> 0.2; p3: max(1, -1, 0) = 1 -> 0.
        assertThat(map).containsExactly(new float[] {0f, 0.5f, 0.2f, 0f, 0f}, within(1e-6f));
    }

    @Test
    void withoutOverlapNoZeroVectorIsAdded() {
        // A = {0}, B = {1}, opposite vectors: cos -1 -> 0.5 * (1 + 1) = 1 (features with negative values only).
        Table f = new Table(new float[][] {{1, 0}, {-1, 0}});
        assertThat(MultiInstanceSaliency.compute(f, List.of(mask(2, 0), mask(2, 1)), 2, 1))
                .containsExactly(new float[] {1f, 1f}, within(1e-6f));
    }

    @Test
    void threeObjectsUseAllOtherObjects() {
        // A = {0}, B = {1}, C = {2}: p0's others are p1 and p2, the closer one counts.
        Table f = new Table(new float[][] {{1, 0}, {0, 1}, {0.8f, 0.6f}});
        float[] map = MultiInstanceSaliency.compute(f, List.of(mask(3, 0), mask(3, 1), mask(3, 2)), 3, 1);
        // p0: max(0, 0.8) -> 0.1; p1: max(0, 0.6) -> 0.2; p2: max(0.8, 0.6) -> 0.1.
        assertThat(map).containsExactly(new float[] {0.1f, 0.2f, 0.1f}, within(1e-6f));
    }

    @Test
    void chunkedKernelEqualsTheDirectDefinition() {
        int gw = 48;
        int gh = 48;
        int n = gw * gh;
        int c = 7;
        Random rnd = new Random(7);
        float[][] v = new float[n][c];
        for (float[] row : v) {
            double norm = 0;
            for (int k = 0; k < c; k++) {
                row[k] = rnd.nextFloat();
                norm += row[k] * row[k];
            }
            for (int k = 0; k < c; k++) {
                row[k] /= (float) Math.sqrt(norm);
            }
        }
        // Three objects larger than one chunk of others, overlapping in places.
        boolean[][] masks = new boolean[3][n];
        for (int p = 0; p < n; p++) {
            int x = p % gw;
            masks[0][p] = x < 20;
            masks[1][p] = x >= 18 && x < 34;
            masks[2][p] = x >= 34 || (p / gw) < 3;
        }
        List<boolean[]> list = List.of(masks[0], masks[1], masks[2]);
        int othersOfA = 0;
        for (int p = 0; p < n; p++) {
            othersOfA += (masks[1][p] || masks[2][p]) && !masks[0][p] ? 1 : 0;
        }
        assertThat(othersOfA).isGreaterThan(MultiInstanceSaliency.CHUNK);
        float[] map = MultiInstanceSaliency.compute(new Table(v), list, gw, gh);
        for (int p = 0; p < n; p++) {
            double expected = 0;
            for (int i = 0; i < 3; i++) {
                if (!masks[i][p]) {
                    continue;
                }
                double best = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < 3; j++) {
                    if (j == i) {
                        continue;
                    }
                    for (int q = 0; q < n; q++) {
                        if (masks[j][q]) {
                            double dot = 0;
                            if (!masks[i][q]) {
                                for (int k = 0; k < c; k++) {
                                    dot += v[p][k] * v[q][k];
                                }
                            }
                            best = Math.max(best, dot);
                        }
                    }
                }
                expected = Math.max(expected, 0.5 * (1 - best));
            }
            assertThat((double) map[p]).as("position %d", p).isCloseTo(expected, within(1e-5));
        }
    }

    @Test
    void fallbackReasonsOfTheReference() {
        assertThat(MultiInstanceSaliency.fallbackReason(List.of())).isEqualTo("no object found");
        assertThat(MultiInstanceSaliency.fallbackReason(List.of(mask(4, 1)))).isEqualTo("only one object found");
        assertThat(MultiInstanceSaliency.fallbackReason(List.of(mask(4, 1), mask(4))))
                .isEqualTo("object mask 1 vanishes at the feature grid size");
        assertThat(MultiInstanceSaliency.fallbackReason(List.of(mask(4, 1), mask(4, 2)))).isNull();
        assertThatThrownBy(() -> MultiInstanceSaliency.compute(new Table(new float[][] {{1}, {1}, {1}, {1}}),
                List.of(mask(4, 1)), 4, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only one object found");
    }

    @Test
    void masksGoToTheGridWithOpenCvNearest() {
        // 4x4 -> 2x2 picks source (0,0), (2,0), (0,2), (2,2) (floor(d * 4 / 2)): a lone pixel at (1,1) vanishes,
        // one at (2,2) lands on grid (1,1).
        boolean[] lone = mask(16, 5);
        assertThat(MultiInstanceSaliency.maskToGrid(lone, 4, 4, 2, 2)).containsExactly(false, false, false, false);
        boolean[] corner = mask(16, 10);
        assertThat(MultiInstanceSaliency.maskToGrid(corner, 4, 4, 2, 2)).containsExactly(false, false, false, true);
    }
}
