package dev.saaflink.models.batching;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One {@link MicroBatcher} per model and JVM, reference counted like the sessions of
 * {@link dev.saaflink.models.runtime.OrtSessions}: every Flink subtask of a TaskManager that acquires the same key
 * feeds the same batcher, so frames of different subtasks share model calls. The batcher (and the model it owns)
 * closes when the last handle is closed.
 */
public final class SharedBatchers {

    /** Creates the batcher for a key that has none yet. */
    @FunctionalInterface
    public interface Factory<I, O> {
        MicroBatcher<I, O> create() throws Exception;
    }

    private static final class Entry {
        final String key;
        int refs; // guarded by REGISTRY
        MicroBatcher<?, ?> batcher; // set under the entry's own lock

        Entry(String key) {
            this.key = key;
        }
    }

    private static final Map<String, Entry> REGISTRY = new HashMap<>();

    private SharedBatchers() {
    }

    /**
     * A handle on the batcher of {@code key}, created by {@code factory} if none is open. The key must name
     * everything that makes batchers differ: the model file, its session settings, the batch settings, and any
     * per-item option baked into the batch function.
     */
    @SuppressWarnings("unchecked")
    public static <I, O> Handle<I, O> acquire(String key, Factory<I, O> factory) throws Exception {
        Entry e;
        synchronized (REGISTRY) {
            e = REGISTRY.computeIfAbsent(key, Entry::new);
            e.refs++;
        }
        try {
            synchronized (e) {
                if (e.batcher == null) {
                    e.batcher = factory.create();
                }
            }
        } catch (Exception | Error ex) {
            release(e);
            throw ex;
        }
        return new Handle<>(e, (MicroBatcher<I, O>) e.batcher);
    }

    private static void release(Entry e) {
        MicroBatcher<?, ?> toClose = null;
        synchronized (REGISTRY) {
            e.refs--;
            if (e.refs == 0) {
                REGISTRY.remove(e.key, e);
                synchronized (e) {
                    toClose = e.batcher;
                    e.batcher = null;
                }
            }
        }
        if (toClose != null) {
            toClose.close();
        }
    }

    /** Live handles on the batcher of {@code key}; 0 when none is open. */
    public static int referenceCount(String key) {
        synchronized (REGISTRY) {
            Entry e = REGISTRY.get(key);
            return e == null ? 0 : e.refs;
        }
    }

    /** One holder's handle; {@link #close()} gives it back once. */
    public static final class Handle<I, O> implements AutoCloseable {
        private final Entry entry;
        private final MicroBatcher<I, O> batcher;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Handle(Entry entry, MicroBatcher<I, O> batcher) {
            this.entry = entry;
            this.batcher = batcher;
        }

        public MicroBatcher<I, O> batcher() {
            if (closed.get()) {
                throw new IllegalStateException("batcher handle for " + entry.key + " was already released");
            }
            return batcher;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release(entry);
            }
        }
    }
}
