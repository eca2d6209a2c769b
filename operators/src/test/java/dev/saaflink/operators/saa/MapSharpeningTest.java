package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.List;

/** {@link MapSharpening} on a 4x4 map with hand-computed pixels (every value a dyadic fraction, so exact). */
class MapSharpeningTest {

    /** Pixel index y * 4 + x. Peak 0.875 at pixel 5; pixel 15 (0.75) is a second hot spot. */
    private static final double[] MAP = {
            0, 0.125, 0.25, 0,
            0.25, 0.875, 0.5, 0.125,
            0.125, 0.5, 0.25, 0,
            0, 0, 0.125, 0.75};

    private static boolean[] mask(int... pixels) {
        boolean[] m = new boolean[16];
        for (int p : pixels) {
            m[p] = true;
        }
        return m;
    }

    /** The 2x2 block in the middle: map values 0.875, 0.5, 0.5, 0.25 (peak 0.875, mean 0.53125). */
    private static final boolean[] MIDDLE = mask(5, 6, 9, 10);
    private static final boolean[] CORNER = mask(15);

    @Test
    void peakLiftsEachMaskToItsMaximumAndHalvesTheRest() {
        double[] out = MapSharpening.sharpen(MAP, 4, 4, List.of(MIDDLE, CORNER), MapSharpening.MaskValue.PEAK, 0.5, 1);
        assertThat(out).containsExactly(
                0, 0.0625, 0.125, 0,
                0.125, 0.875, 0.875, 0.0625,
                0.0625, 0.875, 0.875, 0,
                0, 0, 0.0625, 0.75);
        assertThat(MAP[6]).as("the input is not modified").isEqualTo(0.5);
    }

    @Test
    void meanLiftsOnlyThePixelsBelowTheMasksMeanAndOutsideOneKeepsTheRest() {
        double[] out = MapSharpening.sharpen(MAP, 4, 4, List.of(MIDDLE), MapSharpening.MaskValue.MEAN, 1, 1);
        double[] expected = MAP.clone();
        expected[6] = 0.53125;  // max(0.5, 0.53125)
        expected[9] = 0.53125;
        expected[10] = 0.53125; // max(0.25, 0.53125)
        // pixel 5 stays 0.875: a mask never lowers a pixel
        assertThat(out).containsExactly(expected);
    }

    @Test
    void overlappingMasksGiveThePixelTheLargerValue() {
        boolean[] right = mask(10, 11, 14, 15);
        double[] out = MapSharpening.sharpen(MAP, 4, 4, List.of(MIDDLE, right), new double[] {0.375, 0.625}, 0, 1);
        assertThat(out).containsExactly(
                0, 0, 0, 0,
                0, 0.875, 0.5, 0,
                0, 0.5, 0.625, 0.625,
                0, 0, 0.625, 0.75);
    }

    @Test
    void largeEmptyAndNaNMasksAreNotUsed() {
        boolean[] large = mask(0, 1, 2, 4, 5, 6, 8, 9, 10); // 9 of 16 pixels > 0.5
        double[] out = MapSharpening.sharpen(MAP, 4, 4, List.of(large, new boolean[16]),
                MapSharpening.MaskValue.PEAK, 0.5, 0.5);
        double[] halved = new double[16];
        for (int i = 0; i < 16; i++) {
            halved[i] = MAP[i] / 2;
        }
        assertThat(out).containsExactly(halved);
        assertThat(MapSharpening.sharpen(MAP, 4, 4, List.of(CORNER), new double[] {Double.NaN}, 0.5, 1))
                .containsExactly(halved);
        // The same large mask at maxMaskFraction 9/16 is used.
        assertThat(MapSharpening.sharpen(MAP, 4, 4, List.of(large), MapSharpening.MaskValue.PEAK, 0.5, 9 / 16.0)[0])
                .isEqualTo(0.875);
    }

    @Test
    void withoutMasksTheMapIsOnlyScaled() {
        assertThat(MapSharpening.sharpen(MAP, 4, 4, List.of(), MapSharpening.MaskValue.PEAK, 1, 1))
                .containsExactly(MAP);
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> MapSharpening.sharpen(MAP, 3, 4, List.of(), MapSharpening.MaskValue.PEAK, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 3x4");
        assertThatThrownBy(() -> MapSharpening.sharpen(MAP, 4, 4, List.of(new boolean[15]),
                MapSharpening.MaskValue.PEAK, 1, 1)).hasMessageContaining("mask 0 has 15 pixels");
        assertThatThrownBy(() -> MapSharpening.sharpen(MAP, 4, 4, List.of(), MapSharpening.MaskValue.PEAK, 1.5, 1))
                .hasMessageContaining("outside");
        assertThatThrownBy(() -> MapSharpening.sharpen(MAP, 4, 4, List.of(), MapSharpening.MaskValue.PEAK, 1, 0))
                .hasMessageContaining("maxMaskFraction");
        assertThatThrownBy(() -> MapSharpening.sharpen(MAP, 4, 4, List.of(CORNER), new double[2], 1, 1))
                .hasMessageContaining("1 masks but 2 values");
    }
}
