package dev.saaflink.models.gdino;

import dev.saaflink.models.image.PilBilinear;
import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.store.ModelManifest;

/**
 * GroundingDINO's image pre-processing (reference §4), every constant from the manifest of the graph that takes the
 * image:
 * <ol>
 *   <li>size: a fixed frame ({@code input.width} x {@code input.height}, or {@code input.size} square) for exports
 *       with a fixed input shape: the image is resized to it, aspect ratio not kept; otherwise the reference's
 *       aspect-keeping rule ({@code input.shortSide}, e.g. 800, capped by {@code input.maxSize}, e.g. 1333:
 *       torchvision's {@code RandomResize([800], max_size=1333)}), which needs an export with dynamic height and
 *       width. Export at the camera's reference size (see models/README.md) and the two agree exactly;</li>
 *   <li>Pillow bilinear resize ({@link PilBilinear});</li>
 *   <li>channels in {@code input.colorOrder} (RGB for GroundingDINO), {@code (v - mean[c]) / std[c]} on the 0..255
 *       scale (ImageNet mean 123.675, 116.28, 103.53, std 58.395, 57.12, 57.375 = torchvision's
 *       {@code ToTensor} + {@code Normalize});</li>
 *   <li>NCHW float32 {@code [1, 3, h, w]}, no padding (a batch of one, every pixel valid).</li>
 * </ol>
 * Thread-safe.
 */
public final class GroundingDinoPreprocessor {

    /** A pre-processed image: the tensor data and its size. */
    public record DinoImage(float[] chw, int width, int height) {
        public long[] shape() {
            return new long[] {1, 3, height, width};
        }
    }

    private final int fixedWidth;
    private final int fixedHeight;
    private final int shortSide;
    private final int maxSize;
    private final float[] mean;
    private final float[] std;
    private final boolean bgr;

    public GroundingDinoPreprocessor(ModelManifest m) {
        this.fixedWidth = m.inputWidth();
        this.fixedHeight = m.inputHeight();
        this.shortSide = m.inputShortSide();
        this.maxSize = m.inputMaxSize();
        if ((fixedWidth <= 0 || fixedHeight <= 0) && shortSide <= 0) {
            throw new IllegalArgumentException("manifest " + m.id() + " (" + m.source() + ") gives no input frame:"
                    + " set input.width and input.height (fixed-shape export) or input.shortSide/input.maxSize");
        }
        double[] mn = m.mean();
        double[] sd = m.std();
        if (mn == null || sd == null) {
            throw new IllegalArgumentException("manifest " + m.id() + " (" + m.source()
                    + ") lacks input.mean / input.std needed for GroundingDINO pre-processing");
        }
        this.mean = new float[] {(float) mn[0], (float) mn[1], (float) mn[2]};
        this.std = new float[] {(float) sd[0], (float) sd[1], (float) sd[2]};
        this.bgr = m.colorOrder().equals("BGR");
    }

    /**
     * The model frame for an image {@code width x height}: {@code {w, h}}.
     */
    public int[] targetSize(int width, int height) {
        if (fixedWidth > 0 && fixedHeight > 0) {
            return new int[] {fixedWidth, fixedHeight};
        }
        return aspectKeepingSize(width, height, shortSide, maxSize);
    }

    /**
     * torchvision's {@code get_size_with_aspect_ratio}: the shorter side becomes {@code size}, unless the longer side
     * would then exceed {@code maxSize}, in which case {@code size = round(maxSize * short / long)}; the longer side is
     * {@code int(size * long / short)}. Returns {@code {w, h}}. E.g. 1500x1000 to 1200x800, 230x630 to 487x1333.
     */
    public static int[] aspectKeepingSize(int width, int height, int size, int maxSize) {
        int target = size;
        if (maxSize > 0) {
            double minOrig = Math.min(width, height);
            double maxOrig = Math.max(width, height);
            if (maxOrig / minOrig * target > maxSize) {
                target = (int) Math.rint(maxSize * minOrig / maxOrig); // Python's round(): half to even
            }
        }
        if ((width <= height && width == target) || (height <= width && height == target)) {
            return new int[] {width, height};
        }
        if (width < height) {
            return new int[] {target, (int) ((double) target * height / width)};
        }
        return new int[] {(int) ((double) target * width / height), target};
    }

    public DinoImage preprocess(RgbImage img) {
        int[] size = targetSize(img.width, img.height);
        int w = size[0];
        int h = size[1];
        RgbImage resized = (w == img.width && h == img.height) ? img : PilBilinear.resize(img, w, h);
        int plane = w * h;
        float[] chw = new float[3 * plane];
        byte[] rgb = resized.rgb;
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                int src = bgr ? 2 - c : c;
                chw[c * plane + i] = ((rgb[i * 3 + src] & 0xFF) - mean[c]) / std[c];
            }
        }
        return new DinoImage(chw, w, h);
    }
}
