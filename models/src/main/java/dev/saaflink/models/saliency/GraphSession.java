package dev.saaflink.models.saliency;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.saaflink.models.runtime.ModelCall;
import dev.saaflink.models.runtime.OrtSessions;
import dev.saaflink.models.runtime.RunGate;
import dev.saaflink.models.runtime.SessionOptionsFactory;
import dev.saaflink.models.runtime.SessionSettings;
import java.nio.FloatBuffer;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ONNX Runtime session on a weight-free graph the project builds (the saliency graphs here), with its options:
 * opened together, closed together. Thread-safe like the session it wraps. Runs are cancellable through the thread's
 * {@link ModelCall}, and {@link #close()} under a run in progress defers closing until the run ends.
 */
final class GraphSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GraphSession.class);

    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final RunGate gate = new RunGate();

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
        if (!gate.enter()) {
            throw new IllegalStateException("graph session is closed");
        }
        try (OrtSession.Result result = ModelCall.run(session, inputs)) {
            FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] values = new float[length];
            out.get(values);
            return values;
        } finally {
            gate.exit();
        }
    }

    @Override
    public void close() {
        gate.close(this::closeNow);
    }

    private void closeNow() {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.warn("Closing a graph session failed: {}", e.toString());
        } finally {
            options.close();
        }
    }
}
