package dev.saaflink.models.gdino;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.runtime.OrtSessions;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.runtime.SharedSession;
import dev.saaflink.models.store.ModelManifest;
import dev.saaflink.models.store.ModelStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GroundingDINO on ONNX Runtime, for a user-provided export described by a model manifest (models/README.md,
 * section "GroundingDINO"). Two export layouts:
 * <ul>
 *   <li><b>single</b> ({@code layout=single}, the default): one graph, image + text tensors in, logits and boxes out.
 *       {@link #encodeImage} only pre-processes; each {@link #predict} runs the whole model;</li>
 *   <li><b>split</b> ({@code layout=split}): the manifest describes the text-conditioned head, and
 *       {@code backbone.manifest} names the manifest of the image backbone (image in, feature tensors out).
 *       {@link #encodeImage} runs the backbone once; every {@link #predict} feeds its outputs, matched by tensor name,
 *       to the head with one caption's text tensors. Same results, one backbone pass per image instead of one per
 *       prompt (reference §5.6, quirk Q11).</li>
 * </ul>
 * Tensor names per role come from the manifest ({@code tensor.<role>}, defaults in {@link Role}); roles the graph
 * does not have as inputs are skipped (an export may compute e.g. {@code token_type_ids} itself), and each text
 * tensor is built in the element type the graph declares (int64, int32, bool or float). When the graph fixes the
 * text length, captions are padded to it. The vocabulary is {@code text.vocab} next to the manifest.
 *
 * <p>Every model file is checked against its manifest's sha256 and size at open. Thread-safe: sessions are shared
 * per JVM through {@link OrtSessions}.
 */
public final class GroundingDino implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroundingDino.class);

    /** Tensor roles and their default names (those of the export script and of common community exports). */
    public enum Role {
        IMAGE("image", "samples"),
        INPUT_IDS("inputIds", "input_ids"),
        /** The L x L sub-phrase self-attention mask; GroundingDINO passes it to BERT as its attention mask. */
        SELF_ATTENTION_MASK("selfAttentionMask", "attention_mask"),
        POSITION_IDS("positionIds", "position_ids"),
        TOKEN_TYPE_IDS("tokenTypeIds", "token_type_ids"),
        /** The 1 x L real-token mask (the tokenizer's attention mask). */
        TEXT_TOKEN_MASK("textTokenMask", "text_token_mask"),
        LOGITS("logits", "pred_logits"),
        BOXES("boxes", "pred_boxes");

        final String key;
        final String defaultName;

        Role(String key, String defaultName) {
            this.key = key;
            this.defaultName = defaultName;
        }

        String name(ModelManifest m) {
            return m.property("tensor." + key).orElse(defaultName);
        }
    }

    /** Export layouts ({@code layout} key). */
    public enum Layout { SINGLE, SPLIT }

    private final ModelManifest manifest;
    private final ModelManifest backboneManifest;
    private final Layout layout;
    private final SharedSession head;
    private final SharedSession backbone;
    private final WordPieceTokenizer tokenizer;
    private final GroundingDinoPreprocessor pre;
    private final Map<Role, String> names = new HashMap<>();
    private final int maxTextLength;
    private final int fixedTextLength;

    private GroundingDino(ModelManifest manifest, ModelManifest backboneManifest, SharedSession head,
                          SharedSession backbone, WordPieceTokenizer tokenizer) throws OrtException {
        this.manifest = manifest;
        this.backboneManifest = backboneManifest;
        this.layout = backbone == null ? Layout.SINGLE : Layout.SPLIT;
        this.head = head;
        this.backbone = backbone;
        this.tokenizer = tokenizer;
        ModelManifest imageManifest = backbone == null ? manifest : backboneManifest;
        this.pre = new GroundingDinoPreprocessor(imageManifest);
        for (Role r : Role.values()) {
            names.put(r, r.name(r == Role.IMAGE ? imageManifest : manifest));
        }
        Map<String, NodeInfo> headInputs = head.session().getInputInfo();
        requireTensor(headInputs.keySet(), Role.INPUT_IDS, manifest);
        requireTensor(head.session().getOutputNames(), Role.LOGITS, manifest);
        requireTensor(head.session().getOutputNames(), Role.BOXES, manifest);
        if (backbone == null) {
            requireTensor(headInputs.keySet(), Role.IMAGE, manifest);
        } else {
            requireTensor(backbone.session().getInputInfo().keySet(), Role.IMAGE, backboneManifest);
            List<String> fed = new ArrayList<>(backbone.session().getOutputNames());
            fed.retainAll(headInputs.keySet());
            if (fed.isEmpty()) {
                throw new IllegalArgumentException("split export: no output of the backbone "
                        + backbone.session().getOutputNames() + " is an input of the head " + headInputs.keySet());
            }
        }
        long[] idsShape = ((TensorInfo) headInputs.get(names.get(Role.INPUT_IDS)).getInfo()).getShape();
        this.fixedTextLength = idsShape.length == 2 && idsShape[1] > 0 ? (int) idsShape[1] : 0;
        int configured = Integer.parseInt(manifest.property("text.maxLength")
                .orElse(String.valueOf(TextInputs.DEFAULT_MAX_TEXT_LENGTH)));
        this.maxTextLength = fixedTextLength > 0 ? Math.min(configured, fixedTextLength) : configured;
    }

    /**
     * Opens the model a GroundingDINO manifest file describes (single graph, or the head of a split export), verifying
     * every file it names.
     */
    public static GroundingDino open(Path manifestFile, SessionSettings settings) throws IOException, OrtException {
        ModelManifest m = ModelManifest.fromFile(manifestFile);
        Layout layout = layoutOf(m);
        Path onnx = verifiedLocalFile(m, manifestFile);
        Path vocab = vocabFile(m, manifestFile);
        WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocabFile(vocab);
        ModelManifest bm = null;
        Path backboneOnnx = null;
        if (layout == Layout.SPLIT) {
            Path bmFile = backboneManifestFile(m, manifestFile);
            bm = ModelManifest.fromFile(bmFile);
            backboneOnnx = verifiedLocalFile(bm, bmFile);
        }
        SharedSession head = OrtSessions.acquire(onnx, settings);
        SharedSession backbone = null;
        try {
            if (backboneOnnx != null) {
                backbone = OrtSessions.acquire(backboneOnnx, settings);
            }
            GroundingDino g = new GroundingDino(m, bm, head, backbone, tokenizer);
            LOG.info("GroundingDINO {} ({} export, text length {}{}) ready", g.modelId(),
                    layout.name().toLowerCase(Locale.ROOT), g.maxTextLength, g.fixedTextLength > 0 ? ", fixed" : "");
            return g;
        } catch (RuntimeException | OrtException e) {
            head.close();
            if (backbone != null) {
                backbone.close();
            }
            throw e;
        }
    }

    /** The files a GroundingDINO manifest needs, checked for existence only (for start-up validation). */
    public static List<Path> requiredFiles(Path manifestFile) throws IOException {
        ModelManifest m = ModelManifest.fromFile(manifestFile);
        List<Path> files = new ArrayList<>();
        files.add(m.localFile(manifestFile));
        files.add(vocabFile(m, manifestFile));
        if (layoutOf(m) == Layout.SPLIT) {
            Path bmFile = backboneManifestFile(m, manifestFile);
            files.add(bmFile);
            if (Files.isRegularFile(bmFile)) {
                files.add(ModelManifest.fromFile(bmFile).localFile(bmFile));
            }
        }
        return files;
    }

    /**
     * Role to model id ({@code groundingDino}, plus {@code groundingDinoBackbone} for a split export) from the
     * manifests alone, without opening anything: for provenance where the model is not loaded (the job client).
     */
    public static Map<String, String> modelIds(Path manifestFile) throws IOException {
        ModelManifest m = ModelManifest.fromFile(manifestFile);
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put("groundingDino", m.modelId());
        if (layoutOf(m) == Layout.SPLIT) {
            ids.put("groundingDinoBackbone", ModelManifest.fromFile(backboneManifestFile(m, manifestFile)).modelId());
        }
        return ids;
    }

    static Layout layoutOf(ModelManifest m) {
        String v = m.property("layout").orElse("single").toLowerCase(Locale.ROOT);
        return switch (v) {
            case "single" -> Layout.SINGLE;
            case "split" -> Layout.SPLIT;
            default -> throw new IllegalArgumentException("manifest " + m.source() + ": layout must be 'single' or"
                    + " 'split', got '" + v + "'");
        };
    }

    private static Path vocabFile(ModelManifest m, Path manifestFile) {
        return manifestFile.toAbsolutePath().getParent().resolve(m.property("text.vocab").orElse("vocab.txt"));
    }

    private static Path backboneManifestFile(ModelManifest m, Path manifestFile) {
        String name = m.property("backbone.manifest").orElseThrow(() -> new IllegalArgumentException(
                "manifest " + m.source() + ": layout=split needs backbone.manifest (the image backbone's manifest)"));
        return manifestFile.toAbsolutePath().getParent().resolve(name);
    }

    private static Path verifiedLocalFile(ModelManifest m, Path manifestFile) throws IOException {
        return ModelStore.verifiedLocalFile(m, manifestFile, "GroundingDINO",
                "re-run the export script, which writes the graph and its manifest together");
    }

    private void requireTensor(java.util.Collection<String> have, Role role, ModelManifest m) {
        String name = names.get(role);
        if (!have.contains(name)) {
            throw new IllegalArgumentException("GroundingDINO graph of manifest " + m.id() + " has no tensor '" + name
                    + "' (role " + role.key + "; set tensor." + role.key + " in the manifest); it has " + have);
        }
    }

    public Layout layout() {
        return layout;
    }

    public WordPieceTokenizer tokenizer() {
        return tokenizer;
    }

    /** Manifest id plus hash prefix of the head (or single graph); see {@link #modelIds()} for every file. */
    public String modelId() {
        return manifest.modelId();
    }

    /** Role to model id: {@code groundingDino}, plus {@code groundingDinoBackbone} for a split export. */
    public Map<String, String> modelIds() {
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put("groundingDino", manifest.modelId());
        if (backboneManifest != null) {
            ids.put("groundingDinoBackbone", backboneManifest.modelId());
        }
        return ids;
    }

    /** Text positions the model gets at most (GroundingDINO: 256). */
    public int maxTextLength() {
        return maxTextLength;
    }

    /** The text tensors for a caption, padded to the graph's fixed text length when it has one. */
    public TextInputs textInputs(String caption) {
        return TextInputs.of(tokenizer, caption, maxTextLength, fixedTextLength);
    }

    /** The model frame an image of this size is resized to, {@code {w, h}}. */
    public int[] modelFrameSize(int width, int height) {
        return pre.targetSize(width, height);
    }

    /**
     * The image part of the work, done once per frame: pre-processing, plus the backbone for a split export. Close
     * the result when the frame's prompts are done.
     */
    public ImageFeatures encodeImage(RgbImage img) throws OrtException {
        GroundingDinoPreprocessor.DinoImage d = pre.preprocess(img);
        OrtEnvironment env = OrtSessions.environment();
        OnnxTensor image = OnnxTensor.createTensor(env, FloatBuffer.wrap(d.chw()), d.shape());
        if (backbone == null) {
            return new ImageFeatures(Map.of(names.get(Role.IMAGE), image), null, image);
        }
        try (OnnxTensor in = image) {
            OrtSession.Result r = backbone.run(Map.of(names.get(Role.IMAGE), in));
            Map<String, OnnxTensor> features = new LinkedHashMap<>();
            Map<String, NodeInfo> headInputs = head.session().getInputInfo();
            for (Map.Entry<String, OnnxValue> e : r) {
                if (headInputs.containsKey(e.getKey())) {
                    features.put(e.getKey(), (OnnxTensor) e.getValue());
                }
            }
            return new ImageFeatures(features, r, null);
        }
    }

    /** One text-conditioned forward pass on an encoded image. */
    public GroundingDinoOutput predict(ImageFeatures image, TextInputs text) throws OrtException {
        image.checkOpen();
        Map<String, NodeInfo> inputs = head.session().getInputInfo();
        Map<String, OnnxTensor> feed = new HashMap<>(image.tensors);
        List<OnnxTensor> owned = new ArrayList<>();
        try {
            int l = text.length();
            addText(feed, owned, inputs, Role.INPUT_IDS, text.inputIds(), new long[] {1, l});
            addText(feed, owned, inputs, Role.TOKEN_TYPE_IDS, text.tokenTypeIds(), new long[] {1, l});
            addText(feed, owned, inputs, Role.POSITION_IDS, text.positionIds(), new long[] {1, l});
            addText(feed, owned, inputs, Role.TEXT_TOKEN_MASK, text.tokenMask(), new long[] {1, l});
            boolean[] sa = text.selfAttentionMask();
            long[] saLong = new long[sa.length];
            for (int i = 0; i < sa.length; i++) {
                saLong[i] = sa[i] ? 1 : 0;
            }
            addText(feed, owned, inputs, Role.SELF_ATTENTION_MASK, saLong, new long[] {1, l, l});
            Map<String, OnnxTensor> missing = new HashMap<>();
            for (String name : inputs.keySet()) {
                if (!feed.containsKey(name)) {
                    missing.put(name, null);
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("GroundingDINO graph " + manifest.id() + " wants inputs "
                        + missing.keySet() + " that no role or backbone output provides");
            }
            try (OrtSession.Result r = head.run(feed)) {
                return readOutput(r);
            }
        } finally {
            for (OnnxTensor t : owned) {
                t.close();
            }
        }
    }

    /**
     * {@link #predict} on {@code caption}, then the SAA+ filters of {@link DetectionFilter}.
     */
    public List<Detection> detect(ImageFeatures image, String caption, DetectionFilter filter, double maxArea,
                                  double minArea, String filterWord) throws OrtException {
        TextInputs text = textInputs(caption);
        return filter.filter(predict(image, text), text, tokenizer, maxArea, minArea, filterWord);
    }

    private GroundingDinoOutput readOutput(OrtSession.Result r) throws OrtException {
        OnnxTensor logits = output(r, Role.LOGITS);
        OnnxTensor boxes = output(r, Role.BOXES);
        long[] ls = logits.getInfo().getShape();
        long[] bs = boxes.getInfo().getShape();
        if (ls.length != 3 || ls[0] != 1 || bs.length != 3 || bs[0] != 1 || bs[2] != 4 || bs[1] != ls[1]) {
            throw new IllegalStateException("GroundingDINO outputs have shapes " + Arrays.toString(ls) + " and "
                    + Arrays.toString(bs) + ", expected [1,Q,T] and [1,Q,4]");
        }
        return new GroundingDinoOutput(floats(logits), floats(boxes), (int) ls[1], (int) ls[2]);
    }

    private OnnxTensor output(OrtSession.Result r, Role role) {
        Optional<OnnxValue> v = r.get(names.get(role));
        if (v.isEmpty() || !(v.get() instanceof OnnxTensor t)) {
            throw new IllegalStateException("GroundingDINO produced no tensor '" + names.get(role) + "'");
        }
        return t;
    }

    private static float[] floats(OnnxTensor t) {
        FloatBuffer fb = t.getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }

    private void addText(Map<String, OnnxTensor> feed, List<OnnxTensor> owned, Map<String, NodeInfo> inputs,
                         Role role, long[] values, long[] shape) throws OrtException {
        String name = names.get(role);
        NodeInfo info = inputs.get(name);
        if (info == null) {
            return; // the export does not take this tensor
        }
        TensorInfo ti = (TensorInfo) info.getInfo();
        OnnxTensor t = tensor(ti.type, values, shape, name);
        owned.add(t);
        feed.put(name, t);
    }

    /** A tensor of the element type the graph declares. */
    static OnnxTensor tensor(OnnxJavaType type, long[] values, long[] shape, String name) throws OrtException {
        OrtEnvironment env = OrtSessions.environment();
        switch (type) {
            case INT64:
                return OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape);
            case INT32: {
                int[] v = new int[values.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = Math.toIntExact(values[i]);
                }
                return OnnxTensor.createTensor(env, IntBuffer.wrap(v), shape);
            }
            case BOOL: {
                ByteBuffer b = ByteBuffer.allocateDirect(values.length).order(ByteOrder.nativeOrder());
                for (long v : values) {
                    b.put((byte) (v != 0 ? 1 : 0));
                }
                b.rewind();
                return OnnxTensor.createTensor(env, b, shape, OnnxJavaType.BOOL);
            }
            case FLOAT: {
                float[] v = new float[values.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = values[i];
                }
                return OnnxTensor.createTensor(env, FloatBuffer.wrap(v), shape);
            }
            default:
                throw new IllegalArgumentException("input '" + name + "' has element type " + type
                        + "; text tensors must be int64, int32, bool or float");
        }
    }

    @Override
    public void close() {
        head.close();
        if (backbone != null) {
            backbone.close();
        }
    }

    /**
     * One frame's image-side tensors: the pre-processed image (single export) or the backbone's outputs (split export).
     * Not thread-safe; close it when the frame's prompts are done.
     */
    public static final class ImageFeatures implements AutoCloseable {
        private final Map<String, OnnxTensor> tensors;
        private final OrtSession.Result result;
        private final OnnxTensor image;
        private boolean closed;

        ImageFeatures(Map<String, OnnxTensor> tensors, OrtSession.Result result, OnnxTensor image) {
            this.tensors = tensors;
            this.result = result;
            this.image = image;
        }

        /** Names of the tensors fed to the text-conditioned graph. */
        public java.util.Set<String> names() {
            return tensors.keySet();
        }

        void checkOpen() {
            if (closed) {
                throw new IllegalStateException("image features were already closed");
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (result != null) {
                result.close();
            }
            if (image != null) {
                image.close();
            }
        }
    }
}
