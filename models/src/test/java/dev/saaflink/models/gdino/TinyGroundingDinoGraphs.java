package dev.saaflink.models.gdino;

import dev.saaflink.models.onnx.OnnxGraphBuilder;
import dev.saaflink.models.onnx.proto.TensorProto.DataType;
import dev.saaflink.models.store.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tiny graphs with GroundingDINO's export contract (models/README.md): the same tensor names, element types and
 * ranks, but outputs computed by a few ops so that every value is known.
 * <ul>
 *   <li>{@code pred_logits[0, q, p] = sign[q] * (input_ids[p] + 100 position_ids[p] + 1000 rowSum(attention_mask)[p]
 *       + 10000 text_token_mask[p] + 100000 token_type_ids[p])}, sign = (+1, -1): each text tensor shows up in its
 *       own decimal digit;</li>
 *   <li>{@code pred_boxes[0, q] = sigmoid(mean(samples[c=0]), mean(samples[c=1]), mean(samples[c=2]), width)} for
 *       every query: the normalised image reaches the model.</li>
 * </ul>
 * The split variant computes the image part in a backbone ({@code img_means}, {@code img_width}, plus an output the
 * head does not take) and the rest in the head.
 */
final class TinyGroundingDinoGraphs {

    static final int QUERIES = 2;

    private TinyGroundingDinoGraphs() {
    }

    /** The single-graph export; {@code textLength} 0 = dynamic text length, else fixed. */
    static byte[] single(int frameW, int frameH, int textLength) {
        OnnxGraphBuilder g = OnnxGraphBuilder.create("tiny-gdino");
        g.floatInput("samples", 1, 3, frameH, frameW);
        textInputs(g, textLength);
        imagePart(g, "img_means", "img_width");
        head(g, textLength);
        return g.toBytes();
    }

    static byte[] backbone(int frameW, int frameH) {
        OnnxGraphBuilder g = OnnxGraphBuilder.create("tiny-gdino-backbone");
        g.floatInput("samples", 1, 3, frameH, frameW);
        imagePart(g, "img_means", "img_width");
        g.node("Identity", "img_means").outputs("not_for_head");
        g.floatOutput("img_means", 1, 3).floatOutput("img_width", 1, 1).floatOutput("not_for_head", 1, 3);
        return g.toBytes();
    }

    static byte[] head() {
        OnnxGraphBuilder g = OnnxGraphBuilder.create("tiny-gdino-head");
        g.floatInput("img_means", 1, 3).floatInput("img_width", 1, 1);
        textInputs(g, 0);
        head(g, 0);
        return g.toBytes();
    }

    private static void textInputs(OnnxGraphBuilder g, int textLength) {
        Object l = textLength > 0 ? (Object) textLength : "L";
        g.int64Input("input_ids", 1, l)
                .input("attention_mask", DataType.BOOL, 1, l, l)
                .int64Input("position_ids", 1, l)
                .int64Input("token_type_ids", 1, l)
                .input("text_token_mask", DataType.BOOL, 1, l);
    }

    private static void imagePart(OnnxGraphBuilder g, String means, String width) {
        g.node("ReduceMean", "samples").attrInts("axes", 2, 3).attr("keepdims", 0L).outputs(means);
        g.int64Initializer("idx_w", new long[] {3}, 1);
        g.int64Initializer("shape_11", new long[] {1, 1}, 2);
        g.node("Shape", "samples").outputs("shape");
        g.node("Gather", "shape", "idx_w").attr("axis", 0L).outputs("w_i");
        g.node("Cast", "w_i").attr("to", (long) DataType.FLOAT.getNumber()).outputs("w_f");
        g.node("Reshape", "w_f", "shape_11").outputs(width);
    }

    private static void head(OnnxGraphBuilder g, int textLength) {
        long f = DataType.FLOAT.getNumber();
        g.node("Cast", "input_ids").attr("to", f).outputs("ids_f");
        g.node("Cast", "position_ids").attr("to", f).outputs("pos_f");
        g.node("Cast", "token_type_ids").attr("to", f).outputs("tt_f");
        g.node("Cast", "text_token_mask").attr("to", f).outputs("tm_f");
        g.node("Cast", "attention_mask").attr("to", f).outputs("am_f");
        g.int64Initializer("axis2", new long[] {2}, 1);
        g.int64Initializer("axis1", new long[] {1}, 1);
        g.node("ReduceSum", "am_f", "axis2").attr("keepdims", 0L).outputs("rows");
        g.floatInitializer("c100", new float[] {100f});
        g.floatInitializer("c1000", new float[] {1000f});
        g.floatInitializer("c10000", new float[] {10000f});
        g.floatInitializer("c100000", new float[] {100000f});
        g.node("Mul", "pos_f", "c100").outputs("pos_s");
        g.node("Mul", "rows", "c1000").outputs("rows_s");
        g.node("Mul", "tm_f", "c10000").outputs("tm_s");
        g.node("Mul", "tt_f", "c100000").outputs("tt_s");
        g.node("Add", "ids_f", "pos_s").outputs("v1");
        g.node("Add", "v1", "rows_s").outputs("v2");
        g.node("Add", "v2", "tm_s").outputs("v3");
        g.node("Add", "v3", "tt_s").outputs("v");
        g.node("Unsqueeze", "v", "axis1").outputs("v_q");
        g.floatInitializer("sign", new float[] {1f, -1f}, 1, QUERIES, 1);
        g.node("Mul", "v_q", "sign").outputs("pred_logits");

        g.node("Concat", "img_means", "img_width").attr("axis", 1L).outputs("feat");
        g.node("Sigmoid", "feat").outputs("feat_s");
        g.node("Unsqueeze", "feat_s", "axis1").outputs("box1");
        g.int64Initializer("tile", new long[] {1, QUERIES, 1}, 3);
        g.node("Tile", "box1", "tile").outputs("pred_boxes");

        Object l = textLength > 0 ? (Object) textLength : "L";
        g.floatOutput("pred_logits", 1, QUERIES, l).floatOutput("pred_boxes", 1, QUERIES, 4);
    }

    /** Writes {@code name}.onnx and its manifest {@code name}.properties (with the file's sha256 and size). */
    static Path writeModel(Path dir, String name, byte[] onnx, String extraProperties) throws IOException {
        Path file = dir.resolve(name + ".onnx");
        Files.write(file, onnx);
        String manifest = "id=test/" + name + "\n"
                + "file=" + name + ".onnx\n"
                + "sha256=" + ModelStore.sha256(file) + "\n"
                + "bytes=" + onnx.length + "\n"
                + extraProperties;
        Path m = dir.resolve(name + ".properties");
        Files.writeString(m, manifest);
        return m;
    }

    /** The image keys of a fixed-frame export with GroundingDINO's normalisation. */
    static String imageKeys(int frameW, int frameH) {
        return "input.width=" + frameW + "\ninput.height=" + frameH + "\ninput.colorOrder=RGB\n"
                + "input.mean=123.675,116.28,103.53\ninput.std=58.395,57.12,57.375\n";
    }
}
