package dev.saaflink.operators.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

/** The scaled-down saliency that crosses the shuffle for {@code anomalyMap.source: saliency}. */
class SmallMapTest {

    private static float[] ramp(int n) {
        float[] m = new float[n];
        for (int i = 0; i < n; i++) {
            m[i] = i * 0.001f;
        }
        return m;
    }

    @Test
    void aSmallMapIsKeptAsAClone() {
        float[] map = ramp(100 * 50);
        SmallMap s = SmallMap.of(map, 100, 50);
        assertThat(s.width).isEqualTo(100);
        assertThat(s.height).isEqualTo(50);
        assertThat(s.values).isNotSameAs(map).isEqualTo(map);
        map[0] = 42;
        assertThat(s.values[0]).as("a copy, not a view").isZero();
        // Exactly 256 on the longer side is small enough.
        assertThat(SmallMap.of(new float[256 * 3], 256, 3).width).isEqualTo(256);
    }

    @Test
    void aLargeMapIsScaledTo256OnTheLongerSide() {
        // 512x300: w = 256, h = round(300·256/512) = 150.
        SmallMap s = SmallMap.of(new float[512 * 300], 512, 300);
        assertThat(s.width).isEqualTo(256);
        assertThat(s.height).isEqualTo(150);
        assertThat(s.values).hasSize(256 * 150);
        // Portrait: 300x512 -> 150x256.
        SmallMap p = SmallMap.of(new float[300 * 512], 300, 512);
        assertThat(p.width).isEqualTo(150);
        assertThat(p.height).isEqualTo(256);
        // A thin strip keeps at least one row: 1000x1 -> 256 x max(1, round(0.256)) = 256x1.
        SmallMap strip = SmallMap.of(new float[1000], 1000, 1);
        assertThat(strip.width).isEqualTo(256);
        assertThat(strip.height).isEqualTo(1);
    }

    @Test
    void halvingAveragesPixelPairs() {
        // 512x2 with value x: -> 256x1. Destination centre (d + 0.5)·2 − 0.5 = 2d + 0.5 on both axes, so each
        // output is the mean of columns 2d and 2d + 1 (and of the two equal rows): 2d + 0.5.
        float[] map = new float[512 * 2];
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 512; x++) {
                map[y * 512 + x] = x;
            }
        }
        SmallMap s = SmallMap.of(map, 512, 2);
        assertThat(s.width).isEqualTo(256);
        assertThat(s.height).isEqualTo(1);
        for (int d = 0; d < 256; d++) {
            assertThat(s.values[d]).isCloseTo(2 * d + 0.5f, within(1e-4f));
        }
    }

    @Test
    void atTheSameSizeReturnsTheValuesAsDoubles() {
        float[] map = {0.1f, 0.25f, 0.5f, 1f, 0f, 0.75f};
        SmallMap s = SmallMap.of(map, 3, 2);
        double[] d = s.at(3, 2);
        assertThat(d).hasSize(6);
        for (int i = 0; i < 6; i++) {
            assertThat(d[i]).isEqualTo((double) map[i]);
        }
    }

    @Test
    void atScalesUpBilinearly() {
        // 2x1 [0, 1] to 4x1: source x = (d + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25, clamped to 0 .. 1:
        // 0, 0.25, 0.75, 1.
        double[] d = new SmallMap(new float[] {0, 1}, 2, 1).at(4, 1);
        assertThat(d).containsExactly(new double[] {0, 0.25, 0.75, 1}, within(1e-7));
    }

    @Test
    void aConstantMapStaysConstant() {
        float[] map = new float[512 * 300];
        Arrays.fill(map, 0.3f);
        SmallMap s = SmallMap.of(map, 512, 300);
        for (float v : s.values) {
            assertThat(v).isEqualTo(0.3f);
        }
        double[] back = s.at(512, 300);
        assertThat(back).hasSize(512 * 300);
        for (double v : back) {
            assertThat(v).isEqualTo((double) 0.3f);
        }
    }

    @Test
    void theConstructorChecksTheLength() {
        assertThatThrownBy(() -> new SmallMap(new float[5], 2, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("map has 5 values, expected 2x3");
    }
}
