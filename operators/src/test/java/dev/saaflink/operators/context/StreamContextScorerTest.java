package dev.saaflink.operators.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.config.InvalidConfigException;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.saa.SaliencyBackend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stream-context scorer on hand-made embeddings whose scores are worked out by hand.
 *
 * <p>Most tests use embeddings of C = 3 channels on a 2x2 grid that covers the whole (32 px) model frame, so all
 * four cells are valid (P = 4), and a memory of S = 4 patches per frame, so {@code sample} keeps every cell once
 * (patch ⌊i·4/4⌋ = i). Cells are listed row-major: p0 = (x0, y0), p1 = (x1, y0), p2 = (x0, y1), p3 = (x1, y1).
 */
class StreamContextScorerTest {

    private static final float EPS = 1e-5f;
    /** 1 − cos 45°: the distance of (1, 1, 0) to (1, 0, 0) or to (0, 1, 0). */
    private static final float ONE_MINUS_COS45 = (float) (1 - Math.sqrt(0.5)); // 0.29289322

    /** M = 2, S = 4, q = 0.5, warm-up 1: k = round(0.5·1) = 1 for one frame, round(0.5·2) = 1 for two. */
    private static final StreamContextConfig TINY = new StreamContextConfig(true, 2, 4, 0.5, 1, 1, 0);

    // ------------------------------------------------------------------ fixtures

    /** A 2x2-grid embedding over a 4x4 image, cells given row-major as C-vectors. */
    private static SamEmbedding emb(float[]... cells) {
        int c = cells[0].length;
        float[] data = new float[c * 4];
        for (int p = 0; p < 4; p++) {
            for (int k = 0; k < c; k++) {
                data[k * 4 + p] = cells[p][k]; // channel-major [C, H, W]
            }
        }
        return new SamEmbedding(data, c, 2, 2, 4, 4, 32, 32, 32);
    }

    private static float[] v(float... xs) {
        return xs;
    }

    /** Frame 1: two cells along channel 0, two along channel 1, deliberately not unit length. */
    private static SamEmbedding frame1() {
        return emb(v(1, 0, 0), v(0, 2, 0), v(3, 0, 0), v(0, 4, 0));
    }

    /**
     * Frame 3: p0, p1 look like memory cells; p2 = (1, 1, 0) is at 45° to both memory directions; p3 = (0, 0, 5) is
     * orthogonal to everything in memory.
     */
    private static SamEmbedding frame3() {
        return emb(v(2, 0, 0), v(0, 1, 0), v(1, 1, 0), v(0, 0, 5));
    }

    private static FrameInProgress frameInProgress(SamEmbedding emb) {
        DecodedFrame f = new DecodedFrame();
        f.cameraId = "cam-1";
        f.frameId = "f";
        f.category = "mtd";
        f.image = new RgbImage(emb.imageWidth, emb.imageHeight, new byte[emb.imageWidth * emb.imageHeight * 3]);
        FrameInProgress p = new FrameInProgress(f, InspectionConfigLoader.loadDefault().resolve("mtd"), 1L);
        p.embedding = emb;
        return p;
    }

    // ------------------------------------------------------------------ sample

    @Test
    void sampleTakesEvenlySpacedPatchesAsUnitColumns() {
        // P = 5, C = 2, S = 3: patches ⌊0·5/3⌋ = 0, ⌊5/3⌋ = 1, ⌊10/3⌋ = 3.
        float[] query = {
                3, 4,   // p0: |.| = 5  -> (0.6, 0.8)
                0, 2,   // p1: |.| = 2  -> (0, 1)
                9, 9,   // p2: skipped
                0, -7,  // p3: |.| = 7  -> (0, -1)
                1, 1};  // p4: skipped
        float[] cs = StreamContextScorer.sample(query, 5, 2, 3);
        // [C, S]: channel 0 of the three columns, then channel 1.
        assertThat(cs).containsExactly(new float[] {0.6f, 0, 0, 0.8f, 1, -1}, within(1e-6f));
        for (int s = 0; s < 3; s++) {
            assertThat(cs[s] * cs[s] + cs[3 + s] * cs[3 + s]).as("column %d is unit", s).isCloseTo(1f, within(1e-6f));
        }
        assertThat(query).as("the query is not modified").startsWith(3, 4, 0, 2);
    }

    @Test
    void samplePicksPatchesRepeatedlyWhenThereAreFewerThanS() {
        // P = 2, S = 4: patches ⌊i·2/4⌋ = 0, 0, 1, 1.
        float[] query = {3, 4, -2, 0}; // p0 -> (0.6, 0.8), p1 -> (-1, 0)
        float[] cs = StreamContextScorer.sample(query, 2, 2, 4);
        assertThat(cs).containsExactly(new float[] {0.6f, 0.6f, -1, -1, 0.8f, 0.8f, 0, 0}, within(1e-6f));
    }

    @Test
    void sampleLeavesAZeroPatchZero() {
        float[] cs = StreamContextScorer.sample(new float[] {0, 0, 0, 5}, 2, 2, 2);
        assertThat(cs).containsExactly(0, 0, 0, 1);
    }

    // ------------------------------------------------------------------ positionMajor

    @Test
    void positionMajorReadsTheValidCellsOnly() {
        // C = 2, grid 4x4 over a 64 px model frame (16 px cells); the resized image is 40x24 px, so
        // validW = ceil(40·4/64) = ceil(2.5) = 3 and validH = ceil(24·4/64) = ceil(1.5) = 2.
        // data[k·16 + y·4 + x] = 100k + 10y + x.
        float[] data = new float[2 * 4 * 4];
        for (int k = 0; k < 2; k++) {
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    data[k * 16 + y * 4 + x] = 100 * k + 10 * y + x;
                }
            }
        }
        SamEmbedding emb = new SamEmbedding(data, 2, 4, 4, 40, 24, 64, 40, 24);
        assertThat(emb.validGridW()).isEqualTo(3);
        assertThat(emb.validGridH()).isEqualTo(2);

        float[] pc = StreamContextScorer.positionMajor(emb, 3, 2);
        // [6, 2]: positions (x, y) row-major over the 3x2 valid cells, each (channel 0, channel 1).
        assertThat(pc).containsExactly(
                0, 100,   // (0, 0)
                1, 101,   // (1, 0)
                2, 102,   // (2, 0)
                10, 110,  // (0, 1)
                11, 111,  // (1, 1)
                12, 112); // (2, 1)
    }

    // ------------------------------------------------------------------ scoreAndRemember

    @ParameterizedTest
    @EnumSource(SaliencyBackend.class)
    void warmUpThenIdenticalThenNovelCells(SaliencyBackend backend) throws Exception {
        try (StreamContextScorer scorer = StreamContextScorer.open(TINY, backend, SessionSettings.cpu(1))) {
            StreamMemory memory = scorer.newMemory(3);
            assertThat(memory.capacity).isEqualTo(2);
            assertThat(memory.perFrame).isEqualTo(4);

            // Frame 1: memory empty (0 < warm-up 1): scored against its own patches (poolCells 1: every other cell
            // is a candidate), then remembered. p0 (x) matches p2 (x), p1 (y) matches p3 (y) and back: cos 1, all 0.
            StreamContextScorer.Scored first = scorer.scoreAndRemember(frame1(), memory);
            assertThat(first.warmingUp()).isTrue();
            assertThat(first.grid()).containsExactly(new float[] {0, 0, 0, 0}, within(EPS));
            assertThat(first.memoryFrames()).isZero();
            assertThat(first.width()).isEqualTo(2);
            assertThat(first.height()).isEqualTo(2);
            assertThat(memory.count).isEqualTo(1);
            // Slot 0 = frame 1's unit columns, [C, S]: p0, p2 along channel 0, p1, p3 along channel 1.
            assertThat(memory.filled()).containsExactly(new float[] {
                    1, 0, 1, 0,
                    0, 1, 0, 1,
                    0, 0, 0, 0}, within(1e-6f));

            // Frame 2 = frame 1: every cell has an exact match (cos 1) in the one memory frame; k = 1: all 0.
            StreamContextScorer.Scored second = scorer.scoreAndRemember(frame1(), memory);
            assertThat(second.warmingUp()).isFalse();
            assertThat(second.memoryFrames()).isEqualTo(1);
            assertThat(second.grid()).containsExactly(new float[] {0, 0, 0, 0}, within(EPS));
            assertThat(memory.count).isEqualTo(2);

            // Frame 3 against two equal memory frames, k = round(0.5·2) = 1:
            //  p0 (2,0,0) and p1 (0,1,0) match exactly: 0;
            //  p2 (1,1,0)/√2 has cos 1/√2 to its nearest memory patch: 1 − 1/√2 = 0.29289 in both frames;
            //  p3 (0,0,5) is orthogonal to every memory patch: best cos 0, distance 1 in both frames.
            StreamContextScorer.Scored third = scorer.scoreAndRemember(frame3(), memory);
            assertThat(third.warmingUp()).isFalse();
            assertThat(third.memoryFrames()).isEqualTo(2);
            assertThat(third.grid()).containsExactly(new float[] {0, 0, ONE_MINUS_COS45, 1}, within(EPS));
            assertThat(memory.count).isEqualTo(2);
            assertThat(memory.added).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @EnumSource(SaliencyBackend.class)
    void theScoreAveragesTheKSmallestPerFrameDistancesAfterTheWarmUp(SaliencyBackend backend) throws Exception {
        // M = 2, q = 1 (k = m), warm-up 2.
        StreamContextConfig config = new StreamContextConfig(true, 2, 4, 1.0, 2, 1, 0);
        try (StreamContextScorer scorer = StreamContextScorer.open(config, backend, SessionSettings.cpu(1))) {
            StreamMemory memory = scorer.newMemory(3);
            SamEmbedding allX = emb(v(1, 0, 0), v(1, 0, 0), v(1, 0, 0), v(1, 0, 0));
            SamEmbedding allY = emb(v(0, 1, 0), v(0, 1, 0), v(0, 1, 0), v(0, 1, 0));
            assertThat(scorer.scoreAndRemember(allX, memory).warmingUp()).as("0 frames < 2").isTrue();
            assertThat(scorer.scoreAndRemember(allY, memory).warmingUp()).as("1 frame < 2").isTrue();

            // k = round(1·2) = 2: mean of the distances to frame X and frame Y.
            //  p0 (1,0,0): X 0, Y 1 -> 0.5;   p1 (0,1,0): X 1, Y 0 -> 0.5;
            //  p2 (1,1,0): 1 − 1/√2 to both -> 0.29289;   p3 (0,0,1): 1 and 1 -> 1.
            StreamContextScorer.Scored s = scorer.scoreAndRemember(
                    emb(v(1, 0, 0), v(0, 1, 0), v(1, 1, 0), v(0, 0, 1)), memory);
            assertThat(s.memoryFrames()).isEqualTo(2);
            assertThat(s.grid()).containsExactly(new float[] {0.5f, 0.5f, ONE_MINUS_COS45, 1}, within(EPS));
        }
    }

    @Test
    void theOldestFrameIsEvictedWhenTheMemoryIsFull() throws Exception {
        try (StreamContextScorer scorer = StreamContextScorer.open(TINY, SaliencyBackend.JAVA, SessionSettings.cpu(1))) {
            StreamMemory memory = scorer.newMemory(3);
            SamEmbedding frame2 = emb(v(0, 0, 1), v(0, 0, 1), v(0, 0, 1), v(0, 0, 1));
            scorer.scoreAndRemember(frame1(), memory);
            assertThat(memory.next).isEqualTo(1);
            scorer.scoreAndRemember(frame2, memory);
            assertThat(memory.count).isEqualTo(2);
            assertThat(memory.next).as("wrapped").isZero();
            scorer.scoreAndRemember(frame3(), memory);

            assertThat(memory.count).isEqualTo(2);
            assertThat(memory.next).isEqualTo(1);
            assertThat(memory.added).isEqualTo(3);
            float h = (float) Math.sqrt(0.5);
            // Full: filled() is the whole array. Slot 0 = frame 3 (p0 (1,0,0), p1 (0,1,0), p2 (h,h,0), p3 (0,0,1)),
            // slot 1 = frame 2 (all (0,0,1)).
            assertThat(memory.filled()).isSameAs(memory.data);
            assertThat(memory.data).containsExactly(new float[] {
                    1, 0, h, 0,
                    0, 1, h, 0,
                    0, 0, 0, 1,
                    0, 0, 0, 0,
                    0, 0, 0, 0,
                    1, 1, 1, 1}, within(1e-6f));
        }
    }

    // ------------------------------------------------------------------ apply

    @Test
    void applyScoresAfterTheWarmUpAndMapsTheGridToTheImage() throws Exception {
        try (StreamContextScorer scorer = StreamContextScorer.open(TINY, SaliencyBackend.JAVA, SessionSettings.cpu(1))) {
            FrameInProgress p1 = frameInProgress(frame1());
            StreamMemory memory = scorer.apply(p1, null);
            assertThat(memory).as("a new memory for a key without one").isNotNull();
            assertThat(memory.count).isEqualTo(1);
            assertThat(memory.fits(2, 3, 4)).isTrue();
            // Warming up: frame 1 is scored against itself (every cell has an exact match elsewhere in the frame,
            // see warmUpThenIdenticalThenNovelCells), so its map is 0 everywhere, and the stage time is recorded.
            assertThat(p1.saliency).as("warming up: self-scored").hasSize(4 * 4);
            for (float v : p1.saliency) {
                assertThat(v).isCloseTo(0f, within(EPS));
            }
            assertThat(p1.stageMs).containsKey(StreamContextScorer.STAGE);
            assertThat(p1.stageMs.get(StreamContextScorer.STAGE)).isGreaterThanOrEqualTo(0.0);

            FrameInProgress p2 = frameInProgress(frame3());
            assertThat(scorer.apply(p2, memory)).isSameAs(memory);
            assertThat(memory.count).isEqualTo(2);
            assertThat(p2.stageMs).containsKey(StreamContextScorer.STAGE);
            assertThat(p2.stageMs.get(StreamContextScorer.STAGE)).isGreaterThanOrEqualTo(0.0);
            // Grid (k = 1 against frame 1) = [[0, 0], [0.29289, 1]]. 4 px image, 16 px cells in a 32 px frame:
            // pixel x sits at cell coordinate (x + 0.5)·(32/4)/16 − 0.5 = −0.25, 0.25, 0.75, 1.25 -> clamped to
            // 0, 0.25, 0.75, 1; the same for y.
            float[] s = p2.saliency;
            assertThat(s).hasSize(4 * 4);
            float a = ONE_MINUS_COS45;
            float b = 1 - a; // 0.70711
            // Rows 0 (cy 0) is the top grid row (all 0).
            assertThat(new float[] {s[0], s[1], s[2], s[3]}).containsExactly(new float[] {0, 0, 0, 0}, within(EPS));
            // Row 3 (cy 1) is the bottom grid row: a, a + 0.25b, a + 0.75b, 1.
            assertThat(new float[] {s[12], s[13], s[14], s[15]})
                    .containsExactly(new float[] {a, a + 0.25f * b, a + 0.75f * b, 1}, within(EPS));
            // Row 1 (cy 0.25) is a quarter of row 3; row 2 (cy 0.75) three quarters.
            assertThat(s[4]).isCloseTo(0.25f * a, within(EPS));
            assertThat(s[7]).isCloseTo(0.25f, within(EPS));
            assertThat(s[11]).isCloseTo(0.75f, within(EPS));
        }
    }

    @Test
    void applyReplacesAMemoryMadeForOtherDimensions() throws Exception {
        try (StreamContextScorer scorer = StreamContextScorer.open(TINY, SaliencyBackend.JAVA, SessionSettings.cpu(1))) {
            // Capacity 3 instead of 2 (a config change after a restore), holding one frame.
            StreamMemory other = new StreamMemory(3, 3, 4);
            other.add(new float[12]);
            assertThat(other.fits(2, 3, 4)).isFalse();
            FrameInProgress p = frameInProgress(frame1());
            StreamMemory m = scorer.apply(p, other);
            assertThat(m).isNotSameAs(other);
            assertThat(m.fits(2, 3, 4)).isTrue();
            assertThat(m.count).isEqualTo(1);
            // The new memory was empty: warming up, so frame 1 is scored against itself (all 0, see above) instead
            // of against the zero frame held by the old memory.
            assertThat(p.saliency).as("the new memory was empty: warming up").hasSize(4 * 4);
            for (float v : p.saliency) {
                assertThat(v).isCloseTo(0f, within(EPS));
            }
            assertThat(p.stageMs).containsKey(StreamContextScorer.STAGE);
            assertThat(other.count).as("the old one is left alone").isEqualTo(1);

            // Another channel count (C = 5 instead of 3) and another patch count (S = 8) also make a new memory.
            StreamMemory channels = new StreamMemory(2, 5, 4);
            assertThat(scorer.apply(frameInProgress(frame1()), channels)).isNotSameAs(channels);
            StreamMemory patches = new StreamMemory(2, 3, 8);
            assertThat(scorer.apply(frameInProgress(frame1()), patches)).isNotSameAs(patches);
        }
    }

    // ------------------------------------------------------------------ StreamContextConfig

    @Test
    void distancesAveragedIsRoundQTimesMClampedToOneAndM() {
        StreamContextConfig q03 = new StreamContextConfig(true, 16, 8, 0.3, 1, 1, 0);
        assertThat(q03.distancesAveraged(1)).as("round(0.3) = 0 -> at least 1").isEqualTo(1);
        assertThat(q03.distancesAveraged(2)).as("round(0.6)").isEqualTo(1);
        assertThat(q03.distancesAveraged(5)).as("round(1.5) rounds half up").isEqualTo(2);
        assertThat(q03.distancesAveraged(16)).as("round(4.8)").isEqualTo(5);
        StreamContextConfig q1 = new StreamContextConfig(true, 16, 8, 1.0, 1, 1, 0);
        for (int m = 1; m <= 16; m++) {
            assertThat(q1.distancesAveraged(m)).isEqualTo(m);
        }
    }

    @Test
    void defaultsAndOff() {
        StreamContextConfig d = StreamContextConfig.defaults();
        assertThat(d.isEnabled()).isTrue();
        assertThat(d.getMemoryFrames()).isEqualTo(48);
        assertThat(d.getPatchesPerFrame()).isEqualTo(341);
        assertThat(d.getLowestFraction()).isEqualTo(0.3);
        assertThat(d.getWarmupFrames()).isEqualTo(1);
        assertThat(StreamContextConfig.off().isEnabled()).isFalse();
    }

    @Test
    void validationNamesTheField() {
        assertThatThrownBy(() -> new StreamContextConfig(true, 0, 8, 0.3, 1, 1, 0))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("streamContext.memoryFrames: must be in [1, 256], got 0");
        assertThatThrownBy(() -> new StreamContextConfig(true, 257, 8, 0.3, 1, 1, 0))
                .hasMessageStartingWith("streamContext.memoryFrames:");
        assertThatThrownBy(() -> new StreamContextConfig(true, 4, 0, 0.3, 1, 1, 0))
                .hasMessageStartingWith("streamContext.patchesPerFrame:");
        assertThatThrownBy(() -> new StreamContextConfig(true, 4, 8, 0, 1, 1, 0))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("streamContext.lowestFraction: must be in (0, 1], got 0.0");
        assertThatThrownBy(() -> new StreamContextConfig(true, 4, 8, 1.5, 1, 1, 0))
                .hasMessage("streamContext.lowestFraction: must be in (0, 1], got 1.5");
        assertThatThrownBy(() -> new StreamContextConfig(true, 4, 8, Double.NaN, 1, 1, 0))
                .hasMessageStartingWith("streamContext.lowestFraction:");
        assertThatThrownBy(() -> new StreamContextConfig(true, 4, 8, 0.3, 5, 1, 0))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("streamContext.warmupFrames: must be in [1, memoryFrames = 4], got 5");
        assertThatThrownBy(() -> new StreamContextConfig(true, 4, 8, 0.3, 0, 1, 0))
                .hasMessageStartingWith("streamContext.warmupFrames:");
        // The edges are allowed.
        new StreamContextConfig(true, 256, 16384, 1.0, 256, 1, 0);
        new StreamContextConfig(true, 1, 1, Double.MIN_VALUE, 1, 1, 0);
    }
}
