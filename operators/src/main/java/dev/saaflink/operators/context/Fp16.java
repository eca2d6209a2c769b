package dev.saaflink.operators.context;

/**
 * IEEE 754 half precision (binary16) for the stream memory's patch vectors in Flink state: half the bytes of a
 * float, so a memory slot of C × S values is 2·C·S bytes (512 KB for 256 × 1024).
 *
 * <p>Why fp16 and not int8 with a scale: the stored vectors are unit columns, components in [−1, 1] and most of them
 * small (256 channels, so typically around 1/16). fp16 keeps 11 significant bits at every magnitude (relative error
 * at most 2⁻¹¹ for values above 2⁻¹⁴, absolute at most 2⁻²⁵ below), where int8 with one scale per column would lose
 * the small components to a step of max|v|/127. A cosine of two unit vectors moves by at most about 2⁻¹¹ (the sum of
 * |a_c|·|b_c|·2⁻¹¹ over c is at most 2⁻¹¹ by Cauchy–Schwarz), far below the score differences that matter.
 *
 * <p>Java 17 has no {@code Float.floatToFloat16}; the conversion here rounds to nearest, ties to even, as that method
 * and the hardware do. Decoding goes through a 64 K table (256 KB), since a frame decodes M × C × S values.
 */
public final class Fp16 {

    private static final float[] TO_FLOAT = new float[1 << 16];

    static {
        for (int h = 0; h < TO_FLOAT.length; h++) {
            TO_FLOAT[h] = decode((short) h);
        }
    }

    private Fp16() {
    }

    /** The half nearest {@code f} (ties to even); beyond ±65504 infinity, NaN stays NaN. */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs >= 0x7f800000) {
            return (short) (sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0));
        }
        int exp = (abs >>> 23) - 127 + 15; // the half's biased exponent
        int mant = abs & 0x7fffff;
        if (exp >= 31) {
            return (short) (sign | 0x7c00);
        }
        if (exp <= 0) {
            if (exp < -10) {
                return (short) sign; // below half the smallest subnormal: zero
            }
            mant |= 0x800000;
            int shift = 14 - exp; // value / 2^-24 = mant · 2^(exp − 14)
            int half = mant >>> shift;
            int rest = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rest > mid || (rest == mid && (half & 1) != 0)) {
                half++; // may carry into the smallest normal: still the right encoding
            }
            return (short) (sign | half);
        }
        int half = (exp << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
            half++; // a carry into the exponent is right, up to infinity
        }
        return (short) (sign | half);
    }

    /** The float value of a half (exact: every half is a float). */
    public static float toFloat(short h) {
        return TO_FLOAT[h & 0xffff];
    }

    private static float decode(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** {@code length} floats from {@code src[offset..]} as little-endian halves, 2 bytes each. */
    public static byte[] encode(float[] src, int offset, int length) {
        byte[] out = new byte[2 * length];
        for (int i = 0; i < length; i++) {
            short h = fromFloat(src[offset + i]);
            out[2 * i] = (byte) h;
            out[2 * i + 1] = (byte) (h >>> 8);
        }
        return out;
    }

    /** Decodes {@link #encode}'s bytes into {@code dst[offset..]}; the byte count must be twice {@code length}. */
    public static void decode(byte[] src, float[] dst, int offset, int length) {
        if (src.length != 2 * length) {
            throw new IllegalArgumentException("a memory slot has " + src.length + " bytes, expected " + 2 * length);
        }
        for (int i = 0; i < length; i++) {
            dst[offset + i] = TO_FLOAT[(src[2 * i] & 0xff) | ((src[2 * i + 1] & 0xff) << 8)];
        }
    }
}
