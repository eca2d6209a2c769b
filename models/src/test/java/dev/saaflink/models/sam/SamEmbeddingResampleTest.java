package dev.saaflink.models.sam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** {@link SamEmbedding#resampledTo}: what feeds SAM's 64 x 64 decoder from a smaller encoder input. */
class SamEmbeddingResampleTest {

    @Test
    void doublesTheGridBilinearlyWithCellCentresLikeAlignCornersFalse() {
        // One channel, 2 x 2: [[0, 4], [8, 12]] -> 4 x 4. Output cell centres sit at -0.25, 0.25, 0.75, 1.25 input
        // cells: clamped to 0 at the edges, a quarter of the way in between.
        SamEmbedding e = new SamEmbedding(new float[] {0, 4, 8, 12}, 1, 2, 2, 100, 50, 32, 32, 16);
        SamEmbedding r = e.resampledTo(4);
        assertThat(r.gridW).isEqualTo(4);
        assertThat(r.gridH).isEqualTo(4);
        float[] row0 = {0, 1, 3, 4};
        for (int x = 0; x < 4; x++) {
            assertThat(r.data[x]).isCloseTo(row0[x], within(1e-6f));
            assertThat(r.data[12 + x]).isCloseTo(row0[x] + 8, within(1e-6f)); // last row: clamped to input row 1
        }
        assertThat(r.data[4 + 1]).isCloseTo(1 + 2, within(1e-6f)); // row 1 (0.25 of the way): + 0.25 * 8
    }

    @Test
    void theFrameGrowsWithTheGridAndTheImageIsResizedForIt() {
        // 512 px frame, 32 cells; a 300 x 200 image was resized to 512 x 341. On SAM's 1024 frame: 1024 x 683.
        SamEmbedding e = new SamEmbedding(new float[2 * 32 * 32], 2, 32, 32, 300, 200, 512, 512, 341);
        SamEmbedding r = e.resampledTo(64);
        assertThat(r.modelSize).isEqualTo(1024);
        assertThat(r.resizedWidth).isEqualTo(1024);
        assertThat(r.resizedHeight).isEqualTo(683);
        assertThat(r.channels).isEqualTo(2);
        assertThat(r.data).hasSize(2 * 64 * 64);
        assertThat(r.imageWidth).isEqualTo(300);
        assertThat(r.imageHeight).isEqualTo(200);
    }

    @Test
    void aFittingGridIsReturnedAsItIs() {
        SamEmbedding e = new SamEmbedding(new float[4], 1, 2, 2, 10, 10, 32, 32, 32);
        assertThat(e.resampledTo(2)).isSameAs(e);
    }
}
