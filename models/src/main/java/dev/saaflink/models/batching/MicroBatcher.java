package dev.saaflink.models.batching;

import dev.saaflink.models.runtime.ModelCall;
import dev.saaflink.models.runtime.ModelCallCancelledException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers concurrent requests for one model into batches and runs each batch as one model call on the batcher's
 * own thread. A batch closes when it holds {@code maxBatchSize} items or when its first item has waited
 * {@code maxWaitMillis}; every caller gets its own item's result through a {@link CompletableFuture}.
 *
 * <p>Backpressure: the queue holds at most {@code queueCapacity} requests, and {@link #submit} blocks while it is
 * full, so a slow model slows its callers down instead of piling up frames (in the job the callers are the async
 * operators' worker threads, whose capacity then backpressures the stream). A closed batcher rejects submits with
 * {@link RejectedExecutionException}.
 *
 * <p>A failing call fails every item of its batch. Exception: the first time a batch of several items fails before
 * any batch of several has succeeded, the items are run one by one; when that works the model's graph has a fixed
 * batch of 1 in practice (exports often bake the batch into a Reshape while declaring it dynamic), and the batcher
 * says so once and runs item by item from then on. A graph that declares a fixed batch is handled up front by the
 * {@code modelBatchLimit} given to the constructor.
 *
 * <p>Cancellation ({@link ModelCall}): a request remembers the call current on the submitting thread. When that call
 * is cancelled, its request leaves the queue (so the batcher never runs it, and its input can be collected) and its
 * future fails with {@link ModelCallCancelledException} at once, so the waiting caller stops waiting. A batch already
 * running serves several callers, and one caller giving up must not fail the others: the batch runs on under its own
 * call, and is terminated only when every one of its requests has been cancelled (then nobody is waiting for it).
 * The cancelled caller's result is dropped.
 *
 * <p>The batcher owns a resource (the model) and closes it after its thread has stopped. Share one batcher per model
 * and JVM through {@link SharedBatchers}.
 */
public final class MicroBatcher<I, O> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MicroBatcher.class);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private record Request<I, O>(I item, CompletableFuture<O> result, BatchObserver observer, long enqueuedNanos,
                                 ModelCall call) {
    }

    private final String name;
    private final BatchSettings settings;
    private final BatchFunction<I, O> function;
    private final AutoCloseable owned;
    private final BlockingQueue<Request<I, O>> queue;
    private final Thread runner;
    private volatile boolean closed;
    private volatile int effectiveMaxBatch;
    private boolean severalSucceeded; // runner thread only

    private final Object statsLock = new Object();
    private long batches;
    private long items;
    private long failedBatches;
    private final long[] sizeCounts;
    private long waitTotal;
    private long waitMax;
    private long inferTotal;
    private long inferMax;

    /**
     * Starts the batcher's thread.
     *
     * @param name            the model's name, for the thread and the log
     * @param modelBatchLimit the batch size the model's graph declares (e.g. 1), or 0 where it is dynamic
     * @param function        runs one batch
     * @param owned           closed by {@link #close()} after the thread stopped (may be null)
     */
    public MicroBatcher(String name, BatchSettings settings, int modelBatchLimit, BatchFunction<I, O> function,
                        AutoCloseable owned) {
        this.name = name;
        this.settings = settings;
        this.function = function;
        this.owned = owned;
        this.queue = new LinkedBlockingQueue<>(settings.queueCapacity());
        this.sizeCounts = new long[settings.maxBatchSize() + 1];
        int max = settings.maxBatchSize();
        if (modelBatchLimit > 0 && modelBatchLimit < max) {
            LOG.warn("{}: the model's graph has a fixed batch of {}; batching is limited to {} item(s) per call"
                    + " (configured {}): {}", name, modelBatchLimit, modelBatchLimit, max,
                    modelBatchLimit == 1 ? "falling back to per-item runs" : "smaller batches");
            max = modelBatchLimit;
        }
        this.effectiveMaxBatch = max;
        this.runner = new Thread(this::loop, "batcher-" + name);
        runner.setDaemon(true);
        runner.start();
        LOG.info("{}: micro-batcher started: max batch {} (configured {}), max wait {} ms, queue {}", name, max,
                settings.maxBatchSize(), settings.maxWaitMillis(), settings.queueCapacity());
    }

    public String name() {
        return name;
    }

    public BatchSettings settings() {
        return settings;
    }

    /** The largest batch this batcher runs: the configured size, or less where the model's graph fixes it. */
    public int effectiveMaxBatch() {
        return effectiveMaxBatch;
    }

    public CompletableFuture<O> submit(I item) throws InterruptedException {
        return submit(item, BatchObserver.NONE);
    }

    /**
     * Queues one item; blocks while the queue is full. The request belongs to the thread's current {@link ModelCall}
     * (if any): cancelling it takes the request out of the queue and fails its future with
     * {@link ModelCallCancelledException}.
     *
     * @throws RejectedExecutionException when the batcher is closed (or closes while waiting for room)
     * @throws ModelCallCancelledException when the current call is cancelled while waiting for room
     */
    public CompletableFuture<O> submit(I item, BatchObserver observer) throws InterruptedException {
        ModelCall call = ModelCall.current();
        Request<I, O> r = new Request<>(item, new CompletableFuture<>(), observer, System.nanoTime(), call);
        while (!queue.offer(r, POLL_NANOS, TimeUnit.NANOSECONDS)) {
            if (closed) {
                throw rejected();
            }
            if (call != null) {
                call.throwIfCancelled();
            }
        }
        if (closed && queue.remove(r)) {
            throw rejected();
        }
        if (call != null) {
            Runnable onCancel = () -> {
                queue.remove(r);
                r.result().completeExceptionally(
                        new ModelCallCancelledException("micro-batcher " + name + ": " + call.name() + " cancelled"));
            };
            call.onCancel(onCancel);
            // The listener holds the item: let go of it once the request is answered (a call may submit again).
            r.result().whenComplete((v, e) -> call.removeOnCancel(onCancel));
        }
        return r.result();
    }

    private RejectedExecutionException rejected() {
        return new RejectedExecutionException("micro-batcher " + name + " is closed");
    }

    private void loop() {
        List<Request<I, O>> batch = new ArrayList<>();
        while (!closed) {
            try {
                Request<I, O> first = queue.poll(POLL_NANOS, TimeUnit.NANOSECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long deadline = first.enqueuedNanos() + TimeUnit.MILLISECONDS.toNanos(settings.maxWaitMillis());
                int max = effectiveMaxBatch;
                while (batch.size() < max) {
                    // Whatever is already queued joins at once; then wait for more until the first item's deadline.
                    Request<I, O> next = queue.poll();
                    if (next == null) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0 || closed) {
                            break;
                        }
                        next = queue.poll(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS);
                        if (next == null) {
                            continue;
                        }
                    }
                    batch.add(next);
                }
                // Requests cancelled while the batch gathered are answered already: run the others only.
                batch.removeIf(r -> r.result().isDone());
                if (!batch.isEmpty()) {
                    run(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(batch, e);
                break;
            } catch (Throwable t) {
                // Never let the thread die with callers waiting.
                LOG.error("{}: micro-batcher loop failed", name, t);
                fail(batch, t);
            } finally {
                batch.clear();
            }
        }
    }

    private void run(List<Request<I, O>> batch) {
        List<I> in = new ArrayList<>(batch.size());
        for (Request<I, O> r : batch) {
            in.add(r.item());
        }
        long start = System.nanoTime();
        ModelCall batchCall = batchCall(batch);
        List<O> out;
        try (ModelCall.Scope scope = batchCall.enter()) {
            out = function.apply(in);
            if (out == null || out.size() != in.size()) {
                throw new IllegalStateException("batch function of " + name + " returned "
                        + (out == null ? "null" : out.size() + " results") + " for " + in.size() + " items");
            }
        } catch (Throwable t) {
            long took = System.nanoTime() - start;
            if (batch.size() > 1 && !severalSucceeded && !batchCall.isCancelled() && runItemByItem(batch, t, batchCall)) {
                return;
            }
            record(batch, start, took, true);
            fail(batch, t);
            return;
        }
        long took = System.nanoTime() - start;
        if (batch.size() > 1) {
            severalSucceeded = true;
        }
        record(batch, start, took, false);
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result().complete(out.get(i));
        }
    }

    /**
     * The call a batch runs under: cancelled (its model run terminated) once every request of the batch is, and only
     * then, so that one caller's timeout does not fail the others' results. Requests without a call never cancel.
     */
    private ModelCall batchCall(List<Request<I, O>> batch) {
        ModelCall batchCall = new ModelCall("batch of " + batch.size() + " on " + name);
        AtomicInteger live = new AtomicInteger(batch.size());
        for (Request<I, O> r : batch) {
            if (r.call() != null) {
                r.call().onCancel(() -> {
                    if (live.decrementAndGet() == 0) {
                        batchCall.cancel();
                    }
                });
            }
        }
        return batchCall;
    }

    /**
     * After the first failing batch of several: runs its items alone. True (and per-item from now on) when at least
     * one runs, i.e. the batch size was the problem; false when none does (the model is failing, not the batch).
     */
    private boolean runItemByItem(List<Request<I, O>> batch, Throwable batchError, ModelCall batchCall) {
        List<Object> outcomes = new ArrayList<>(batch.size());
        List<Long> starts = new ArrayList<>(batch.size());
        List<Long> tooks = new ArrayList<>(batch.size());
        boolean anyOk = false;
        for (Request<I, O> r : batch) {
            long s = System.nanoTime();
            try (ModelCall.Scope scope = batchCall.enter()) {
                List<O> one = function.apply(List.of(r.item()));
                if (one == null || one.size() != 1) {
                    throw new IllegalStateException("batch function of " + name + " returned no single result");
                }
                outcomes.add(new Object[] {one.get(0)});
                anyOk = true;
            } catch (Throwable t) {
                outcomes.add(t);
            }
            starts.add(s);
            tooks.add(System.nanoTime() - s);
        }
        if (!anyOk) {
            return false;
        }
        effectiveMaxBatch = 1;
        LOG.warn("{}: a batch of {} failed ({}) but its items run one by one: the model's graph has a fixed batch of 1"
                + " in practice; falling back to per-item runs from now on", name, batch.size(), batchError.toString());
        for (int i = 0; i < batch.size(); i++) {
            Request<I, O> r = batch.get(i);
            Object o = outcomes.get(i);
            record(List.of(r), starts.get(i), tooks.get(i), o instanceof Throwable);
            if (o instanceof Throwable t) {
                r.result().completeExceptionally(t);
            } else {
                @SuppressWarnings("unchecked")
                O value = (O) ((Object[]) o)[0];
                r.result().complete(value);
            }
        }
        return true;
    }

    private void record(List<Request<I, O>> batch, long start, long took, boolean failed) {
        synchronized (statsLock) {
            batches++;
            items += batch.size();
            if (failed) {
                failedBatches++;
            }
            sizeCounts[Math.min(batch.size(), sizeCounts.length - 1)]++;
            inferTotal += took;
            inferMax = Math.max(inferMax, took);
            for (Request<I, O> r : batch) {
                long w = Math.max(0, start - r.enqueuedNanos());
                waitTotal += w;
                waitMax = Math.max(waitMax, w);
            }
        }
        for (Request<I, O> r : batch) {
            try {
                r.observer().served(batch.size(), Math.max(0, start - r.enqueuedNanos()), took, failed);
            } catch (RuntimeException e) {
                LOG.warn("{}: batch observer failed: {}", name, e.toString());
            }
        }
    }

    private static <I, O> void fail(List<Request<I, O>> batch, Throwable t) {
        for (Request<I, O> r : batch) {
            r.result().completeExceptionally(t);
        }
    }

    /** Counters since start. */
    public BatcherStats stats() {
        synchronized (statsLock) {
            return new BatcherStats(batches, items, failedBatches, sizeCounts.clone(), waitTotal, waitMax, inferTotal,
                    inferMax, effectiveMaxBatch, queue.size());
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Stops the thread after the call in progress, fails the requests still queued, and closes the owned resource
     * (not when the thread is stuck in a call: a session must not close under a running call).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            runner.join(TimeUnit.MINUTES.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Request<I, O>> left = new ArrayList<>();
        queue.drainTo(left);
        fail(left, rejected());
        if (runner.isAlive()) {
            LOG.warn("{}: micro-batcher thread still busy after 2 minutes; leaving the model open", name);
            return;
        }
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                LOG.warn("{}: closing the model failed: {}", name, e.toString());
            }
        }
        BatcherStats s = stats();
        LOG.info("{}: micro-batcher closed after {} calls, {} items (mean batch {}, mean queue wait {} ms, mean call"
                + " {} ms)", name, s.batches(), s.items(), String.format("%.2f", s.meanBatchSize()),
                String.format("%.1f", s.meanQueueWaitMillis()), String.format("%.1f", s.meanInferenceMillis()));
    }
}
