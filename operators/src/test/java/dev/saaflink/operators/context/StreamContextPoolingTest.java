package dev.saaflink.operators.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.saa.SaliencyBackend;

import org.junit.jupiter.api.Test;

/**
 * The local pooling of the query patches ({@code streamContext.poolCells}) and the border replacement of the scored
 * grid ({@code streamContext.borderCells}), on grids small enough to work out by hand.
 */
class StreamContextPoolingTest {

    private static final float EPS = 1e-5f;

    // ------------------------------------------------------------------ pooled

    @Test
    void pooledSize3IsTheMeanOfTheNineClampedNeighbours() {
        // 3x2 grid (w = 3, h = 2), C = 1, row-major:
        //   row 0: 1 2 3
        //   row 1: 4 5 6
        // Clamped x neighbours: x0 -> {0, 0, 1}, x1 -> {0, 1, 2}, x2 -> {1, 2, 2};
        // clamped y neighbours: y0 -> {0, 0, 1}, y1 -> {0, 1, 1}.
        // Row sums over those x sets: row 0: 1+1+2 = 4, 1+2+3 = 6, 2+3+3 = 8; row 1: 4+4+5 = 13, 15, 5+6+6 = 17.
        // y0 = 2·row0 + row1: 8+13 = 21, 12+15 = 27, 16+17 = 33;  y1 = row0 + 2·row1: 4+26 = 30, 6+30 = 36, 8+34 = 42.
        // Divided by 9.
        float[] pc = {1, 2, 3, 4, 5, 6};
        float[] out = StreamContextScorer.pooled(pc, 3, 2, 1, 3);
        assertThat(out).containsExactly(new float[] {
                21f / 9, 27f / 9, 33f / 9,
                30f / 9, 36f / 9, 42f / 9}, within(1e-6f));
        assertThat(pc).as("the input is not modified").containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(out).isNotSameAs(pc);
    }

    @Test
    void pooledRepeatsEdgeCellsSoACornerSpikeWeighsMoreAtTheCorner() {
        // A 9 at (0, 0), 0 elsewhere: cell (x, y) counts (0, 0) mx(x)·my(y) times, mx = [2, 1, 0] (x0's set
        // {0, 0, 1} holds 0 twice, x1's once, x2's never), my = [2, 1]. Output = 9 · count / 9 = count.
        float[] pc = {9, 0, 0, 0, 0, 0};
        assertThat(StreamContextScorer.pooled(pc, 3, 2, 1, 3)).containsExactly(new float[] {
                4, 2, 0,
                2, 1, 0}, within(1e-6f));
    }

    @Test
    void pooledSize1ReturnsTheInput() {
        float[] pc = {1, 2, 3, 4, 5, 6};
        assertThat(StreamContextScorer.pooled(pc, 3, 2, 1, 1)).isSameAs(pc);
    }

    @Test
    void pooledOnASingleCellKeepsIt() {
        // 1x1 grid: all nine (clamped) neighbours are the cell itself.
        float[] pc = {0.5f, -2};
        assertThat(StreamContextScorer.pooled(pc, 1, 1, 2, 3)).containsExactly(new float[] {0.5f, -2}, within(1e-6f));
    }

    @Test
    void pooledPoolsEachChannelOnItsOwn() {
        // C = 2, position-major: channel 0 = the 1..6 grid, channel 1 = the corner spike (see the tests above).
        float[] pc = {
                1, 9,   2, 0,   3, 0,
                4, 0,   5, 0,   6, 0};
        float[] out = StreamContextScorer.pooled(pc, 3, 2, 2, 3);
        assertThat(out).containsExactly(new float[] {
                21f / 9, 4,   27f / 9, 2,   33f / 9, 0,
                30f / 9, 2,   36f / 9, 1,   42f / 9, 0}, within(1e-6f));
    }

    // ------------------------------------------------------------------ withBorderFromInside

    /** w × h grid with cell (x, y) = y·w + x. */
    private static float[] indexGrid(int w, int h) {
        float[] g = new float[w * h];
        for (int i = 0; i < g.length; i++) {
            g[i] = i;
        }
        return g;
    }

    @Test
    void border1On5x5TakesTheNearestInnerCell() {
        // Inner part: x, y in [1, 3]. Edge cells copy the clamped cell; corners the inner corner
        // ((0,0) <- (1,1) = 6, (4,0) <- (3,1) = 8, (0,4) <- (1,3) = 16, (4,4) <- (3,3) = 18).
        float[] g = indexGrid(5, 5);
        float[] out = StreamContextScorer.withBorderFromInside(g, 5, 5, 1);
        assertThat(out).containsExactly(
                6, 6, 7, 8, 8,
                6, 6, 7, 8, 8,
                11, 11, 12, 13, 13,
                16, 16, 17, 18, 18,
                16, 16, 17, 18, 18);
        assertThat(g).as("the input is not modified").isEqualTo(indexGrid(5, 5));
    }

    @Test
    void border2On5x5LeavesOnlyTheCentre() {
        // 5 > 2·2: inner part is [2, 2] on both axes, the centre cell 12.
        float[] out = StreamContextScorer.withBorderFromInside(indexGrid(5, 5), 5, 5, 2);
        assertThat(out).hasSize(25).containsOnly(12f);
    }

    @Test
    void border2On6x4ReplacesAlongXOnly() {
        // w = 6 > 4: bx = 2, x clamped to [2, 3] (an inner part 2 columns wide);
        // h = 4 is not > 4: by = 0, rows left as they are. Cell (x, y) = 6y + x.
        float[] out = StreamContextScorer.withBorderFromInside(indexGrid(6, 4), 6, 4, 2);
        assertThat(out).containsExactly(
                2, 2, 2, 3, 3, 3,
                8, 8, 8, 9, 9, 9,
                14, 14, 14, 15, 15, 15,
                20, 20, 20, 21, 21, 21);
    }

    @Test
    void border0OrTooSmallAGridReturnsTheInput() {
        float[] g = indexGrid(5, 5);
        assertThat(StreamContextScorer.withBorderFromInside(g, 5, 5, 0)).isSameAs(g);
        // 5 is not > 2·3 on either axis: nothing to keep, left alone.
        assertThat(StreamContextScorer.withBorderFromInside(g, 5, 5, 3)).isSameAs(g);
    }

    // ------------------------------------------------------------------ scoreAndRemember with pooling and border

    /**
     * C = 3, a 4x4 grid over a 64 px model frame filled by a 64 px image, so all 16 cells are valid and S = 16
     * keeps every cell once. Cells row-major.
     */
    private static SamEmbedding emb4x4(float[][] cells) {
        int c = cells[0].length;
        float[] data = new float[c * 16];
        for (int p = 0; p < 16; p++) {
            for (int k = 0; k < c; k++) {
                data[k * 16 + p] = cells[p][k];
            }
        }
        return new SamEmbedding(data, c, 4, 4, 64, 64, 64, 64, 64);
    }

    private static SamEmbedding allCells(float... v) {
        float[][] cells = new float[16][];
        for (int p = 0; p < 16; p++) {
            cells[p] = v;
        }
        return emb4x4(cells);
    }

    /** (1, 0, 0) in the border ring, (0, 1, 0) in the inner 2x2 (x, y in [1, 2]). */
    private static SamEmbedding innerOrthogonal() {
        float[][] cells = new float[16][];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                boolean inner = x >= 1 && x <= 2 && y >= 1 && y <= 2;
                cells[y * 4 + x] = inner ? new float[] {0, 1, 0} : new float[] {1, 0, 0};
            }
        }
        return emb4x4(cells);
    }

    /** (1, 0, 0) everywhere but the corner (3, 3) = (0, 1, 0). */
    private static SamEmbedding cornerOrthogonal() {
        float[][] cells = new float[16][];
        for (int p = 0; p < 16; p++) {
            cells[p] = p == 15 ? new float[] {0, 1, 0} : new float[] {1, 0, 0};
        }
        return emb4x4(cells);
    }

    /** 1 − cos between (9 − n, n, 0) and (1, 0, 0): a pooled cell with n of its 9 (clamped) cells along y. */
    private static float d(int n) {
        return (float) (1 - (9 - n) / Math.sqrt((9 - n) * (9 - n) + n * n));
    }

    /** M = 2, S = 16, q = 0.5 (k = 1 for one or two frames), warm-up 1. */
    private static StreamContextConfig config(int poolCells, int borderCells) {
        return new StreamContextConfig(true, 2, 16, 0.5, 1, poolCells, borderCells);
    }

    @Test
    void identicalFramesScoreZeroEverywhereWithPoolingAndBorder() throws Exception {
        float[][] cells = new float[16][];
        for (int p = 0; p < 16; p++) {
            cells[p] = new float[] {1 + p % 3, 2 - p % 5, 0.5f * p}; // no two neighbourhoods alike, none zero
        }
        try (StreamContextScorer scorer = StreamContextScorer.open(config(3, 1), SaliencyBackend.JAVA,
                SessionSettings.cpu(1))) {
            StreamMemory memory = scorer.newMemory(3);
            assertThat(scorer.scoreAndRemember(emb4x4(cells), memory).warmingUp()).isTrue();
            StreamContextScorer.Scored s = scorer.scoreAndRemember(emb4x4(cells), memory);
            // Both frames pool to the same vectors; each finds itself (cos 1) in the memory frame.
            assertThat(s.width()).isEqualTo(4);
            assertThat(s.height()).isEqualTo(4);
            assertThat(s.grid()).hasSize(16);
            for (float v : s.grid()) {
                assertThat(v).isCloseTo(0f, within(EPS));
            }
        }
    }

    @Test
    void theBorderTakesTheInnerScoresWhenTheInnerPartIsOrthogonalToMemory() throws Exception {
        // Memory: one frame of (1, 0, 0) everywhere (pooling a constant grid keeps it).
        // Frame B: inner 2x2 along y. Cell (x, y) pools n = mx(x)·my(y) inner cells, where mx = my = [1, 2, 2, 1]
        // (x0's clamped set {0, 0, 1} holds one inner column, x1's {0, 1, 2} two, x2's {1, 2, 3} two, x3's
        // {2, 3, 3} one). Pooled vector (9 − n, n, 0)/9; distance to memory (all (1, 0, 0)) 1 − (9 − n)/√((9−n)² + n²):
        //   raw grid n:  1 2 2 1      d(1) = 1 − 8/√65 = 0.0077221
        //                2 4 4 2      d(2) = 1 − 7/√53 = 0.0384761
        //                2 4 4 2      d(4) = 1 − 5/√41 = 0.2191312
        //                1 2 2 1
        // Border 1: every cell takes the nearest inner cell's score, all of which are d(4).
        try (StreamContextScorer scorer = StreamContextScorer.open(config(3, 1), SaliencyBackend.JAVA,
                SessionSettings.cpu(1))) {
            StreamMemory memory = scorer.newMemory(3);
            scorer.scoreAndRemember(allCells(1, 0, 0), memory);
            StreamContextScorer.Scored s = scorer.scoreAndRemember(innerOrthogonal(), memory);
            assertThat(s.memoryFrames()).isEqualTo(1);
            float d4 = d(4);
            assertThat(d4).isCloseTo(0.2191312f, within(1e-6f));
            float[] expected = new float[16];
            java.util.Arrays.fill(expected, d4);
            assertThat(s.grid()).containsExactly(expected, within(EPS));

            // The memory holds the pooled frame: column of cell (0, 0) (n = 1) is (8, 1, 0)/√65,
            // of cell (1, 1) (n = 4) (5, 4, 0)/√41. Slot 1, [C, S]: channel c of cell p at 16·(3 + c) + p.
            float[] mem = memory.filled();
            assertThat(memory.count).isEqualTo(2);
            assertThat(mem[16 * 3]).isCloseTo((float) (8 / Math.sqrt(65)), within(1e-6f));
            assertThat(mem[16 * 4]).isCloseTo((float) (1 / Math.sqrt(65)), within(1e-6f));
            assertThat(mem[16 * 3 + 5]).isCloseTo((float) (5 / Math.sqrt(41)), within(1e-6f));
            assertThat(mem[16 * 4 + 5]).isCloseTo((float) (4 / Math.sqrt(41)), within(1e-6f));
            assertThat(mem[16 * 5 + 5]).isZero();
        }
    }

    @Test
    void withoutTheBorderTheSameFrameKeepsItsPooledRawGrid() throws Exception {
        // As above with borderCells 0: the raw grid of n values 1 2 2 1 / 2 4 4 2 / 2 4 4 2 / 1 2 2 1.
        try (StreamContextScorer scorer = StreamContextScorer.open(config(3, 0), SaliencyBackend.JAVA,
                SessionSettings.cpu(1))) {
            StreamMemory memory = scorer.newMemory(3);
            scorer.scoreAndRemember(allCells(1, 0, 0), memory);
            StreamContextScorer.Scored s = scorer.scoreAndRemember(innerOrthogonal(), memory);
            float a = d(1);
            float b = d(2);
            float c = d(4);
            assertThat(a).isCloseTo(0.0077221f, within(1e-6f));
            assertThat(b).isCloseTo(0.0384761f, within(1e-6f));
            assertThat(s.grid()).containsExactly(new float[] {
                    a, b, b, a,
                    b, c, c, b,
                    b, c, c, b,
                    a, b, b, a}, within(EPS));
        }
    }

    @Test
    void aCornerAnomalyIsReplacedByTheInnerCornerAfterPooling() throws Exception {
        // Frame B: (1, 0, 0) except the corner (3, 3) along y. mx = my = [0, 0, 1, 2] (how often index 3 is in
        // x0 {0,0,1}, x1 {0,1,2}, x2 {1,2,3}, x3 {2,3,3}); n = mx·my:
        //   raw n:  0 0 0 0        after border 1 (x, y clamped to [1, 2]):  0 0 0 0
        //           0 0 0 0                                                  0 0 0 0
        //           0 0 1 2                                                  0 0 1 1
        //           0 0 2 4                                                  0 0 1 1
        // so the corner's d(4) = 0.219 becomes the inner corner's d(1) = 0.0077.
        try (StreamContextScorer scorer = StreamContextScorer.open(config(3, 1), SaliencyBackend.JAVA,
                SessionSettings.cpu(1))) {
            StreamMemory memory = scorer.newMemory(3);
            scorer.scoreAndRemember(allCells(1, 0, 0), memory);
            StreamContextScorer.Scored s = scorer.scoreAndRemember(cornerOrthogonal(), memory);
            float a = d(1);
            assertThat(s.grid()).containsExactly(new float[] {
                    0, 0, 0, 0,
                    0, 0, 0, 0,
                    0, 0, a, a,
                    0, 0, a, a}, within(EPS));
        }
    }

    @Test
    void withoutPoolingABorderOnlyAnomalyDisappears() throws Exception {
        // poolCells 1, borderCells 1: raw grid is 0 everywhere but the corner (3, 3), orthogonal: 1.
        // The corner takes (2, 2)'s 0.
        try (StreamContextScorer scorer = StreamContextScorer.open(config(1, 1), SaliencyBackend.JAVA,
                SessionSettings.cpu(1))) {
            StreamMemory memory = scorer.newMemory(3);
            scorer.scoreAndRemember(allCells(1, 0, 0), memory);
            StreamContextScorer.Scored s = scorer.scoreAndRemember(cornerOrthogonal(), memory);
            assertThat(s.grid()).containsExactly(new float[16], within(EPS));
        }
        // poolCells 1, borderCells 0: the corner stays 1.
        try (StreamContextScorer scorer = StreamContextScorer.open(config(1, 0), SaliencyBackend.JAVA,
                SessionSettings.cpu(1))) {
            StreamMemory memory = scorer.newMemory(3);
            scorer.scoreAndRemember(allCells(1, 0, 0), memory);
            float[] grid = scorer.scoreAndRemember(cornerOrthogonal(), memory).grid();
            float[] expected = new float[16];
            expected[15] = 1;
            assertThat(grid).containsExactly(expected, within(EPS));
        }
    }
}
