package dev.saaflink.models.sam;

import dev.saaflink.models.image.PilBilinear;
import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.store.ModelManifest;

/**
 * SAM's image pre-processing, with every constant read from the encoder's {@link ModelManifest}
 * ({@code input.size}, {@code input.mean}, {@code input.std}, {@code input.colorOrder}):
 * <ol>
 *   <li>resize (Pillow bilinear, {@link PilBilinear}) so the longest side becomes {@code S = input.size}; the
 *       other side becomes {@code int(side * (S / longest) + 0.5)}, e.g. 1500x1000 to 1024x683;</li>
 *   <li>normalise each channel: {@code (value - mean[c]) / std[c]} in float32, on the 0..255 scale;</li>
 *   <li>zero-pad bottom and right to S x S (after normalisation, so padding is exactly 0);</li>
 *   <li>lay out as NCHW float32 {@code [1, 3, S, S]}.</li>
 * </ol>
 *
 * <p><b>Colour order.</b> With {@code bgrQuirk = false} the channels go in the order the manifest names (RGB for
 * SAM). With {@code bgrQuirk = true} they go reversed (B, G, R for an RGB model): the SAA+ reference code hands
 * OpenCV's BGR array to SAM, which treats it as RGB (quirk Q1). Mean and std stay tied to the channel slot, as in
 * the reference: slot 0 is always normalised with {@code mean[0]}, whatever colour it holds.
 */
public final class SamPreprocessor {

    /** Pre-processed input: the tensor data and where the image sits in the padded frame. */
    public record SamInput(float[] chw, int size, int resizedWidth, int resizedHeight) {
        /** Tensor shape {@code [1, 3, size, size]}. */
        public long[] shape() {
            return new long[] {1, 3, size, size};
        }
    }

    private final int size;
    private final float[] mean;
    private final float[] std;
    private final boolean modelIsBgr;

    public SamPreprocessor(ModelManifest manifest) {
        this(manifest, manifest.requireInputSize());
    }

    /**
     * Pre-processing for a model frame of {@code size} instead of the manifest's {@code input.size}: for an encoder
     * rewritten to a smaller input ({@link EncoderInputSize}), with the manifest's mean, std and colour order.
     */
    public SamPreprocessor(ModelManifest manifest, int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("model frame size must be positive, got " + size);
        }
        this.size = size;
        double[] m = manifest.mean();
        double[] s = manifest.std();
        if (m == null || s == null) {
            throw new IllegalArgumentException("manifest " + manifest.id() + " (" + manifest.source()
                    + ") lacks input.mean / input.std needed for SAM pre-processing");
        }
        this.mean = new float[] {(float) m[0], (float) m[1], (float) m[2]};
        this.std = new float[] {(float) s[0], (float) s[1], (float) s[2]};
        this.modelIsBgr = manifest.colorOrder().equals("BGR");
    }

    /** Side of the square model frame. */
    public int size() {
        return size;
    }

    /**
     * Size after the longest-side resize, {@code {width, height}}. The longest side becomes {@code target}; the
     * other is {@code int(side * (target / longest) + 0.5)}, computed in that order as SAM does.
     */
    public static int[] resizedSize(int width, int height, int target) {
        double scale = target * 1.0 / Math.max(width, height);
        int w = (int) (width * scale + 0.5);
        int h = (int) (height * scale + 0.5);
        return new int[] {w, h};
    }

    /** The full pre-processing; see the class comment. */
    public SamInput preprocess(RgbImage img, boolean bgrQuirk) {
        int[] rs = resizedSize(img.width, img.height, size);
        int rw = rs[0];
        int rh = rs[1];
        byte[] px = PilBilinear.resize(img.rgb, img.width, img.height, 3, rw, rh);
        // Source channel (0=R, 1=G, 2=B of the RgbImage) that goes into each model slot.
        boolean reverse = bgrQuirk != modelIsBgr;
        int[] srcOf = reverse ? new int[] {2, 1, 0} : new int[] {0, 1, 2};
        int plane = size * size;
        float[] out = new float[3 * plane]; // zero-initialised: the padding
        for (int slot = 0; slot < 3; slot++) {
            int src = srcOf[slot];
            float m = mean[slot];
            float s = std[slot];
            int off = slot * plane;
            for (int y = 0; y < rh; y++) {
                int in = y * rw * 3 + src;
                int o = off + y * size;
                for (int x = 0; x < rw; x++, in += 3) {
                    out[o + x] = ((px[in] & 0xFF) - m) / s;
                }
            }
        }
        return new SamInput(out, size, rw, rh);
    }
}
