package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ResizeTest {

    /*
     * 2x2 -> 4x4, scale 0.5. Source coordinate of destination d: (d + 0.5) * 0.5 - 0.5
     *   d=0: -0.25 -> below 0, clamped to index 0, weight 0
     *   d=1:  0.25 -> index 0, weight 0.25
     *   d=2:  0.75 -> index 0, weight 0.75
     *   d=3:  1.25 -> at or past the last index, clamped to index 1, weight 0
     * Rows [0 1] and [2 3] become [0 .25 .75 1] and [2 2.25 2.75 3]; the rows blend with the same weights:
     *   y1 = .75*row0 + .25*row1 = [.5 .75 1.25 1.5],  y2 = .25*row0 + .75*row1 = [1.5 1.75 2.25 2.5]
     */
    private static final float[] UP_2_TO_4 = {
        0f, 0.25f, 0.75f, 1f,
        0.5f, 0.75f, 1.25f, 1.5f,
        1.5f, 1.75f, 2.25f, 2.5f,
        2f, 2.25f, 2.75f, 3f,
    };

    @Test
    void bilinearUpscalesWithHalfPixelCentres() {
        float[] out = Resize.bilinear(new float[] {0, 1, 2, 3}, 2, 2, 4, 4);
        assertThat(out).containsExactly(UP_2_TO_4, within(1e-6f));
    }

    @Test
    void bilinearDoubleOverloadGivesTheSameValues() {
        double[] out = Resize.bilinear(new double[] {0, 1, 2, 3}, 2, 2, 4, 4);
        for (int i = 0; i < out.length; i++) {
            assertThat(out[i]).isCloseTo(UP_2_TO_4[i], within(1e-12));
        }
    }

    @Test
    void bilinearDownscaleAveragesNeighbours() {
        // 4 -> 2, scale 2: d=0 -> 0.5 (halfway 0..10 = 5), d=1 -> 2.5 (halfway 20..30 = 25)
        float[] out = Resize.bilinear(new float[] {0, 10, 20, 30}, 4, 1, 2, 1);
        assertThat(out).containsExactly(new float[] {5f, 25f}, within(1e-6f));
    }

    @Test
    void bilinearNonIntegerScale() {
        // 3 -> 2, scale 1.5: d=0 -> 0.25 (0 + .25*3 = .75), d=1 -> 1.75 (3 + .75*3 = 5.25)
        float[] out = Resize.bilinear(new float[] {0, 3, 6}, 3, 1, 2, 1);
        assertThat(out).containsExactly(new float[] {0.75f, 5.25f}, within(1e-6f));
    }

    @Test
    void bilinearSameSizeIsIdentity() {
        float[] src = {1, -2, 3.5f, 4, 5, 6};
        assertThat(Resize.bilinear(src, 3, 2, 3, 2)).containsExactly(src);
    }

    @Test
    void bilinearSeparatesAxes() {
        // 1x2 column [0; 8] -> 3 wide x 4 tall. x: every column samples index 0 (width 1).
        // y scale 0.5: weights per row 0, .25, .75, clamp -> values 0, 2, 6, 8.
        float[] out = Resize.bilinear(new float[] {0, 8}, 1, 2, 3, 4);
        assertThat(out).containsExactly(new float[] {0, 0, 0, 2, 2, 2, 6, 6, 6, 8, 8, 8}, within(1e-6f));
    }

    @Test
    void nearestUpscaleRepeatsPixels() {
        // scale 0.5: floor(0, .5, 1, 1.5) = 0, 0, 1, 1
        boolean[] out = Resize.nearest(new boolean[] {true, false, false, true}, 2, 2, 4, 4);
        assertThat(out).containsExactly(
                true, true, false, false,
                true, true, false, false,
                false, false, true, true,
                false, false, true, true);
    }

    @Test
    void nearestUsesFloorNotRounding() {
        // 5 -> 2, scale 2.5: floor(0) = 0, floor(2.5) = 2
        float[] down = Resize.nearest(new float[] {10, 11, 12, 13, 14}, 5, 1, 2, 1);
        assertThat(down).containsExactly(10f, 12f);
        // 3 -> 4, scale 0.75: floor(0, .75, 1.5, 2.25) = 0, 0, 1, 2
        float[] up = Resize.nearest(new float[] {10, 11, 12}, 3, 1, 4, 1);
        assertThat(up).containsExactly(10f, 10f, 11f, 12f);
    }

    @Test
    void rejectsWrongLengthAndSizes() {
        assertThatThrownBy(() -> Resize.bilinear(new float[3], 2, 2, 4, 4))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Resize.nearest(new boolean[4], 2, 2, 0, 4))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
