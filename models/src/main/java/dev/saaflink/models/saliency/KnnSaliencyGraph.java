package dev.saaflink.models.saliency;

import dev.saaflink.models.onnx.OnnxGraphBuilder;

/**
 * The kNN self-similarity saliency (reference section 9.2; the saliency prompt P^S) as an ONNX graph, so that it runs
 * in ONNX Runtime, on a GPU when the session has one. Same definition as the plain-Java
 * {@code dev.saaflink.operators.saa.SelfSimilaritySaliency}:
 * <ol>
 *   <li>input {@value #FEATURES} float [C, P], channel-major (the layout of an encoder's C x H x W output with
 *       P = H * W); each position's vector is L2-normalised in the graph (zero vectors stay zero);</li>
 *   <li>cosines {@code S = X^T X} (P x P, MatMul);</li>
 *   <li>{@link Mode#FARTHEST}: the mean of each row's {@value #K} smallest cosines (the largest distances; the
 *       position itself is a candidate). {@link Mode#NEAREST}: each row's {@value #K} largest cosines, of which the
 *       largest is dropped before averaging: that one is the position itself, whose cosine 1 is the row maximum
 *       (for a zero vector the whole row is 0, so which one is dropped does not matter);</li>
 *   <li>output {@value #SALIENCY} float [P]: the mean distance {@code scale * (1 - mean cosine)}, where
 *       {@code scale} is the float [1] input {@value #SCALE}: 0.5 as coded, 1.0 in the paper (reference section 12,
 *       D3; {@link #CODE_SCALE}, {@link #PAPER_SCALE}).</li>
 * </ol>
 * The number of neighbours is the int64 [1] input {@value #K}: n for FARTHEST and n + 1 for NEAREST, with n already
 * clamped to the candidates (P, resp. P - 1); {@link OnnxKnnSaliency} does this. TopK runs unsorted (only the sum is
 * needed). Working memory is the P x P cosine matrix: 64 MB at 64x64 positions.
 */
public final class KnnSaliencyGraph {

    /** Which distances a position averages (reference section 9, discrepancy D4). */
    public enum Mode {
        /** As coded: the n largest distances, the position itself among the candidates. */
        FARTHEST,
        /** As in the paper: the n smallest distances to other positions. */
        NEAREST
    }

    public static final String FEATURES = "features";
    public static final String K = "k";
    public static final String SALIENCY = "saliency";
    /** Float [1] input: the distance scale, d = scale * (1 - cos). */
    public static final String SCALE = "scale";

    /** The official code's distance scale: 0.5 * (1 - cos) (reference section 12, D3). */
    public static final float CODE_SCALE = 0.5f;
    /** The paper's distance scale: 1 - cos (Eq. 5). */
    public static final float PAPER_SCALE = 1.0f;

    /** Norms below this count as zero vectors (they stay zero, as in the Java version). */
    static final float MIN_NORM = 1e-30f;

    private KnnSaliencyGraph() {
    }

    /** The model bytes for one mode; inputs and P, C are symbolic, so one graph serves every feature map size. */
    public static byte[] build(Mode mode) {
        OnnxGraphBuilder g = OnnxGraphBuilder.create("knn-saliency-" + mode.name().toLowerCase(java.util.Locale.ROOT))
                .opset(17)
                .floatInput(FEATURES, "C", "P")
                .int64Input(K, 1)
                .floatInput(SCALE, 1)
                .floatInitializer("min_norm", new float[] {MIN_NORM})
                .floatInitializer("one", new float[] {1f});
        g.node("ReduceSumSquare", FEATURES).outputs("sq_norm").attrInts("axes", 0).attr("keepdims", 1);
        g.node("Sqrt", "sq_norm").outputs("norm");
        g.node("Max", "norm", "min_norm").outputs("norm_safe");
        g.node("Div", FEATURES, "norm_safe").outputs("unit");                 // [C, P]
        g.node("Transpose", "unit").outputs("unit_t").attrInts("perm", 1, 0); // [P, C]
        g.node("MatMul", "unit_t", "unit").outputs("cos");                    // [P, P]
        if (mode == Mode.FARTHEST) {
            g.node("TopK", "cos", K).outputs("picked", "picked_at").attr("axis", 1).attr("largest", 0).attr("sorted", 0);
            g.node("ReduceMean", "picked").outputs("mean_cos").attrInts("axes", 1).attr("keepdims", 0);
        } else {
            g.int64Initializer("axis1", new long[] {1}, 1);
            g.node("TopK", "cos", K).outputs("picked", "picked_at").attr("axis", 1).attr("largest", 1).attr("sorted", 0);
            g.node("ReduceSum", "picked", "axis1").outputs("sum_cos").attr("keepdims", 0);
            g.node("ReduceMax", "picked").outputs("self_cos").attrInts("axes", 1).attr("keepdims", 0);
            g.node("Sub", "sum_cos", "self_cos").outputs("others_sum");
            g.node("Cast", K).outputs("k_float").attr("to", 1);
            g.node("Sub", "k_float", "one").outputs("others_count");
            g.node("Div", "others_sum", "others_count").outputs("mean_cos");
        }
        g.node("Sub", "one", "mean_cos").outputs("one_minus");
        g.node("Mul", "one_minus", SCALE).outputs(SALIENCY);
        return g.floatOutput(SALIENCY, "P").toBytes();
    }
}
