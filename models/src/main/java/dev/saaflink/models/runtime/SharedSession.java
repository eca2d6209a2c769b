package dev.saaflink.models.runtime;

import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One holder's handle on a session shared through {@link OrtSessions}. {@link OrtSession#run} may be called from
 * several threads at once. {@link #close()} gives this handle back (once; further calls do nothing); the session
 * itself closes when the last handle is closed.
 */
public final class SharedSession implements AutoCloseable {

    private final OrtSessions.Entry entry;
    private final AtomicBoolean closed = new AtomicBoolean();

    SharedSession(OrtSessions.Entry entry) {
        this.entry = entry;
    }

    /** The shared session; do not close it directly. */
    public OrtSession session() {
        if (closed.get()) {
            throw new IllegalStateException("shared session for " + entry.key + " was already released");
        }
        return entry.session;
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
