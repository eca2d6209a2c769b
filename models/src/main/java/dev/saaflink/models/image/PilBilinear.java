package dev.saaflink.models.image;

/**
 * Resizes 8-bit images the way Pillow's {@code Image.resize(size, BILINEAR)} does, so that model inputs match the
 * Python reference code that resizes through PIL.
 *
 * <p>What Pillow does, and this class repeats:
 * <ul>
 *   <li>Separable: a horizontal pass, then a vertical pass; a pass is skipped when that side keeps its size.</li>
 *   <li>Output sample {@code i} is centred at {@code (i + 0.5) * in / out} in input coordinates (half-pixel
 *       centres). Weights come from the triangle filter {@code max(0, 1 - |d|)}; when shrinking, the filter is
 *       stretched by the scale factor {@code in / out}, so every input pixel under the footprint contributes
 *       (an area-like average instead of plain bilinear sampling). When enlarging this is plain bilinear
 *       interpolation with edge clamping.</li>
 *   <li>Weights are renormalised to sum 1 over the pixels that lie inside the image, then turned into 22-bit fixed
 *       point; each pass rounds its result to 0..255, so the intermediate image is 8-bit too.</li>
 * </ul>
 */
public final class PilBilinear {

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    private PilBilinear() {
    }

    /** Filter taps for one axis: output i reads {@code count[i]} inputs from {@code start[i]} with {@code weights}. */
    static final class Taps {
        final int ksize;
        final int[] start;
        final int[] count;
        final int[] weights; // fixed point, ksize per output sample
        final double[] exact; // the same weights before fixed-point rounding (for tests)

        Taps(int ksize, int outSize) {
            this.ksize = ksize;
            this.start = new int[outSize];
            this.count = new int[outSize];
            this.weights = new int[outSize * ksize];
            this.exact = new double[outSize * ksize];
        }
    }

    static Taps taps(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(1.0, scale);
        double support = filterScale; // the triangle filter's support is 1, stretched when shrinking
        int ksize = (int) Math.ceil(support) * 2 + 1;
        Taps t = new Taps(ksize, outSize);
        double inv = 1.0 / filterScale;
        for (int i = 0; i < outSize; i++) {
            double centre = (i + 0.5) * scale;
            // (int) truncates toward zero, as the C cast in Pillow does
            int lo = (int) (centre - support + 0.5);
            if (lo < 0) {
                lo = 0;
            }
            int hi = (int) (centre + support + 0.5);
            if (hi > inSize) {
                hi = inSize;
            }
            int n = hi - lo;
            double sum = 0;
            int base = i * ksize;
            for (int j = 0; j < n; j++) {
                double d = Math.abs((j + lo - centre + 0.5) * inv);
                double w = d < 1.0 ? 1.0 - d : 0.0;
                t.exact[base + j] = w;
                sum += w;
            }
            for (int j = 0; j < n; j++) {
                double w = sum != 0.0 ? t.exact[base + j] / sum : t.exact[base + j];
                t.exact[base + j] = w;
                t.weights[base + j] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                        : (int) (0.5 + w * (1 << PRECISION_BITS));
            }
            t.start[i] = lo;
            t.count[i] = n;
        }
        return t;
    }

    private static int clip8(int acc) {
        if (acc >= (1 << PRECISION_BITS << 8)) {
            return 255;
        }
        if (acc <= 0) {
            return 0;
        }
        return acc >> PRECISION_BITS;
    }

    /** Resizes an RGB image; the result shares the pixel buffer when the size does not change. */
    public static RgbImage resize(RgbImage img, int newWidth, int newHeight) {
        return new RgbImage(newWidth, newHeight, resize(img.rgb, img.width, img.height, 3, newWidth, newHeight));
    }

    /**
     * Resizes an interleaved 8-bit image with {@code channels} samples per pixel. Returns {@code src} itself when
     * the size does not change.
     */
    public static byte[] resize(byte[] src, int width, int height, int channels, int newWidth, int newHeight) {
        if (newWidth <= 0 || newHeight <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + newWidth + "x" + newHeight);
        }
        if ((long) width * height * channels != src.length) {
            throw new IllegalArgumentException("buffer length " + src.length + " != " + width + "x" + height + "x" + channels);
        }
        byte[] cur = src;
        int curW = width;
        if (newWidth != width) {
            cur = horizontal(cur, width, height, channels, newWidth);
            curW = newWidth;
        }
        if (newHeight != height) {
            cur = vertical(cur, curW, height, channels, newHeight);
        }
        return cur;
    }

    private static byte[] horizontal(byte[] src, int w, int h, int ch, int outW) {
        Taps t = taps(w, outW);
        byte[] out = new byte[outW * h * ch];
        int[] acc = new int[ch];
        for (int y = 0; y < h; y++) {
            int rowIn = y * w * ch;
            int rowOut = y * outW * ch;
            for (int x = 0; x < outW; x++) {
                java.util.Arrays.fill(acc, HALF);
                int base = x * t.ksize;
                int p = rowIn + t.start[x] * ch;
                for (int j = 0; j < t.count[x]; j++, p += ch) {
                    int k = t.weights[base + j];
                    for (int c = 0; c < ch; c++) {
                        acc[c] += (src[p + c] & 0xFF) * k;
                    }
                }
                int q = rowOut + x * ch;
                for (int c = 0; c < ch; c++) {
                    out[q + c] = (byte) clip8(acc[c]);
                }
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] src, int w, int h, int ch, int outH) {
        Taps t = taps(h, outH);
        int rowLen = w * ch;
        byte[] out = new byte[rowLen * outH];
        int[] acc = new int[rowLen];
        for (int y = 0; y < outH; y++) {
            java.util.Arrays.fill(acc, HALF);
            int base = y * t.ksize;
            for (int j = 0; j < t.count[y]; j++) {
                int k = t.weights[base + j];
                int p = (t.start[y] + j) * rowLen;
                for (int i = 0; i < rowLen; i++) {
                    acc[i] += (src[p + i] & 0xFF) * k;
                }
            }
            int q = y * rowLen;
            for (int i = 0; i < rowLen; i++) {
                out[q + i] = (byte) clip8(acc[i]);
            }
        }
        return out;
    }
}
