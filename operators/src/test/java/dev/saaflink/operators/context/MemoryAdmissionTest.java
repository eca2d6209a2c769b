package dev.saaflink.operators.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.operators.config.InvalidConfigException;
import dev.saaflink.operators.config.MemoryAdmissionConfig;

import org.junit.jupiter.api.Test;

/**
 * The admission gate on hand-made scores. Grids of P = 8 cells with S = 4 sampled patches take cells
 * ⌊i·8/4⌋ = 0, 2, 4, 6; patch vectors have C = 2 channels, channel-major {@code [C, S]}.
 */
class MemoryAdmissionTest {

    private static MemoryAdmissionConfig gate(double quantile, double factor, int window, double maxMasked) {
        return new MemoryAdmissionConfig(true, quantile, factor, window, maxMasked);
    }

    /** Column i = (i + 1, 10·(i + 1)). */
    private static float[] columns() {
        return new float[] {1, 2, 3, 4, 10, 20, 30, 40};
    }

    @Test
    void quantileInterpolatesBetweenOrderStatisticsAsNumpyDoes() {
        float[] v = {5, 1, 4, 2, 3};
        // sorted 1..5; position (5 − 1)·q
        assertThat(MemoryAdmission.quantile(v, 5, 0.75)).isEqualTo(4f);              // position 3
        assertThat(MemoryAdmission.quantile(v, 5, 0.9)).isCloseTo(4.6f, within(1e-6f)); // 3.6: 4 + 0.6·(5 − 4)
        assertThat(MemoryAdmission.quantile(v, 3, 0.5)).isEqualTo(4f);               // first three: 1 4 5
        assertThat(v).as("input untouched").containsExactly(5, 1, 4, 2, 3);
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(MemoryAdmission.median(new float[] {3, 1, 2, 10})).isEqualTo(2.5f);
        assertThat(MemoryAdmission.median(new float[] {7})).isEqualTo(7f);
    }

    @Test
    void aPatchAboveTheHistorysThresholdIsReplacedByTheNearestEarlierAdmittedOne() {
        // Sampled cells 0, 2, 4, 6 score 0.1, 0.9, 0.2, 0.1; history median 0.4 (of 0.5, 0.3, 0.4), factor 1: T = 0.4.
        float[] grid = {0.1f, 5, 0.9f, 5, 0.2f, 5, 0.1f, 5};
        float[] cs = columns();
        MemoryAdmission.Decision d = MemoryAdmission.apply(gate(0.5, 1, 16, 0.5), grid, 8, cs, 2, 4,
                new float[] {0.5f, 0.3f, 0.4f});
        assertThat(d.remember()).isTrue();
        assertThat(d.masked()).isEqualTo(1);
        assertThat(d.threshold()).isEqualTo(0.4f);
        // The frame's own median (q 0.5 over all 8 cells: 0.1 0.1 0.2 0.9 5 5 5 5 → (0.9 + 5) / 2 = 2.95).
        assertThat(d.frameQuantile()).isCloseTo(2.95f, within(1e-6f));
        assertThat(cs).containsExactly(1, 1, 3, 4, 10, 10, 30, 40);
    }

    @Test
    void leadingPatchesAboveTheThresholdTakeTheFirstAdmittedOne() {
        float[] grid = {0.9f, 0, 0.8f, 0, 0.1f, 0, 0.2f, 0};
        float[] cs = columns();
        MemoryAdmission.Decision d = MemoryAdmission.apply(gate(0.5, 1, 16, 0.5), grid, 8, cs, 2, 4,
                new float[] {0.3f});
        assertThat(d.masked()).isEqualTo(2);
        assertThat(cs).containsExactly(3, 3, 3, 4, 30, 30, 30, 40);
    }

    @Test
    void theFactorScalesTheThreshold() {
        float[] grid = {0.1f, 0, 0.5f, 0, 0.2f, 0, 0.1f, 0};
        float[] cs = columns();
        // T = 2 × 0.3 = 0.6: nothing above it.
        MemoryAdmission.Decision d = MemoryAdmission.apply(gate(0.5, 2, 16, 0.5), grid, 8, cs, 2, 4,
                new float[] {0.3f});
        assertThat(d.threshold()).isCloseTo(0.6f, within(1e-6f));
        assertThat(d.masked()).isZero();
        assertThat(cs).containsExactly(columns());
    }

    @Test
    void aFrameWithTooManyPatchesAboveTheThresholdIsNotRememberedAndLeftAsItWas() {
        // 3 of 4 sampled patches above T = 0.3: more than half.
        float[] grid = {0.9f, 0, 0.8f, 0, 0.7f, 0, 0.1f, 0};
        float[] cs = columns();
        MemoryAdmission.Decision d = MemoryAdmission.apply(gate(0.5, 1, 16, 0.5), grid, 8, cs, 2, 4,
                new float[] {0.3f});
        assertThat(d.remember()).isFalse();
        assertThat(d.masked()).isZero();
        assertThat(cs).containsExactly(columns());
        // Exactly half is still remembered.
        float[] half = {0.9f, 0, 0.8f, 0, 0.1f, 0, 0.1f, 0};
        assertThat(MemoryAdmission.apply(gate(0.5, 1, 16, 0.5), half, 8, columns(), 2, 4, new float[] {0.3f})
                .remember()).isTrue();
    }

    @Test
    void withoutHistoryTheFramesOwnQuantileIsTheThreshold() {
        // q 0.75 over 8 cells 0 1 2 3 4 5 6 7 (sampled 0, 2, 4, 6): position 5.25 → 5.25. Only cell 6 is above.
        float[] grid = {0, 1, 2, 3, 4, 5, 6, 7};
        float[] cs = columns();
        MemoryAdmission.Decision d = MemoryAdmission.apply(gate(0.75, 1, 16, 0.5), grid, 8, cs, 2, 4, null);
        assertThat(d.threshold()).isCloseTo(5.25f, within(1e-6f));
        assertThat(d.masked()).isEqualTo(1);
        assertThat(cs).containsExactly(1, 2, 3, 3, 10, 20, 30, 30);
        assertThat(MemoryAdmission.apply(gate(0.75, 1, 16, 0.5), grid, 8, columns(), 2, 4, new float[0])
                .threshold()).isCloseTo(5.25f, within(1e-6f));
    }

    @Test
    void theHistoryKeepsTheLastWindowValuesOldestFirst() {
        float[] h = null;
        for (int i = 1; i <= 5; i++) {
            h = MemoryAdmission.push(h, i, 3);
        }
        assertThat(h).containsExactly(3, 4, 5);
        assertThat(MemoryAdmission.push(null, 9, 1)).containsExactly(9);
        assertThat(MemoryAdmission.push(new float[] {1, 2}, 9, 1)).containsExactly(9);
    }

    @Test
    void outOfRangeSettingsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> gate(0.4, 1, 16, 0.5)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("streamContext.admission.quantile");
        assertThatThrownBy(() -> gate(0.98, 0.2, 16, 0.5)).hasMessageContaining("streamContext.admission.factor");
        assertThatThrownBy(() -> gate(0.98, 1, 0, 0.5)).hasMessageContaining("streamContext.admission.window");
        assertThatThrownBy(() -> gate(0.98, 1, 16, 0)).hasMessageContaining(
                "streamContext.admission.maxMaskedFraction");
    }
}
