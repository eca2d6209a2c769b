package dev.saaflink.models.saliency;

import dev.saaflink.models.onnx.OnnxGraphBuilder;

/**
 * Mutual scoring of a query frame against a memory of earlier frames (as in MuSc, zero-shot anomaly detection) as a
 * weight-free ONNX graph, so that it runs in ONNX Runtime, on a GPU when the session has one.
 *
 * <p>The idea: a patch of the query frame that looks like some patch of most of the recent frames is normal. For
 * every memory frame the graph takes the distance from the query patch to that frame's nearest patch, and the score
 * is the mean of the {@code k} smallest of these per-frame distances. Averaging only the closest frames (rather than
 * all of them, or only the single closest) keeps the score low for a normal patch even when a few memory frames
 * happen to lack it, and keeps it high for a defect even when a minority of memory frames show the same defect:
 * those few frames give small distances, but with {@code k} above their number the mean still includes frames
 * where the defect is absent.
 *
 * <ol>
 *   <li>input {@value #QUERY} float [P, C], position-major (row p is patch p's feature vector), not normalised:
 *       each row is L2-normalised in the graph, its norm clamped below at {@value #MIN_NORM} so that a zero row
 *       stays zero (its cosine with everything is 0, its score 1);</li>
 *   <li>input {@value #MEMORY} float [M, C, S]: M frames of exactly S patches each, channel-major per frame (the
 *       layout MatMul wants, no transpose), <em>already</em> L2-normalised column by column by the caller (see
 *       {@link MemoryScoring#normaliseColumns}); a zero column is allowed and matches nothing;</li>
 *   <li>cosines: MatMul [P, C] x [M, C, S] with numpy broadcasting gives [M, P, S];</li>
 *   <li>ReduceMax over S gives each frame's best cosine, [M, P]; transposed to [P, M];</li>
 *   <li>TopK (largest, unsorted) with the int64 [1] input {@value #K}, 1 &lt;= k &lt;= M, picks the k largest
 *       cosines, i.e. the k smallest distances {@code d[p, m] = 1 - max_s cos(q_p, mem[m, :, s])};</li>
 *   <li>output {@value #SCORE} float [P]: {@code 1 - mean of the k picked cosines}, which equals the mean of the
 *       k smallest distances.</li>
 * </ol>
 * P, C, M and S are symbolic, so one graph serves every size. The graph does not check {@code k}; ONNX Runtime
 * rejects a k above M, and {@link OnnxMemoryScorer} validates it before the run.
 *
 * <p>Cost: P * M * S * C multiply-adds for the MatMul, which dominates. The working memory is the [M, P, S] cosine
 * tensor: for example 4096 query patches (64 x 64) against 16 frames of 1024 patches (32 x 32) is
 * 4096 x 16 x 1024 floats = 256 MB, on top of the M * C * S memory input itself.
 */
public final class MemoryScoringGraph {

    /** Float [P, C] input: the query frame's patch features, one row per patch, not normalised. */
    public static final String QUERY = "query";
    /** Float [M, C, S] input: the memory frames' patch features, channel-major per frame, unit columns. */
    public static final String MEMORY = "memory";
    /** Int64 [1] input: how many of the smallest per-frame distances are averaged, 1 &lt;= k &lt;= M. */
    public static final String K = "k";
    /** Float [P] output: the mean of the k smallest per-frame nearest-patch distances 1 - cos. */
    public static final String SCORE = "score";

    /** Norms below this count as zero vectors (they stay zero). */
    static final float MIN_NORM = 1e-30f;

    private MemoryScoringGraph() {
    }

    /** The model bytes; all dimensions are symbolic. */
    public static byte[] build() {
        OnnxGraphBuilder g = OnnxGraphBuilder.create("memory-scoring")
                .opset(17)
                .floatInput(QUERY, "P", "C")
                .floatInput(MEMORY, "M", "C", "S")
                .int64Input(K, 1)
                .floatInitializer("min_norm", new float[] {MIN_NORM})
                .floatInitializer("one", new float[] {1f});
        g.node("ReduceSumSquare", QUERY).outputs("sq_norm").attrInts("axes", 1).attr("keepdims", 1); // [P, 1]
        g.node("Sqrt", "sq_norm").outputs("norm");
        g.node("Max", "norm", "min_norm").outputs("norm_safe");
        g.node("Div", QUERY, "norm_safe").outputs("unit");                                      // [P, C]
        g.node("MatMul", "unit", MEMORY).outputs("cos");                                       // [M, P, S]
        g.node("ReduceMax", "cos").outputs("best_cos").attrInts("axes", 2).attr("keepdims", 0); // [M, P]
        g.node("Transpose", "best_cos").outputs("best_cos_t").attrInts("perm", 1, 0);           // [P, M]
        g.node("TopK", "best_cos_t", K).outputs("picked", "picked_at")
                .attr("axis", 1).attr("largest", 1).attr("sorted", 0);                           // [P, k]
        g.node("ReduceMean", "picked").outputs("mean_cos").attrInts("axes", 1).attr("keepdims", 0); // [P]
        g.node("Sub", "one", "mean_cos").outputs(SCORE);
        return g.floatOutput(SCORE, "P").toBytes();
    }
}
