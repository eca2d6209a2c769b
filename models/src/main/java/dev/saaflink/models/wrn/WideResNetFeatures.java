package dev.saaflink.models.wrn;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.runtime.OrtSessions;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.runtime.SharedSession;
import dev.saaflink.models.store.ModelIntegrityException;
import dev.saaflink.models.store.ModelManifest;
import dev.saaflink.models.store.ModelStore;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * WideResNet50-2 feature maps for the saliency prompt (reference sections 4 and 9.2), from a user-provided ONNX
 * export (models.md contract: input [B, 3, H, W] normalised image, outputs layer1/2/3 with 256/512/1024 channels at
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
 * model file is checked against the manifest's sha256 and size at open. Thread-safe.
 */
public final class WideResNetFeatures implements AutoCloseable {

    /** Concatenated, normalised features: channel-major {@code chw[c * h * w + y * w + x]}. */
    public record Features(float[] chw, int channels, int height, int width) {
    }

    private final ModelManifest manifest;
    private final SharedSession session;
    private final int size;
    private final float[] mean;
    private final float[] std;
    private final boolean modelBgr;
    private final String input;
    private final List<String> outputs;

    WideResNetFeatures(ModelManifest manifest, SharedSession session) {
        this.manifest = manifest;
        this.session = session;
        this.size = manifest.requireInputSize();
        double[] mn = manifest.mean();
        double[] sd = manifest.std();
        if (mn == null || sd == null) {
            throw new IllegalArgumentException("manifest " + manifest.id() + " (" + manifest.source()
                    + ") lacks input.mean / input.std (ImageNet: 123.675,116.28,103.53 / 58.395,57.12,57.375)");
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

    /** Features of one image; {@code bgrQuirk} feeds the channels swapped, as the reference code does (Q1). */
    public Features features(RgbImage image, boolean bgrQuirk) throws OrtException {
        return run(preprocess(image, bgrQuirk));
    }

    /** The model's input for one image: [3, size, size], resized, channel order applied, normalised. */
    public float[] preprocess(RgbImage image, boolean bgrQuirk) {
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
        try (OnnxTensor x = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(chw),
                new long[] {1, 3, size, size});
             OrtSession.Result r = session.session().run(Map.of(input, x))) {
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
        if (m.isFetchable()) {
            throw new IllegalArgumentException("manifest " + m.source() + " describes an npm package; WideResNet50"
                    + " manifests name a local file (key 'file', no npm keys)");
        }
        Path f = m.localFile(manifestFile);
        if (!Files.isRegularFile(f)) {
            throw new IOException("model file " + f + " named by manifest " + m.source() + " does not exist");
        }
        long bytes = Files.size(f);
        String sha = ModelStore.sha256(f);
        if (bytes != m.sizeBytes() || !sha.equals(m.sha256())) {
            throw new ModelIntegrityException("model file " + f + " does not match manifest " + m.source()
                    + ": expected sha256 " + m.sha256() + " and " + m.sizeBytes() + " bytes, found " + sha + " and "
                    + bytes + " bytes");
        }
        return f;
    }

    @Override
    public void close() {
        session.close();
    }
}
