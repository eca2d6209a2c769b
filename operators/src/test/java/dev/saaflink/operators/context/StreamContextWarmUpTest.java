package dev.saaflink.operators.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.saa.SaliencyBackend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A warm-up frame (the memory holds fewer than {@code warmupFrames} frames) is scored against its own sampled
 * patches ({@link StreamContextScorer#selfScores}): per cell, 1 − the cosine to the nearest sampled patch whose
 * position is at least {@code poolCells} cells away in x or in y (a patch closer in both is skipped); a cell with no
 * such patch scores 0. Values worked out by hand.
 */
class StreamContextWarmUpTest {

    private static final float EPS = 1e-5f;
    /** 1 − cos 45°. */
    private static final float A = (float) (1 - Math.sqrt(0.5)); // 0.29289322

    /** The [C, S] columns {@code sample} keeps, for a position-major query. */
    private static float[] selfScores(float[] query, int w, int h, int channels, int perFrame, int poolCells) {
        float[] sampled = StreamContextScorer.sample(query, w * h, channels, perFrame);
        return StreamContextScorer.selfScores(query, w, h, channels, sampled, perFrame, poolCells);
    }

    // ------------------------------------------------------------------ selfScores

    @Test
    void poolCells1SkipsOnlyTheCellItself() {
        // w = 3, h = 1, C = 2, S = 3 (every position sampled once): (1,0), (1,0), (0,1).
        //  cell 0: cell 1 (cos 1), cell 2 (cos 0) -> 1 − 1 = 0;  cell 1: cell 0 (cos 1) -> 0;
        //  cell 2: cells 0 and 1 (cos 0) -> 1.
        float[] query = {1, 0, 1, 0, 0, 1};
        assertThat(selfScores(query, 3, 1, 2, 3, 1)).containsExactly(new float[] {0, 0, 1}, within(EPS));
        assertThat(query).as("the query is not modified").containsExactly(1, 0, 1, 0, 0, 1);
    }

    @Test
    void largerPoolCellsAlsoSkipTheNeighboursInsideTheWindow() {
        float[] query = {1, 0, 1, 0, 0, 1};
        // poolCells 2: |dx| < 2 is skipped as well (dy is always 0 here).
        //  cell 0 can only use cell 2 (cos 0) -> 1;  cell 1 has no candidate (both at |dx| = 1) -> 0;
        //  cell 2 can only use cell 0 (cos 0) -> 1.
        assertThat(selfScores(query, 3, 1, 2, 3, 2)).containsExactly(new float[] {1, 0, 1}, within(EPS));
        // poolCells 3: every cell is within 2 of every other: no candidates anywhere -> all 0.
        assertThat(selfScores(query, 3, 1, 2, 3, 3)).containsExactly(new float[] {0, 0, 0}, within(EPS));
    }

    @Test
    void aPatchFarEnoughInOneDirectionIsACandidate() {
        // The same three vectors stacked vertically (w = 1, h = 3): dx is 0 for every pair, yet cell 0 and cell 2
        // are |dy| = 2 apart, so with poolCells 2 each is the other's candidate (a patch is skipped only when it is
        // close in both directions): 1, 0 (no candidate), 1.
        float[] query = {1, 0, 1, 0, 0, 1};
        assertThat(selfScores(query, 1, 3, 2, 3, 2)).containsExactly(new float[] {1, 0, 1}, within(EPS));
        assertThat(selfScores(query, 1, 3, 2, 3, 1)).containsExactly(new float[] {0, 0, 1}, within(EPS));
    }

    @Test
    void onA3x3GridTheCentreHasNoCandidateWithPoolCells2() {
        // C = 3, 3x3 grid: every cell (1,0,0) except the centre (1,1) = (0,1,0) and the corner (2,2) = (0,0,1).
        float[] query = new float[9 * 3];
        for (int p = 0; p < 9; p++) {
            query[p * 3] = 1;
        }
        query[4 * 3] = 0;
        query[4 * 3 + 1] = 1;
        query[8 * 3] = 0;
        query[8 * 3 + 2] = 1;
        // poolCells 1: the centre and the corner find nothing along their channel among the others -> 1; every other
        // cell has another (1,0,0) -> 0.
        assertThat(selfScores(query, 3, 3, 3, 9, 1)).containsExactly(new float[] {
                0, 0, 0,
                0, 1, 0,
                0, 0, 1}, within(EPS));
        // poolCells 2: a candidate must be 2 cells away in x or in y. The centre has none -> 0. The corner (2,2)
        // may use column x = 0 and row y = 0, all (1,0,0) -> 1. Each other cell has a (1,0,0) candidate in the
        // opposite row or column (e.g. (1,2) uses row 0, (0,0) uses (2,0)) -> 0.
        assertThat(selfScores(query, 3, 3, 3, 9, 2)).containsExactly(new float[] {
                0, 0, 0,
                0, 0, 0,
                0, 0, 1}, within(EPS));
    }

    @Test
    void unsampledCellsAreScoredAgainstTheSampledOnesAndTheQueryNeedNotBeUnit() {
        // w = 5, h = 1, C = 2, S = 3: sampled positions ⌊0·5/3⌋ = 0, ⌊5/3⌋ = 1, ⌊10/3⌋ = 3, as unit columns
        // s0 = (0.6, 0.8), s1 = (0, 1), s3 = (0, −1). poolCells 1.
        float[] query = {
                3, 4,   // p0: unit (0.6, 0.8); candidates s1 (cos 0.8), s3 (−0.8)         -> 1 − 0.8 = 0.2
                0, 2,   // p1: unit (0, 1);     candidates s0 (0.8), s3 (−1)               -> 0.2
                5, 0,   // p2: unit (1, 0);     not sampled: s0 (0.6), s1 (0), s3 (0)      -> 0.4
                0, -7,  // p3: unit (0, −1);    candidates s0 (−0.8), s1 (−1)              -> 1 + 0.8 = 1.8
                1, 1};  // p4: unit (1, 1)/√2;  s0 (1.4/√2), s1 (1/√2), s3 (−1/√2)        -> 1 − 1.4/√2
        assertThat(selfScores(query, 5, 1, 2, 3, 1)).containsExactly(new float[] {
                0.2f, 0.2f, 0.4f, 1.8f, (float) (1 - 1.4 / Math.sqrt(2))}, within(EPS));
    }

    // ------------------------------------------------------------------ scoreAndRemember while warming up

    /** A 2x2-grid embedding over a 4x4 image, cells given row-major as C-vectors (as in StreamContextScorerTest). */
    private static SamEmbedding emb2x2(float[]... cells) {
        int c = cells[0].length;
        float[] data = new float[c * 4];
        for (int p = 0; p < 4; p++) {
            for (int k = 0; k < c; k++) {
                data[k * 4 + p] = cells[p][k];
            }
        }
        return new SamEmbedding(data, c, 2, 2, 4, 4, 32, 32, 32);
    }

    /**
     * p0 (2,0,0), p1 (0,1,0), p2 (1,1,0), p3 (0,0,5). Self scores with poolCells 1 (every other cell a candidate):
     * p0: p2 at cos 1/√2 is its nearest -> A; p1: likewise -> A; p2: p0 and p1 at 1/√2 -> A; p3: orthogonal to all
     * -> 1.
     */
    private static SamEmbedding novel() {
        return emb2x2(new float[] {2, 0, 0}, new float[] {0, 1, 0}, new float[] {1, 1, 0}, new float[] {0, 0, 5});
    }

    @ParameterizedTest
    @EnumSource(SaliencyBackend.class)
    void aWarmUpFrameIsScoredOnTheMemoryScale(SaliencyBackend backend) throws Exception {
        // M = 2, S = 4, q = 0.5, warm-up 1, poolCells 1, no border.
        StreamContextConfig config = new StreamContextConfig(true, 2, 4, 0.5, 1, 1, 0);
        try (StreamContextScorer scorer = StreamContextScorer.open(config, backend, SessionSettings.cpu(1))) {
            StreamMemory memory = scorer.newMemory(3);
            StreamContextScorer.Scored first = scorer.scoreAndRemember(novel(), memory);
            assertThat(first.warmingUp()).isTrue();
            assertThat(first.memoryFrames()).isZero();
            assertThat(first.grid()).containsExactly(new float[] {A, A, A, 1}, within(EPS));
            // The very values selfScores gives for the frame's query and its sampled patches.
            float[] query = StreamContextScorer.positionMajor(novel(), 2, 2);
            assertThat(first.grid()).containsExactly(selfScores(query, 2, 2, 3, 4, 1), within(EPS));
            assertThat(memory.count).as("remembered").isEqualTo(1);

            // The same frame again, now against the memory (1 − cos to the nearest memory patch, the same measure
            // as the self scores): every cell has an exact match -> 0.
            StreamContextScorer.Scored second = scorer.scoreAndRemember(novel(), memory);
            assertThat(second.warmingUp()).isFalse();
            assertThat(second.memoryFrames()).isEqualTo(1);
            assertThat(second.grid()).containsExactly(new float[] {0, 0, 0, 0}, within(EPS));
            assertThat(memory.count).isEqualTo(2);
        }
    }

    @Test
    void aFrameIsScoredAgainstItselfUntilTheMemoryHoldsWarmupFrames() throws Exception {
        // Warm-up 2: the second frame is still a warm-up frame, scored against itself, not against frame 1.
        StreamContextConfig config = new StreamContextConfig(true, 2, 4, 1.0, 2, 1, 0);
        try (StreamContextScorer scorer = StreamContextScorer.open(config, SaliencyBackend.JAVA,
                SessionSettings.cpu(1))) {
            StreamMemory memory = scorer.newMemory(3);
            float[] x = {1, 0, 0};
            float[] y = {0, 1, 0};
            assertThat(scorer.scoreAndRemember(emb2x2(x, x, x, x), memory).warmingUp()).isTrue();
            // All (0,1,0): against frame 1 every cell would score 1; against itself every cell matches exactly -> 0.
            StreamContextScorer.Scored second = scorer.scoreAndRemember(emb2x2(y, y, y, y), memory);
            assertThat(second.warmingUp()).as("1 frame < 2").isTrue();
            assertThat(second.memoryFrames()).isEqualTo(1);
            assertThat(second.grid()).containsExactly(new float[] {0, 0, 0, 0}, within(EPS));
            assertThat(memory.count).isEqualTo(2);
            // Now against the memory, k = 2: (1,0,0) is 0 from frame 1 and 1 from frame 2 -> 0.5.
            StreamContextScorer.Scored third = scorer.scoreAndRemember(emb2x2(x, x, x, x), memory);
            assertThat(third.warmingUp()).isFalse();
            assertThat(third.grid()).containsExactly(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, within(EPS));
        }
    }

    @Test
    void theWarmUpGridGetsTheBorderReplacementToo() throws Exception {
        // 3x3 grid (C = 2) over a 6x6 image in a 48 px model frame, all cells valid; S = 9: every cell sampled once.
        // Every cell (1,0) except the centre (1,1): with poolCells 1 the centre's nearest other is at 45° -> A, all
        // other cells have an exact match -> 0. borderCells 1: the eight edge cells take the centre's score, so the
        // whole grid is A.
        float[] data = new float[2 * 9];
        for (int p = 0; p < 9; p++) {
            data[p] = 1; // channel 0
        }
        data[9 + 4] = 1; // channel 1 of the centre
        SamEmbedding emb = new SamEmbedding(data, 2, 3, 3, 6, 6, 48, 48, 48);
        StreamContextConfig config = new StreamContextConfig(true, 2, 9, 0.5, 1, 1, 1);
        try (StreamContextScorer scorer = StreamContextScorer.open(config, SaliencyBackend.JAVA,
                SessionSettings.cpu(1))) {
            StreamContextScorer.Scored s = scorer.scoreAndRemember(emb, scorer.newMemory(2));
            assertThat(s.warmingUp()).isTrue();
            assertThat(s.width()).isEqualTo(3);
            assertThat(s.height()).isEqualTo(3);
            assertThat(s.grid()).containsExactly(new float[] {A, A, A, A, A, A, A, A, A}, within(EPS));
        }
        // Without the border the raw self scores show.
        StreamContextConfig noBorder = new StreamContextConfig(true, 2, 9, 0.5, 1, 1, 0);
        try (StreamContextScorer scorer = StreamContextScorer.open(noBorder, SaliencyBackend.JAVA,
                SessionSettings.cpu(1))) {
            assertThat(scorer.scoreAndRemember(emb, scorer.newMemory(2)).grid()).containsExactly(new float[] {
                    0, 0, 0,
                    0, A, 0,
                    0, 0, 0}, within(EPS));
        }
    }

    @Test
    void applyPutsTheWarmUpMapIntoTheFrameAndRecordsTheStageTime() throws Exception {
        StreamContextConfig config = new StreamContextConfig(true, 2, 4, 0.5, 1, 1, 0);
        try (StreamContextScorer scorer = StreamContextScorer.open(config, SaliencyBackend.JAVA,
                SessionSettings.cpu(1))) {
            DecodedFrame f = new DecodedFrame();
            f.cameraId = "cam-1";
            f.frameId = "f";
            f.category = "mtd";
            f.image = new RgbImage(4, 4, new byte[4 * 4 * 3]);
            FrameInProgress p = new FrameInProgress(f, InspectionConfigLoader.loadDefault().resolve("mtd"), 1L);
            p.embedding = novel();
            StreamMemory m = scorer.apply(p, null);
            assertThat(m.count).isEqualTo(1);
            assertThat(p.stageMs).containsKey(StreamContextScorer.STAGE);
            // Grid [[A, A], [A, 1]]; pixel centres at cell coordinates 0, 0.25, 0.75, 1 in x and y (see
            // StreamContextScorerTest), so the bilinear map is A + (1 − A)·cx·cy.
            float[] s = p.saliency;
            assertThat(s).hasSize(16);
            float b = 1 - A;
            assertThat(s[0]).isCloseTo(A, within(EPS));
            assertThat(s[3]).isCloseTo(A, within(EPS));
            assertThat(s[12]).isCloseTo(A, within(EPS));
            assertThat(s[15]).isCloseTo(1f, within(EPS));
            assertThat(s[5]).as("cx = cy = 0.25").isCloseTo(A + b / 16, within(EPS));
            assertThat(s[10]).as("cx = cy = 0.75").isCloseTo(A + b * 9 / 16, within(EPS));
        }
    }
}
