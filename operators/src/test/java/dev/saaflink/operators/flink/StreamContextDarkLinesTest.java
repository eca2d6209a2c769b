package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.operators.config.DarkLinesConfig;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.FrameRegions;

import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dark-line channel in the keyed stream-context operator: its reference is the camera's own history, kept in the
 * ring state (so it survives a snapshot and restore), and its map travels with the frame to fusion. 20 x 20 grey
 * frames; a dark column (40 on 100) is a crack-like mark (top-hat 58 under a 3 x 3 closing of the encoded luma, 110
 * on 168); the embeddings are all the same.
 */
class StreamContextDarkLinesTest {

    /** size 3, the 0.9 quantile, a window of 3 frames, no band, no smoothing, weight 1. */
    private static final DarkLinesConfig LINES = new DarkLinesConfig(true, 3, 0.9, 3, 0, 0, 1, 100);
    private static final StreamContextConfig CONTEXT = new StreamContextConfig(true, 4, 4, 0.25, 1, 1, 0)
            .withDarkLines(LINES);

    private final StreamContextHarness harness = new StreamContextHarness(CONTEXT);

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    /** 20 x 20 of grey 100; {@code lines} dark columns (value 40) at x = 2, 4, 6, … */
    private static RgbImage frame(int lines) {
        byte[] rgb = new byte[20 * 20 * 3];
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 20; x++) {
                boolean dark = x % 2 == 0 && x >= 2 && x < 2 + 2 * lines;
                for (int c = 0; c < 3; c++) {
                    rgb[(y * 20 + x) * 3 + c] = (byte) (dark ? 40 : 100);
                }
            }
        }
        return new RgbImage(20, 20, rgb);
    }

    private static SamEmbedding embedding() {
        float[] data = new float[3 * 4];
        for (int p = 0; p < 4; p++) {
            data[p] = 1;
        }
        return new SamEmbedding(data, 3, 2, 2, 20, 20, 32, 32, 32);
    }

    private FrameInProgress send(KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> h,
                                 String id, int lines) throws Exception {
        return harness.process(h, id, frame(lines), embedding());
    }

    @Test
    void aMarkScoresAgainstWhatTheCamerasRecentFramesShow() throws Exception {
        var h = harness.start();
        // Clean frames: their 0.9 quantile is 0, so the reference is 1 and they mark nothing.
        assertThat(send(h, "clean-1", 0).darkLines.size()).isZero();
        assertThat(send(h, "clean-2", 0).darkLines.size()).isZero();
        // One crack on a camera whose frames are clean: (58 - 1) / 1 = 57 on its 20 pixels.
        FrameInProgress crack = send(h, "crack", 1);
        assertThat(crack.darkLines.size()).isEqualTo(20);
        assertThat(crack.darkLines.value[0]).isEqualTo(57f);
        assertThat(FrameRegions.of(crack).darkLines).as("travels to fusion").isSameAs(crack.darkLines);
        // A camera whose frames all carry 3 such lines (3 x 20 of 400 pixels = 15 %: their 0.9 quantile is 58):
        // after its window of 3 frames the reference is 58 and the same lines mark nothing.
        send(h, "lined-1", 3);
        send(h, "lined-2", 3);
        send(h, "lined-3", 3);
        assertThat(harness.ring(h).darkLineHistory).containsExactly(58f, 58f, 58f);
        assertThat(send(h, "lined-4", 3).darkLines.size()).isZero();
    }

    @Test
    void theHistorySurvivesASnapshotAndRestore() throws Exception {
        var h = harness.start();
        send(h, "lined-1", 3);
        send(h, "lined-2", 3);
        var r = harness.restored(h.snapshot(1L, 1L));
        assertThat(harness.ring(r).darkLineHistory).containsExactly(58f, 58f);
        // After the restore the camera's reference is still 58: its usual lines mark nothing, as before it.
        assertThat(send(r, "lined-3", 3).darkLines.size()).isZero();
        assertThat(send(h, "lined-3", 3).darkLines.size()).isZero();
    }

    @Test
    void offMeansNoChannelAndNoHistory() throws Exception {
        try (StreamContextHarness off = new StreamContextHarness(CONTEXT.withDarkLines(DarkLinesConfig.off()))) {
            var h = off.start();
            FrameInProgress p = off.process(h, "crack", frame(1), embedding());
            assertThat(p.darkLines).isNull();
            assertThat(off.ring(h).darkLineHistory).isNull();
        }
    }
}
