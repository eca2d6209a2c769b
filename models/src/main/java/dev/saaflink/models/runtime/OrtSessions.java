package dev.saaflink.models.runtime;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM's ONNX Runtime environment and a registry of shared sessions.
 *
 * <p>Every Flink subtask of a TaskManager runs in the same JVM; a model's weights should be loaded once there, not
 * once per subtask. {@link #acquire} hands out reference-counted handles: the first acquire for a (model path,
 * variant, settings) key creates the session, later ones reuse it, and the session is closed when the last handle
 * is released, though never under a run in progress ({@link SharedSession#run}). {@code OrtSession.run} is
 * thread-safe, so handles are used concurrently without a lock.
 *
 * <p>Note that the registry lives in the class loader that loaded this class: with ORT in the TaskManager's lib
 * (parent-first) it spans all jobs, with ORT in the job jar it spans one job.
 */
public final class OrtSessions {

    private static final Logger LOG = LoggerFactory.getLogger(OrtSessions.class);

    /** Turns a model file's bytes into the bytes a session is built from (e.g. a small graph patch). */
    @FunctionalInterface
    public interface ModelBytesTransform {
        byte[] apply(byte[] modelBytes) throws IOException;
    }

    record Key(Path model, String variant, SessionSettings settings) {
    }

    static final class Entry {
        final Key key;
        int refs; // guarded by LOCK
        volatile OrtSession session;
        OrtSession.SessionOptions options;
        final RunGate gate = new RunGate();

        Entry(Key key) {
            this.key = key;
        }

        synchronized void open(ModelBytesTransform transform) throws OrtException, IOException {
            if (session != null) {
                return;
            }
            long t0 = System.nanoTime();
            SessionSettings s = key.settings();
            OrtSession.SessionOptions opts = SessionOptionsFactory.create(s);
            try {
                OrtSession created;
                if (transform == null) {
                    created = environment().createSession(key.model().toString(), opts);
                } else {
                    created = environment().createSession(transform.apply(Files.readAllBytes(key.model())), opts);
                }
                options = opts;
                session = created;
            } catch (OrtException | IOException | RuntimeException e) {
                opts.close();
                throw e;
            }
            LOG.info("Opened ONNX Runtime session for {}{} ({}) in {} ms", key.model(),
                    key.variant().isEmpty() ? "" : " [" + key.variant() + "]", s.describe(),
                    (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static final Object LOCK = new Object();
    private static final Map<Key, Entry> REGISTRY = new HashMap<>();
    private static volatile OrtEnvironment env;

    private OrtSessions() {
    }

    /** The JVM's single ONNX Runtime environment. */
    public static OrtEnvironment environment() {
        OrtEnvironment e = env;
        if (e == null) {
            synchronized (OrtSessions.class) {
                e = env;
                if (e == null) {
                    e = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "saa-flink");
                    env = e;
                }
            }
        }
        return e;
    }

    /** Shares the session of a model file as it is. */
    public static SharedSession acquire(Path model, SessionSettings settings) throws OrtException, IOException {
        return acquire(model, "", null, settings);
    }

    /**
     * Shares a session built from the model file's bytes after {@code transform}. {@code variant} names the
     * transform and is part of the sharing key; it must be non-empty when a transform is given.
     */
    public static SharedSession acquire(Path model, String variant, ModelBytesTransform transform,
                                        SessionSettings settings) throws OrtException, IOException {
        if ((transform == null) != (variant == null || variant.isEmpty())) {
            throw new IllegalArgumentException("a transform needs a non-empty variant name, and only a transform has one");
        }
        if (!Files.isRegularFile(model)) {
            throw new IOException("model file not found: " + model);
        }
        Key key = new Key(model.toAbsolutePath().normalize(), variant == null ? "" : variant, settings.resolved());
        Entry e;
        synchronized (LOCK) {
            e = REGISTRY.computeIfAbsent(key, Entry::new);
            e.refs++;
        }
        try {
            e.open(transform);
        } catch (OrtException | IOException | RuntimeException ex) {
            release(e);
            throw ex;
        }
        return new SharedSession(e);
    }

    /**
     * Gives a handle back. The last one removes the entry from the registry and closes its session, at once when no
     * run is in progress on it, else when the last run in progress ends ({@link RunGate}).
     */
    static void release(Entry e) {
        boolean last;
        synchronized (LOCK) {
            e.refs--;
            last = e.refs == 0;
            if (last) {
                REGISTRY.remove(e.key, e);
            }
        }
        if (last && !e.gate.close(() -> closeSession(e))) {
            LOG.info("Session for {} released with {} run(s) in progress: it closes when they end", e.key.model(),
                    e.gate.runsInProgress());
        }
    }

    private static void closeSession(Entry e) {
        OrtSession toClose;
        OrtSession.SessionOptions optsToClose;
        synchronized (e) {
            toClose = e.session;
            optsToClose = e.options;
            e.session = null;
            e.options = null;
        }
        if (toClose != null) {
            try {
                toClose.close();
                LOG.info("Closed ONNX Runtime session for {}", e.key.model());
            } catch (OrtException ex) {
                LOG.warn("Closing the session for {} failed: {}", e.key.model(), ex.toString());
            }
        }
        if (optsToClose != null) {
            optsToClose.close();
        }
    }

    /**
     * Runs the entry's session under the thread's current {@link ModelCall}, counted as in progress so that the
     * session is not closed under it.
     */
    static OrtSession.Result run(Entry e, Map<String, ? extends OnnxTensorLike> inputs) throws OrtException {
        if (!e.gate.enter()) {
            throw new IllegalStateException("the session for " + e.key.model() + " is closed");
        }
        try {
            OrtSession s = e.session;
            if (s == null) {
                throw new IllegalStateException("the session for " + e.key.model() + " is closed");
            }
            return ModelCall.run(s, inputs);
        } finally {
            e.gate.exit();
        }
    }

    /** Number of sessions currently open through this registry. */
    public static int openSessionCount() {
        synchronized (LOCK) {
            return (int) REGISTRY.values().stream().filter(x -> x.session != null).count();
        }
    }

    /** Number of live handles on the session of (model, variant, settings); 0 when none is open. */
    public static int referenceCount(Path model, String variant, SessionSettings settings) {
        synchronized (LOCK) {
            Entry e = REGISTRY.get(new Key(model.toAbsolutePath().normalize(), variant == null ? "" : variant,
                    settings.resolved()));
            return e == null ? 0 : e.refs;
        }
    }
}
