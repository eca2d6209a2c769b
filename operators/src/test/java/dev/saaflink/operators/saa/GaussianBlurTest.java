package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

/**
 * The separable Gaussian with replicated edges. For sigma 1 the kernel has r = ceil(3) = 3, 7 taps
 * exp(−i²/2)/Σ for i = −3..3, Σ = 1 + 2·(e^−0.5 + e^−2 + e^−4.5) = 1 + 2·(0.60653066 + 0.13533528 + 0.01110900)
 * = 2.50594988:
 * <pre>
 *   k0 = 1/Σ         = 0.39905028
 *   k±1 = e^−0.5/Σ   = 0.24203623
 *   k±2 = e^−2/Σ     = 0.05400558
 *   k±3 = e^−4.5/Σ   = 0.00443305
 * </pre>
 */
class GaussianBlurTest {

    private static final double EPS = 1e-12;
    private static final double SUM = 2.505949878974977;
    private static final double K0 = 0.3990502796524549;
    private static final double K1 = 0.2420362293761143;
    private static final double K2 = 0.054005582622414484;
    private static final double K3 = 0.004433048175243745;

    @Test
    void kernelOfSigma1HasSevenSymmetricTapsSummingToOne() {
        double[] k = GaussianBlur.kernel(1);
        assertThat(k).hasSize(7);
        assertThat(k).containsExactly(new double[] {K3, K2, K1, K0, K1, K2, K3}, within(EPS));
        for (int i = 0; i < 3; i++) {
            assertThat(k[i]).as("tap %d mirrors tap %d", i, 6 - i).isEqualTo(k[6 - i]);
        }
        assertThat(Arrays.stream(k).sum()).isCloseTo(1.0, within(EPS));
        assertThat(k[3]).isCloseTo(1 / SUM, within(EPS));
    }

    @Test
    void kernelLengthIsTwiceCeilThreeSigmaPlusOne() {
        assertThat(GaussianBlur.kernel(0.1)).as("ceil(0.3) = 1").hasSize(3);
        assertThat(GaussianBlur.kernel(0.4)).as("ceil(1.2) = 2").hasSize(5);
        assertThat(GaussianBlur.kernel(2.5)).as("ceil(7.5) = 8").hasSize(17);
    }

    @Test
    void aConstantMapStaysConstant() {
        double[] map = new double[5 * 4];
        Arrays.fill(map, 0.7);
        double[] out = GaussianBlur.blur(map, 5, 4, 1.5);
        assertThat(out).hasSize(20);
        for (double v : out) {
            assertThat(v).isCloseTo(0.7, within(EPS));
        }
    }

    @Test
    void anImpulseBecomesTheOuterProductOfTheKernel() {
        // 9x9, a 1 at (4, 4): the kernel (radius 3) never reaches the edge, so out(x, y) = k[x−4]·k[y−4] within
        // 3 pixels of the centre and 0 beyond.
        double[] map = new double[81];
        map[4 * 9 + 4] = 1;
        double[] out = GaussianBlur.blur(map, 9, 9, 1);
        double[] k = {K3, K2, K1, K0, K1, K2, K3};
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 9; x++) {
                int dx = x - 4;
                int dy = y - 4;
                double expected = Math.abs(dx) <= 3 && Math.abs(dy) <= 3 ? k[dx + 3] * k[dy + 3] : 0;
                assertThat(out[y * 9 + x]).as("(%d, %d)", x, y).isCloseTo(expected, within(EPS));
            }
        }
        assertThat(out[4 * 9 + 4]).isCloseTo(K0 * K0, within(EPS)); // 0.15924112
        assertThat(Arrays.stream(out).sum()).as("nothing lost at the edges").isCloseTo(1.0, within(EPS));
        assertThat(map[40]).as("the input is not modified").isEqualTo(1);
    }

    @Test
    void edgesAreReplicated() {
        // Row [1, 0, 0] (w = 3, h = 1), sigma 1. Horizontally, out[x] = Σ_i k_i · map[clamp(x + i)]:
        //   x = 0: offsets −3..0 all clamp to pixel 0 (the 1): k3 + k2 + k1 + k0 = (1 + k0)/2 = 0.69952514
        //   x = 1: offsets −3..−1 reach pixel 0: k3 + k2 + k1 = (1 − k0)/2 = 0.30047486
        //   x = 2: offsets −3..−2: k3 + k2 = 0.05843863
        // Vertically every offset clamps to row 0: the row times Σk = 1.
        double[] out = GaussianBlur.blur(new double[] {1, 0, 0}, 3, 1, 1);
        assertThat(out[0]).isCloseTo((1 + K0) / 2, within(EPS));
        assertThat(out[0]).isCloseTo(0.6995251398262274, within(EPS));
        assertThat(out[1]).isCloseTo((1 - K0) / 2, within(EPS));
        assertThat(out[2]).isCloseTo(K3 + K2, within(EPS));
        // The same column (w = 1, h = 3) gives the same values.
        assertThat(GaussianBlur.blur(new double[] {1, 0, 0}, 1, 3, 1)).containsExactly(out, within(EPS));
    }

    @Test
    void sigma0ReturnsAnEqualCopy() {
        double[] map = {0.1, 0.5, -2, 3};
        double[] out = GaussianBlur.blur(map, 2, 2, 0);
        assertThat(out).isNotSameAs(map).containsExactly(0.1, 0.5, -2, 3);
    }

    @Test
    void badArgumentsAreRejected() {
        for (double sigma : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> GaussianBlur.kernel(sigma)).as("sigma %s", sigma)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("sigma must be finite and at least 0.001");
        }
        assertThatThrownBy(() -> GaussianBlur.blur(new double[4], 2, 2, -0.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GaussianBlur.blur(new double[4], 2, 2, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GaussianBlur.blur(new double[5], 2, 3, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("map has 5 values, expected 2x3");
        assertThatThrownBy(() -> GaussianBlur.blur(new double[5], 2, 3, 0))
                .as("checked before the sigma-0 copy")
                .isInstanceOf(IllegalArgumentException.class);
    }
}
