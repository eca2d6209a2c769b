package dev.saaflink.models.saliency;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.saaflink.models.runtime.OrtSessions;
import dev.saaflink.models.runtime.SessionOptionsFactory;
import dev.saaflink.models.runtime.SessionSettings;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * An ONNX Runtime session on a weight-free graph the project builds (the saliency graphs here), with its options:
 * opened together, closed together. Thread-safe like the session it wraps.
 */
final class GraphSession implements AutoCloseable {

    private final OrtSession.SessionOptions options;
    private final OrtSession session;

    private GraphSession(OrtSession.SessionOptions options, OrtSession session) {
        this.options = options;
        this.session = session;
    }

    /** A session on {@code model} with these settings (threads, execution provider). */
    static GraphSession open(byte[] model, SessionSettings settings) throws OrtException {
        OrtSession.SessionOptions opts = SessionOptionsFactory.create(settings);
        try {
            return new GraphSession(opts, OrtSessions.environment().createSession(model, opts));
        } catch (OrtException | RuntimeException e) {
            opts.close();
            throw e;
        }
    }

    /** Runs the graph and returns its first output, a float tensor of {@code length} values. */
    float[] runFirstOutput(Map<String, ? extends OnnxTensorLike> inputs, int length) throws OrtException {
        try (OrtSession.Result result = session.run(inputs)) {
            FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] values = new float[length];
            out.get(values);
            return values;
        }
    }

    @Override
    public void close() throws OrtException {
        try {
            session.close();
        } finally {
            options.close();
        }
    }
}
