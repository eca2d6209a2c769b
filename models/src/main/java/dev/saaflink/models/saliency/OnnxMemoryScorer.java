package dev.saaflink.models.saliency;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.saaflink.models.runtime.OrtSessions;
import dev.saaflink.models.runtime.SessionSettings;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;

/**
 * Runs {@link MemoryScoringGraph} in an ONNX Runtime session built from the graph's bytes: each query patch is
 * scored by the mean of its k smallest per-frame nearest-patch distances to a memory of earlier frames (see the
 * graph for the definition and cost, {@link MemoryScoring} for the plain-Java equivalent). The graph has no weights,
 * so each holder keeps its own session; {@link #score} may be called from several threads.
 */
public final class OnnxMemoryScorer implements AutoCloseable {

    private final GraphSession session;

    private OnnxMemoryScorer(GraphSession session) {
        this.session = session;
    }

    /** A session with these settings (threads, execution provider). */
    public static OnnxMemoryScorer open(SessionSettings settings) throws OrtException {
        return new OnnxMemoryScorer(GraphSession.open(MemoryScoringGraph.build(), settings));
    }

    /**
     * The score of every query patch; same arguments and result as
     * {@link MemoryScoring#score(float[], int, int, float[], int, int, int)}.
     *
     * @param queryPc query features [P, C], position-major ({@code queryPc[p * channels + c]}), not necessarily
     *     normalised
     * @param positions P, at least 1
     * @param channels C, at least 1
     * @param memoryMcs memory features [M, C, S], channel-major per frame ({@code memoryMcs[(m * channels + c) *
     *     perFrame + s]}), columns of unit length or zero ({@link MemoryScoring#normaliseColumns})
     * @param frames M, at least 1
     * @param perFrame S, patches per memory frame, at least 1
     * @param k how many of the smallest per-frame distances are averaged, 1 &lt;= k &lt;= M
     * @return P scores
     * @throws IllegalArgumentException for a non-positive size, an array whose length does not match the sizes, or
     *     k outside [1, M]
     */
    public float[] score(float[] queryPc, int positions, int channels, float[] memoryMcs, int frames, int perFrame,
                         int k) throws OrtException {
        MemoryScoring.validate(queryPc, positions, channels, memoryMcs, frames, perFrame, k);
        OrtEnvironment env = OrtSessions.environment();
        try (OnnxTensor query = OnnxTensor.createTensor(env, FloatBuffer.wrap(queryPc),
                     new long[] {positions, channels});
             OnnxTensor memory = OnnxTensor.createTensor(env, FloatBuffer.wrap(memoryMcs),
                     new long[] {frames, channels, perFrame});
             OnnxTensor kTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {k}), new long[] {1})) {
            return session.runFirstOutput(Map.of(MemoryScoringGraph.QUERY, query, MemoryScoringGraph.MEMORY, memory,
                    MemoryScoringGraph.K, kTensor), positions);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
