package dev.saaflink.operators.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.operators.saa.SelfSimilaritySaliency.Neighbours;

import org.junit.jupiter.api.Test;

/**
 * Saliency on a SAM embedding, checked on a tiny geometry where every number can be worked out on paper.
 *
 * <p>The geometry used throughout: a 32x16 image, model frame 64x64, so the image is resized to 64x32 and sits in
 * the top half of the frame. The grid is 4x4 cells of 16 model pixels each; only the top 4x2 cells cover the image
 * (validGridH = ceil(32 * 4 / 64) = 2), the bottom two rows see padding.
 *
 * <p>Pixel to cell: one original pixel is 2 model pixels, so its centre x + 0.5 lies at model pixel 2x + 1, which
 * is cell coordinate (2x + 1) / 16 - 0.5 = (x + 0.5) / 8 - 0.5 (cell centres at integer coordinates). The same holds
 * for y. Clamped to [0, 3] horizontally and [0, 1] vertically (only the valid cells take part).
 */
class SaliencyStageTest {

    private static final int IMAGE_W = 32;
    private static final int IMAGE_H = 16;
    private static final float EPS = 1e-5f;

    private static SamEmbedding embedding(float[] data, int channels) {
        return new SamEmbedding(data, channels, 4, 4, IMAGE_W, IMAGE_H, 64, 64, 32);
    }

    private static float at(float[] image, int x, int y) {
        return image[y * IMAGE_W + x];
    }

    @Test
    void geometryHasTwoValidRows() {
        SamEmbedding emb = embedding(new float[4 * 4], 1);
        assertThat(emb.validGridW()).isEqualTo(4);
        assertThat(emb.validGridH()).isEqualTo(2);
    }

    @Test
    void gridToImageInterpolatesALinearGridExactly() {
        // Cell (cx, cy) holds 8 * cx + 80 * cy. Bilinear interpolation reproduces a linear function, so each pixel
        // must come out as 8 * cx(x) + 80 * cy(y) with the clamped cell coordinates from the class comment.
        float[] grid = {
                0, 8, 16, 24,
                80, 88, 96, 104};
        float[] image = SaliencyStage.gridToImage(grid, 4, 2, embedding(new float[16], 1));

        assertThat(image).hasSize(IMAGE_W * IMAGE_H);
        // (0, 0): cx = 0.5/8 - 0.5 = -0.4375 -> clamped to 0; cy likewise -> cell (0, 0) = 0.
        assertThat(at(image, 0, 0)).isCloseTo(0f, within(EPS));
        // (3, 3): cx = 3.5/8 - 0.5 = -0.0625 -> still clamped to 0.
        assertThat(at(image, 3, 3)).isCloseTo(0f, within(EPS));
        // (4, 4): cx = cy = 4.5/8 - 0.5 = 0.0625 -> 8 * 0.0625 + 80 * 0.0625 = 0.5 + 5 = 5.5.
        assertThat(at(image, 4, 4)).isCloseTo(5.5f, within(EPS));
        // (11, 11): cx = cy = 11.5/8 - 0.5 = 0.9375 -> 7.5 + 75 = 82.5.
        assertThat(at(image, 11, 11)).isCloseTo(82.5f, within(EPS));
        // (20, 8): cx = 20.5/8 - 0.5 = 2.0625 -> 16.5; cy = 8.5/8 - 0.5 = 0.5625 -> 45; total 61.5.
        assertThat(at(image, 20, 8)).isCloseTo(61.5f, within(EPS));
        // (12, 12): cx = 1.0625 -> 8.5; cy = 12.5/8 - 0.5 = 1.0625 -> clamped to the last valid row 1 -> 80; 88.5.
        assertThat(at(image, 12, 12)).isCloseTo(88.5f, within(EPS));
        // (31, 15): cx = 3.4375 -> clamped to 3 -> 24; cy = 1.4375 -> clamped to 1 -> 80; 104, the last cell.
        assertThat(at(image, 31, 15)).isCloseTo(104f, within(EPS));
    }

    @Test
    void gridToImageWeightsASingleHotCellBilinearly() {
        // Only cell (1, 0) is 1. Its weight at a pixel is (1 - |cx - 1|) * (1 - |cy - 0|) where both are within one cell.
        float[] grid = {
                0, 1, 0, 0,
                0, 0, 0, 0};
        float[] image = SaliencyStage.gridToImage(grid, 4, 2, embedding(new float[16], 1));

        // (4, 4): cx = 0.0625, cy = 0.0625 -> weight 0.0625 * 0.9375 = 0.05859375.
        assertThat(at(image, 4, 4)).isCloseTo(0.05859375f, within(EPS));
        // (12, 4): cx = 1.0625, cy = 0.0625 -> weight 0.9375 * 0.9375 = 0.87890625.
        assertThat(at(image, 12, 4)).isCloseTo(0.87890625f, within(EPS));
        // (8, 0): cx = 8.5/8 - 0.5 = 0.5625, cy clamped to 0 -> weight 0.5625.
        assertThat(at(image, 8, 0)).isCloseTo(0.5625f, within(EPS));
        // (20, 4): cx = 2.0625, past cell 2 -> weight 0.
        assertThat(at(image, 20, 4)).isCloseTo(0f, within(EPS));
    }

    /**
     * Channel-major features for the 4x4 grid, 3 channels: the valid cell (0, 0) points along channel 1, the other
     * seven valid cells along channel 0 with different lengths (normalisation must make the lengths irrelevant), and
     * every padding cell holds {@code pad}.
     */
    private static float[] oddCellOut(float[] pad) {
        int cells = 16;
        float[] chw = new float[3 * cells];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                int cell = y * 4 + x;
                if (y >= 2) {
                    for (int c = 0; c < 3; c++) {
                        chw[c * cells + cell] = pad[c];
                    }
                } else if (cell == 0) {
                    chw[cells] = 2f;
                } else {
                    chw[cell] = 1 + cell;
                }
            }
        }
        return chw;
    }

    @Test
    void saliencyAtImageMatchesHandComputedDistances() {
        // Eight valid cells, FARTHEST with 8 neighbours = every valid position including itself (reference 9.2).
        // The odd cell (0, 0) is orthogonal to the seven others: distance 0.5 * (1 - 0) = 0.5 to each, 0 to itself,
        // so its saliency is 7 * 0.5 / 8 = 0.4375. Every other cell is 0.5 from the odd one and 0 from the six others
        // and itself: 0.5 / 8 = 0.0625.
        // Had the eight padding cells (here along channel 2, orthogonal to both) been counted, the 8 farthest of every
        // valid cell would all be 0.5 away and everything would read 0.5.
        float[] image = SaliencyStage.saliencyAtImage(embedding(oddCellOut(new float[] {0, 0, 1}), 3), 8,
                Neighbours.FARTHEST);

        assertThat(image).hasSize(IMAGE_W * IMAGE_H);
        // Pixels 0..3 in both axes clamp onto cell (0, 0).
        assertThat(at(image, 0, 0)).isCloseTo(0.4375f, within(EPS));
        assertThat(at(image, 3, 3)).isCloseTo(0.4375f, within(EPS));
        // (4, 4): weight of cell (0, 0) is 0.9375^2 = 0.87890625; 0.0625 + 0.375 * 0.87890625 = 0.39208984375.
        assertThat(at(image, 4, 4)).isCloseTo(0.39208984375f, within(EPS));
        // (8, 0): cx = 0.5625 -> 0.4375 + (0.0625 - 0.4375) * 0.5625 = 0.2265625.
        assertThat(at(image, 8, 0)).isCloseTo(0.2265625f, within(EPS));
        // Far from the odd cell, and in the bottom half of the image (still valid cells, row 1).
        assertThat(at(image, 31, 15)).isCloseTo(0.0625f, within(EPS));
        assertThat(at(image, 16, 10)).isCloseTo(0.0625f, within(EPS));
    }

    @Test
    void paddingCellsDoNotChangeTheResult() {
        for (Neighbours mode : Neighbours.values()) {
            for (int neighbours : new int[] {1, 3, 8, 400}) {
                float[] zeroPad = SaliencyStage.saliencyAtImage(
                        embedding(oddCellOut(new float[] {0, 0, 0}), 3), neighbours, mode);
                float[] hugePad = SaliencyStage.saliencyAtImage(
                        embedding(oddCellOut(new float[] {1e6f, -1e6f, 3e5f}), 3), neighbours, mode);
                float[] likeOddCell = SaliencyStage.saliencyAtImage(
                        embedding(oddCellOut(new float[] {0, 5, 0}), 3), neighbours, mode);

                assertThat(hugePad).as("%s, %d neighbours", mode, neighbours).containsExactly(zeroPad);
                assertThat(likeOddCell).as("%s, %d neighbours", mode, neighbours).containsExactly(zeroPad);
            }
        }
    }

    @Test
    void aValidCellDoesChangeTheResult() {
        // Control for the test above: the same kind of change inside the valid region must show.
        float[] base = oddCellOut(new float[] {0, 0, 0});
        float[] changed = base.clone();
        changed[2 * 16 + 5] = 1e6f; // channel 2 of valid cell (1, 1)

        float[] a = SaliencyStage.saliencyAtImage(embedding(base, 3), 8, Neighbours.FARTHEST);
        float[] b = SaliencyStage.saliencyAtImage(embedding(changed, 3), 8, Neighbours.FARTHEST);

        assertThat(b).isNotEqualTo(a);
    }
}
