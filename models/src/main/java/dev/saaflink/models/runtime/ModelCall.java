package dev.saaflink.models.runtime;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cancellation handle of one piece of model work (in the job: one attempt at one frame in one stage).
 *
 * <p>Interrupting a thread does not stop native code: an ONNX Runtime run only stops when the {@code terminate} flag
 * of its {@link OrtSession.RunOptions} is set. So every session run made while a call is {@link #enter() current}
 * on the thread goes through {@link #run}, which gives the run its own {@code RunOptions} and registers them here;
 * {@link #cancel()} sets the flag on every run in progress (ORT then fails the run with an {@link OrtException}
 * soon after, turned into a {@link ModelCallCancelledException}), and any later run of the call fails at once
 * without starting. Work that waits on something else than a session (a micro-batcher's result, a back-off sleep)
 * listens through {@link #onCancel} or {@link #awaitCancelled}.
 *
 * <p>A run made on a thread without a current call runs as before, uncancellable.
 */
public final class ModelCall {

    private static final Logger LOG = LoggerFactory.getLogger(ModelCall.class);
    private static final ThreadLocal<ModelCall> CURRENT = new ThreadLocal<>();

    /** Makes a call current on this thread until closed; restores the call that was current before. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private final String name;
    private final CountDownLatch cancelledLatch = new CountDownLatch(1);
    private final List<OrtSession.RunOptions> running = new ArrayList<>(); // guarded by this
    private final List<Runnable> listeners = new ArrayList<>(); // guarded by this
    private volatile boolean cancelled;

    /** @param name what the call is for, for messages (e.g. stage and frame id) */
    public ModelCall(String name) {
        this.name = name;
    }

    /** The call current on this thread, or null. */
    public static ModelCall current() {
        return CURRENT.get();
    }

    public String name() {
        return name;
    }

    /** Makes this call current on the calling thread; close the scope on the same thread. */
    public Scope enter() {
        ModelCall previous = CURRENT.get();
        CURRENT.set(this);
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /**
     * Cancels the call: terminates its session runs in progress, fails its later runs before they start, and runs the
     * {@link #onCancel} listeners (on the calling thread). A second cancel does nothing.
     */
    public void cancel() {
        List<Runnable> toNotify;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            // Under the lock: a run's options are unregistered (under the lock) before they are closed.
            for (OrtSession.RunOptions o : running) {
                try {
                    o.setTerminate(true);
                } catch (OrtException | RuntimeException e) {
                    LOG.warn("{}: could not terminate a model run: {}", name, e.toString());
                }
            }
            toNotify = new ArrayList<>(listeners);
            listeners.clear();
        }
        cancelledLatch.countDown();
        for (Runnable r : toNotify) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("{}: a cancel listener failed: {}", name, e.toString());
            }
        }
    }

    /** Runs {@code listener} when the call is cancelled, at once when it already is. */
    public void onCancel(Runnable listener) {
        synchronized (this) {
            if (!cancelled) {
                listeners.add(listener);
                return;
            }
        }
        listener.run();
    }

    /** Forgets a listener given to {@link #onCancel} (e.g. once the work it would stop is done). */
    public synchronized void removeOnCancel(Runnable listener) {
        listeners.remove(listener);
    }

    /** Throws {@link ModelCallCancelledException} when the call is cancelled. */
    public void throwIfCancelled() {
        if (cancelled) {
            throw cancelledException(null);
        }
    }

    /** Waits up to {@code millis}; true as soon as the call is cancelled (at once when it already is). */
    public boolean awaitCancelled(long millis) throws InterruptedException {
        return cancelledLatch.await(millis, TimeUnit.MILLISECONDS);
    }

    /** Number of session runs of this call in progress (for tests and diagnostics). */
    public synchronized int runsInProgress() {
        return running.size();
    }

    /**
     * Runs {@code session} under the call current on this thread (as is when none is): cancellable through its
     * {@link OrtSession.RunOptions}. A run that fails because its call was cancelled throws
     * {@link ModelCallCancelledException}; so does a run of an already cancelled call, without starting.
     */
    public static OrtSession.Result run(OrtSession session, Map<String, ? extends OnnxTensorLike> inputs)
            throws OrtException {
        ModelCall call = CURRENT.get();
        if (call == null) {
            return session.run(inputs);
        }
        OrtSession.RunOptions options = call.begin();
        try {
            return session.run(inputs, options);
        } catch (OrtException e) {
            if (call.isCancelled()) {
                throw call.cancelledException(e);
            }
            throw e;
        } finally {
            call.end(options);
        }
    }

    private OrtSession.RunOptions begin() throws OrtException {
        OrtSession.RunOptions options = new OrtSession.RunOptions();
        synchronized (this) {
            if (!cancelled) {
                running.add(options);
                return options;
            }
        }
        options.close();
        throw cancelledException(null);
    }

    private void end(OrtSession.RunOptions options) {
        synchronized (this) {
            running.remove(options);
        }
        options.close();
    }

    private ModelCallCancelledException cancelledException(Throwable cause) {
        return new ModelCallCancelledException("model call cancelled: " + name, cause);
    }
}
