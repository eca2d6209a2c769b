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
 * Runs {@link KnnSaliencyGraph} for one mode in an ONNX Runtime session built from the graph's bytes. The graph has
 * no weights, so each holder keeps its own session; {@link #compute} may be called from several threads.
 */
public final class OnnxKnnSaliency implements AutoCloseable {

    private final KnnSaliencyGraph.Mode mode;
    private final GraphSession session;

    private OnnxKnnSaliency(KnnSaliencyGraph.Mode mode, GraphSession session) {
        this.mode = mode;
        this.session = session;
    }

    /** A session for this mode with these settings (threads, execution provider). */
    public static OnnxKnnSaliency open(KnnSaliencyGraph.Mode mode, SessionSettings settings) throws OrtException {
        return new OnnxKnnSaliency(mode, GraphSession.open(KnnSaliencyGraph.build(mode), settings));
    }

    public KnnSaliencyGraph.Mode mode() {
        return mode;
    }

    /** Saliency of every position with the code's distance 0.5 * (1 - cos); see {@link #compute(float[], int, int, int, float)}. */
    public float[] compute(float[] chw, int channels, int positions, int neighbours) throws OrtException {
        return compute(chw, channels, positions, neighbours, KnnSaliencyGraph.CODE_SCALE);
    }

    /**
     * Saliency of every position.
     *
     * @param chw features, channel-major ({@code chw[c * positions + p]}), not necessarily normalised
     * @param channels C
     * @param positions P
     * @param neighbours distances averaged per position, clamped to the candidates (P for FARTHEST, P - 1 for
     *     NEAREST)
     * @param distanceScale d = distanceScale * (1 - cos): 0.5 as coded, 1.0 in the paper (reference section 12, D3);
     *     finite and positive
     * @return P values; all 0 for a single position in NEAREST mode (no other position)
     */
    public float[] compute(float[] chw, int channels, int positions, int neighbours, float distanceScale)
            throws OrtException {
        if (channels <= 0 || positions <= 0) {
            throw new IllegalArgumentException("channels and positions must be positive: " + channels + ", " + positions);
        }
        if (chw.length != channels * positions) {
            throw new IllegalArgumentException("features have " + chw.length + " values, expected " + channels + "x"
                    + positions);
        }
        if (neighbours <= 0) {
            throw new IllegalArgumentException("neighbours must be positive: " + neighbours);
        }
        if (!(distanceScale > 0) || Float.isInfinite(distanceScale)) {
            throw new IllegalArgumentException("distanceScale must be finite and positive: " + distanceScale);
        }
        int n = Math.min(neighbours, mode == KnnSaliencyGraph.Mode.FARTHEST ? positions : positions - 1);
        if (n == 0) {
            return new float[positions];
        }
        long k = mode == KnnSaliencyGraph.Mode.FARTHEST ? n : n + 1;
        OrtEnvironment env = OrtSessions.environment();
        try (OnnxTensor features = OnnxTensor.createTensor(env, FloatBuffer.wrap(chw), new long[] {channels, positions});
             OnnxTensor kTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {k}), new long[] {1});
             OnnxTensor scaleTensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {distanceScale}),
                     new long[] {1})) {
            return session.runFirstOutput(Map.of(KnnSaliencyGraph.FEATURES, features, KnnSaliencyGraph.K, kTensor,
                    KnnSaliencyGraph.SCALE, scaleTensor), positions);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
