package dev.saaflink.models.runtime;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One holder's handle on a session shared through {@link OrtSessions}. {@link #run} may be called from several
 * threads at once. {@link #close()} gives this handle back (once; further calls do nothing); the session
 * itself closes when the last handle is closed.
 */
public final class SharedSession implements AutoCloseable {

    private final OrtSessions.Entry entry;
    private final AtomicBoolean closed = new AtomicBoolean();

    SharedSession(OrtSessions.Entry entry) {
        this.entry = entry;
    }

    /**
     * Runs the shared session: under the thread's current {@link ModelCall} (so a cancel terminates the run), and
     * counted as in progress, so that releasing the last handle meanwhile defers closing the session until the run
     * ends. All model code runs sessions through this.
     *
     * @throws ModelCallCancelledException when the current call is (or gets) cancelled
     * @throws IllegalStateException when this handle was released
     */
    public OrtSession.Result run(Map<String, ? extends OnnxTensorLike> inputs) throws OrtException {
        if (closed.get()) {
            throw new IllegalStateException("shared session for " + entry.key + " was already released");
        }
        return OrtSessions.run(entry, inputs);
    }

    /** Runs in progress on the shared session, over all handles. */
    public int runsInProgress() {
        return entry.gate.runsInProgress();
    }

    /** The shared session, for its metadata; run it through {@link #run}, and do not close it directly. */
    public OrtSession session() {
        if (closed.get()) {
            throw new IllegalStateException("shared session for " + entry.key + " was already released");
        }
        return entry.session;
    }

    /** Whether the shared session is still open (it stays open after the last release until its runs end). */
    boolean sessionOpen() {
        return entry.session != null;
    }

    public Path modelPath() {
        return entry.key.model();
    }

    /** Variant of the model bytes this session was built from ("" for the file as is). */
    public String variant() {
        return entry.key.variant();
    }

    public SessionSettings settings() {
        return entry.key.settings();
    }

    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            OrtSessions.release(entry);
        }
    }
}
