package dev.saaflink.operators.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saaflink.models.saliency.MemoryScoring;
import org.junit.jupiter.api.Test;

import java.util.Random;

/** The fp16 codec of the stream memory's slots: exact where it must be, and the rounding error bound elsewhere. */
class Fp16Test {

    @Test
    void everyHalfSurvivesARoundTripThroughFloat() {
        for (int h = 0; h < 1 << 16; h++) {
            float f = Fp16.toFloat((short) h);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(Fp16.toFloat(Fp16.fromFloat(f)))).isTrue();
                continue;
            }
            assertThat(Fp16.fromFloat(f) & 0xffff).as("half 0x%04x = %s", h, f).isEqualTo(h);
        }
    }

    @Test
    void knownValuesAndRoundingToEven() {
        assertThat(Fp16.fromFloat(1f)).isEqualTo((short) 0x3c00);
        assertThat(Fp16.fromFloat(-2f)).isEqualTo((short) 0xc000);
        assertThat(Fp16.fromFloat(65504f)).as("largest half").isEqualTo((short) 0x7bff);
        assertThat(Fp16.fromFloat(65520f)).as("rounds up to infinity").isEqualTo((short) 0x7c00);
        assertThat(Fp16.fromFloat(0x1p-24f)).as("smallest subnormal").isEqualTo((short) 0x0001);
        assertThat(Fp16.fromFloat(0x1p-26f)).as("below half of it: zero").isEqualTo((short) 0);
        assertThat(Fp16.fromFloat(1 + 0x1p-11f)).as("tie: to the even 1.0").isEqualTo((short) 0x3c00);
        assertThat(Fp16.fromFloat(1 + 3 * 0x1p-11f)).as("tie: to the even 1 + 2^-9").isEqualTo((short) 0x3c02);
        assertThat(Fp16.fromFloat(1 + 0x1p-11f + 0x1p-20f)).as("just above the tie").isEqualTo((short) 0x3c01);
        assertThat(Fp16.toFloat((short) 0x3555)).isEqualTo(0.33325195f);
    }

    /**
     * What the memory stores: unit columns of 256 channels. Every component comes back within 2^-11 relative (2^-25
     * absolute near zero), and a cosine between two stored columns moves by less than 2^-10.
     */
    @Test
    void unitColumnsKeepTheirCosinesWithinTheBound() {
        Random random = new Random(14);
        int c = 256;
        int s = 64;
        float[] raw = new float[c * s];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (float) random.nextGaussian();
        }
        float[] unit = MemoryScoring.normaliseColumns(raw, 1, c, s);
        float[] back = new float[unit.length];
        Fp16.decode(Fp16.encode(unit, 0, unit.length), back, 0, back.length);
        for (int i = 0; i < unit.length; i++) {
            assertThat((double) Math.abs(back[i] - unit[i]))
                    .isLessThanOrEqualTo(Math.max(Math.abs(unit[i]) * 0x1p-11, 0x1p-25));
        }
        for (int a = 0; a < s; a++) {
            for (int b = 0; b < s; b++) {
                double exact = 0;
                double rounded = 0;
                for (int k = 0; k < c; k++) {
                    exact += (double) unit[k * s + a] * unit[k * s + b];
                    rounded += (double) back[k * s + a] * back[k * s + b];
                }
                assertThat(Math.abs(rounded - exact)).isLessThan(0x1p-10);
            }
        }
    }

    @Test
    void encodeWritesTwoBytesPerValueAndDecodeChecksTheLength() {
        byte[] bytes = Fp16.encode(new float[] {9f, 0.5f, -0.25f, 0f, 1f}, 1, 4);
        assertThat(bytes).hasSize(8);
        float[] out = new float[6];
        Fp16.decode(bytes, out, 2, 4);
        assertThat(out).containsExactly(0f, 0f, 0.5f, -0.25f, 0f, 1f);
        assertThatThrownBy(() -> Fp16.decode(bytes, new float[5], 0, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8 bytes, expected 10");
    }
}
