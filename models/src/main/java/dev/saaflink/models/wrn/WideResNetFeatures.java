package dev.saaflink.models.wrn;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.runtime.OrtSessions;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.runtime.SharedSession;
import dev.saaflink.models.store.ModelManifest;
import dev.saaflink.models.store.ModelStore;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * WideResNet50-2 feature maps for the saliency prompt (reference sections 4 and 9.2), from a user-provided ONNX
 * export (models/README.md contract: input [B, 3, H, W] normalised image, outputs layer1/2/3 with 256/512/1024 channels at
 * strides 4/8/16). Per image:
 * <ol>
 *   <li>resize to the manifest's {@code input.size} square (256 in the reference) with bilinear interpolation at
 *       half-pixel centres, no antialiasing (OpenCV's {@code INTER_LINEAR} up to its fixed-point rounding);</li>
 *   <li>channels in {@code input.colorOrder}, or swapped when the caller keeps the reference's BGR quirk (Q1);
 *       {@code (v - mean[c]) / std[c]} with the manifest's mean and std on the 0..255 scale;</li>
 *   <li>run the model; nearest-upsample layer2 and layer3 to layer1's size, concatenate (256 + 512 + 1024 = 1792
 *       channels) and L2-normalise every position's vector.</li>
 * </ol>
 * Channel counts and sizes are read from the outputs, so any export with the three outputs works. Tensor names come
 * from the manifest ({@code inputs}, {@code outputs}; defaults {@code input} and {@code layer1,layer2,layer3}). The
 * model file is checked against the manifest's sha256 and size at open ({@link ModelStore#verifiedLocalFile}).
 *
 * <p>The multi-instance saliency (reference §9.3) runs the same graph at {@value #MULTI_INSTANCE_SIZE_KEY} (1024 in
 * the reference, so the export needs dynamic height and width) and reads only the positions inside the object masks
 * through {@link #featureGrid}. Thread-safe.
 */
public final class WideResNetFeatures implements AutoCloseable {

    /**
     * Manifest key: the square input side for the multi-instance saliency (reference §9.3: 1024, giving a 256x256
     * feature grid). Optional; an export that only takes {@code input.size} leaves it out, and multi-instance
     * categories then use the single-instance path.
     */
    public static final String MULTI_INSTANCE_SIZE_KEY = "input.multiInstanceSize";

    /** Concatenated, normalised features: channel-major {@code chw[c * h * w + y * w + x]}. */
    public record Features(float[] chw, int channels, int height, int width) {
    }

    private final ModelManifest manifest;
    private final SharedSession session;
    private final int size;
    private final int multiInstanceSize;
    private final float[] mean;
    private final float[] std;
    private final boolean modelBgr;
    private final String input;
    private final List<String> outputs;

    WideResNetFeatures(ModelManifest manifest, SharedSession session) {
        this.manifest = manifest;
        this.session = session;
        this.size = manifest.requireInputSize();
        this.multiInstanceSize = manifest.property(MULTI_INSTANCE_SIZE_KEY).map(v -> {
            try {
                int n = Integer.parseInt(v);
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("manifest " + manifest.id() + " (" + manifest.source() + "): key '"
                    + MULTI_INSTANCE_SIZE_KEY + "' must be a positive integer, got '" + v + "'");
        }).orElse(0);
        double[] mn = manifest.mean();
        double[] sd = manifest.std();
        if (mn == null || sd == null) {
            throw new IllegalArgumentException("manifest " + manifest.id() + " (" + manifest.source()
                    + ") lacks input.mean / input.std (0..255 scale; models/export/export_wideresnet50.py writes them)");
        }
        this.mean = new float[] {(float) mn[0], (float) mn[1], (float) mn[2]};
        this.std = new float[] {(float) sd[0], (float) sd[1], (float) sd[2]};
        this.modelBgr = manifest.colorOrder().equals("BGR");
        this.input = manifest.inputNames().isEmpty() ? "input" : manifest.inputNames().get(0);
        this.outputs = manifest.outputNames().isEmpty() ? List.of("layer1", "layer2", "layer3") : manifest.outputNames();
        if (outputs.size() != 3) {
            throw new IllegalArgumentException("manifest " + manifest.id() + ": outputs must name layer1, layer2 and"
                    + " layer3 (three tensors), got " + outputs);
        }
    }

    /** Opens the model that a manifest file describes (key {@code file}, next to the manifest), verifying it. */
    public static WideResNetFeatures open(Path manifestFile, SessionSettings settings) throws IOException, OrtException {
        ModelManifest m = ModelManifest.fromFile(manifestFile);
        Path onnx = verifiedLocalFile(m, manifestFile);
        SharedSession s = OrtSessions.acquire(onnx, settings);
        try {
            return new WideResNetFeatures(m, s);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Manifest id plus hash prefix, for provenance. */
    public String modelId() {
        return manifest.modelId();
    }

    /** Input side of the single-instance saliency ({@code input.size}; 256 in the reference). */
    public int singleInstanceSize() {
        return size;
    }

    /** Input side of the multi-instance saliency ({@value #MULTI_INSTANCE_SIZE_KEY}); 0 when the manifest has none. */
    public int multiInstanceSize() {
        return multiInstanceSize;
    }

    /**
     * Features of one image at the single-instance size; {@code bgrQuirk} feeds the channels swapped, as the
     * reference code does (Q1).
     */
    public Features features(RgbImage image, boolean bgrQuirk) throws OrtException {
        return run(preprocess(image, bgrQuirk));
    }

    /**
     * The feature grid of one image resized to {@code side} x {@code side} (e.g. {@link #multiInstanceSize()}),
     * kept as the three layers so that callers that need only some positions (the multi-instance saliency) never
     * build the full 1792-channel map (at 1024 input it would be 1792 x 256 x 256 floats, 470 MB).
     */
    public FeatureGrid featureGrid(RgbImage image, boolean bgrQuirk, int side) throws OrtException {
        return new FeatureGrid(layers(preprocess(image, bgrQuirk, side), side));
    }

    /** The model's input for one image: [3, size, size], resized, channel order applied, normalised. */
    public float[] preprocess(RgbImage image, boolean bgrQuirk) {
        return preprocess(image, bgrQuirk, size);
    }

    /** The model's input for one image resized to {@code size} x {@code size}. */
    public float[] preprocess(RgbImage image, boolean bgrQuirk, int size) {
        boolean swap = modelBgr != bgrQuirk;
        float[] chw = new float[3 * size * size];
        float[] plane = new float[image.width * image.height];
        for (int c = 0; c < 3; c++) {
            int src = swap ? 2 - c : c;
            for (int i = 0; i < plane.length; i++) {
                plane[i] = image.rgb[i * 3 + src] & 0xFF;
            }
            float[] resized = bilinear(plane, image.width, image.height, size, size);
            int base = c * size * size;
            for (int i = 0; i < resized.length; i++) {
                chw[base + i] = (resized[i] - mean[c]) / std[c];
            }
        }
        return chw;
    }

    /** Runs the model on a pre-processed [3, size, size] input and combines its three outputs. */
    public Features run(float[] chw) throws OrtException {
        Layer[] l = layers(chw, size);
        return combine(l[0], l[1], l[2]);
    }

    private Layer[] layers(float[] chw, int side) throws OrtException {
        try (OnnxTensor x = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(chw),
                new long[] {1, 3, side, side});
             OrtSession.Result r = session.run(Map.of(input, x))) {
            Layer[] layers = new Layer[3];
            for (int i = 0; i < 3; i++) {
                String name = outputs.get(i);
                OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow(() -> new IllegalStateException(
                        "model " + manifest.id() + " has no output '" + name + "'"));
                long[] shape = t.getInfo().getShape();
                if (shape.length != 4 || shape[0] != 1) {
                    throw new IllegalStateException("output " + name + " should be [1, C, H, W], is "
                            + java.util.Arrays.toString(shape));
                }
                FloatBuffer b = t.getFloatBuffer();
                float[] data = new float[b.remaining()];
                b.get(data);
                layers[i] = new Layer(data, (int) shape[1], (int) shape[2], (int) shape[3]);
            }
            return layers;
        }
    }

    /**
     * The three layers of one image, read at layer 1's grid: position {@code p = y * width + x} has the vector
     * (layer1[p], layer2 at the nearest cell, layer3 at the nearest cell), L2-normalised, the same values
     * {@link #combine} gives.
     */
    public static final class FeatureGrid {
        private final Layer[] layers;
        private final int[][] rowIndex;
        private final int[][] colIndex;
        private final int channels;

        FeatureGrid(Layer[] layers) {
            this.layers = layers;
            int h = layers[0].height();
            int w = layers[0].width();
            this.rowIndex = new int[3][];
            this.colIndex = new int[3][];
            int c = 0;
            for (int i = 0; i < 3; i++) {
                rowIndex[i] = nearestIndex(layers[i].height(), h);
                colIndex[i] = nearestIndex(layers[i].width(), w);
                c += layers[i].channels();
            }
            this.channels = c;
        }

        public int height() {
            return layers[0].height();
        }

        public int width() {
            return layers[0].width();
        }

        public int channels() {
            return channels;
        }

        /** The normalised vectors at {@code positions}, position-major: {@code out[k * channels + c]}. */
        public float[] vectorsAt(int[] positions) {
            int w = width();
            float[] out = new float[positions.length * channels];
            for (int k = 0; k < positions.length; k++) {
                int y = positions[k] / w;
                int x = positions[k] % w;
                int o = k * channels;
                double sq = 0;
                for (int i = 0; i < 3; i++) {
                    Layer l = layers[i];
                    int plane = l.height() * l.width();
                    int at = rowIndex[i][y] * l.width() + colIndex[i][x];
                    for (int c = 0; c < l.channels(); c++) {
                        float v = l.chw()[c * plane + at];
                        out[o++] = v;
                        sq += (double) v * v;
                    }
                }
                float inv = sq > 0 ? (float) (1 / Math.sqrt(sq)) : 0f;
                for (int c = k * channels; c < o; c++) {
                    out[c] *= inv;
                }
            }
            return out;
        }

        /** The whole grid as {@link Features} (channel-major). */
        public Features all() {
            return combine(layers[0], layers[1], layers[2]);
        }
    }

    /** One [C, H, W] feature map. */
    record Layer(float[] chw, int channels, int height, int width) {
    }

    /**
     * Layers 2 and 3 nearest-upsampled to layer 1's size (PyTorch's {@code F.interpolate(mode="nearest")}: source
     * index {@code floor(dst * in / out)}), concatenated after layer 1, every position L2-normalised (a zero vector
     * stays zero).
     */
    static Features combine(Layer l1, Layer l2, Layer l3) {
        int h = l1.height();
        int w = l1.width();
        int p = h * w;
        int channels = l1.channels() + l2.channels() + l3.channels();
        float[] out = new float[channels * p];
        int c0 = 0;
        for (Layer l : new Layer[] {l1, l2, l3}) {
            int[] sy = nearestIndex(l.height(), h);
            int[] sx = nearestIndex(l.width(), w);
            for (int c = 0; c < l.channels(); c++) {
                int src = c * l.height() * l.width();
                int dst = (c0 + c) * p;
                for (int y = 0; y < h; y++) {
                    int row = src + sy[y] * l.width();
                    for (int x = 0; x < w; x++) {
                        out[dst + y * w + x] = l.chw()[row + sx[x]];
                    }
                }
            }
            c0 += l.channels();
        }
        double[] squares = new double[p];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < p; i++) {
                double v = out[c * p + i];
                squares[i] += v * v;
            }
        }
        for (int i = 0; i < p; i++) {
            float inv = squares[i] > 0 ? (float) (1 / Math.sqrt(squares[i])) : 0f;
            for (int c = 0; c < channels; c++) {
                out[c * p + i] *= inv;
            }
        }
        return new Features(out, channels, h, w);
    }

    private static int[] nearestIndex(int in, int out) {
        int[] idx = new int[out];
        for (int i = 0; i < out; i++) {
            idx[i] = Math.min(in - 1, (int) Math.floor(i * (double) in / out));
        }
        return idx;
    }

    /** Bilinear resize at half-pixel centres, borders clamped, no antialiasing. */
    static float[] bilinear(float[] src, int sw, int sh, int dw, int dh) {
        float[] out = new float[dw * dh];
        double scaleX = (double) sw / dw;
        double scaleY = (double) sh / dh;
        for (int y = 0; y < dh; y++) {
            double fy = Math.max(0, (y + 0.5) * scaleY - 0.5);
            int y0 = Math.min((int) fy, sh - 1);
            int y1 = Math.min(y0 + 1, sh - 1);
            float wy = (float) (fy - y0);
            for (int x = 0; x < dw; x++) {
                double fx = Math.max(0, (x + 0.5) * scaleX - 0.5);
                int x0 = Math.min((int) fx, sw - 1);
                int x1 = Math.min(x0 + 1, sw - 1);
                float wx = (float) (fx - x0);
                float top = src[y0 * sw + x0] + (src[y0 * sw + x1] - src[y0 * sw + x0]) * wx;
                float bottom = src[y1 * sw + x0] + (src[y1 * sw + x1] - src[y1 * sw + x0]) * wx;
                out[y * dw + x] = top + (bottom - top) * wy;
            }
        }
        return out;
    }

    private static Path verifiedLocalFile(ModelManifest m, Path manifestFile) throws IOException {
        return ModelStore.verifiedLocalFile(m, manifestFile, "WideResNet50",
                "re-run models/export/export_wideresnet50.py, which writes the graph and its manifest together");
    }

    @Override
    public void close() {
        session.close();
    }
}
