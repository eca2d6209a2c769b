package dev.saaflink.operators.stages;

import dev.saaflink.models.onnx.OnnxGraphBuilder;
import dev.saaflink.models.onnx.proto.TensorProto.DataType;
import dev.saaflink.models.store.ModelStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A tiny model with GroundingDINO's export contract (models/README.md) whose answers are set per vocabulary token:
 * {@code pred_logits[0, q, p] = TOKEN_LOGITS[input_ids[p]][q]} (a Gather on a table) and fixed {@code pred_boxes}.
 * It takes only {@code samples} and {@code input_ids}; the wrapper skips the text tensors a graph does not declare.
 *
 * <pre>
 * query  box (cx, cy, w, h)        area   token logits (others -10, probability ~0)
 *   0    0.5,  0.5,  0.8, 0.5      0.40   mtd +2 (0.881)
 *   1    0.25, 0.25, 0.2, 0.1      0.02   mtd -1 (0.269), black +1 (0.731), crack +0.5 (0.622)
 *   2    0.6,  0.6,  0.5, 0.5      0.25   hole +1.5 (0.818)
 * </pre>
 */
final class TinyDetectorModel {

    static final List<String> VOCAB = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", ".", ",", "?", "mtd", "defect",
            "on", "black", "hole", "crack", "object");
    static final int QUERIES = 3;
    static final float[] BOXES = {
            0.5f, 0.5f, 0.8f, 0.5f,
            0.25f, 0.25f, 0.2f, 0.1f,
            0.6f, 0.6f, 0.5f, 0.5f};

    private TinyDetectorModel() {
    }

    private static float[] table() {
        float[] t = new float[VOCAB.size() * QUERIES];
        Arrays.fill(t, -10f);
        set(t, "mtd", 0, 2f);
        set(t, "mtd", 1, -1f);
        set(t, "black", 1, 1f);
        set(t, "crack", 1, 0.5f);
        set(t, "hole", 2, 1.5f);
        return t;
    }

    private static void set(float[] t, String token, int query, float logit) {
        t[VOCAB.indexOf(token) * QUERIES + query] = logit;
    }

    static byte[] onnx() {
        return OnnxGraphBuilder.create("tiny-detector")
                .floatInput("samples", 1, 3, "h", "w")
                .int64Input("input_ids", 1, "L")
                .floatInitializer("table", table(), VOCAB.size(), QUERIES)
                .floatInitializer("boxes", BOXES, 1, QUERIES, 4)
                .node("Gather", "table", "input_ids").attr("axis", 0L).outputs("per_token").graph()
                .node("Transpose", "per_token").attrInts("perm", 0, 2, 1).outputs("pred_logits").graph()
                .node("Identity", "boxes").outputs("pred_boxes").graph()
                .floatOutput("pred_logits", 1, QUERIES, "L")
                .floatOutput("pred_boxes", 1, QUERIES, 4)
                .toBytes();
    }

    /** Writes the model, its vocabulary and its manifest into {@code dir}; returns the manifest. */
    static Path write(Path dir) throws IOException {
        Path onnx = dir.resolve("tiny-detector.onnx");
        byte[] bytes = onnx();
        Files.write(onnx, bytes);
        Files.writeString(dir.resolve("vocab.txt"), String.join("\n", VOCAB) + "\n", StandardCharsets.UTF_8);
        Path manifest = dir.resolve("tiny-detector.properties");
        Files.writeString(manifest, "id=test/tiny-detector\nfile=tiny-detector.onnx\n"
                + "sha256=" + ModelStore.sha256(onnx) + "\nbytes=" + bytes.length + "\n"
                + "layout=single\ntext.vocab=vocab.txt\n"
                + "input.shortSide=8\ninput.maxSize=16\ninput.colorOrder=RGB\n"
                + "input.mean=123.675,116.28,103.53\ninput.std=58.395,57.12,57.375\n");
        return manifest;
    }
}
