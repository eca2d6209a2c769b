package dev.saaflink.operators.flink;

import dev.saaflink.models.runtime.ModelCall;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.metrics.ModelStageMetrics;
import dev.saaflink.operators.metrics.StageMetrics;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.pipeline.StageFailure;
import dev.saaflink.operators.stages.StageSessions;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shape shared by the model stages: the blocking ONNX Runtime work runs on this subtask's worker threads, never on
 * the task thread; a failing call is retried, and a frame that still fails (or times out) leaves with a
 * {@link StageFailure} instead of failing the job, so one bad frame can't put the job into a restart loop.
 * Frames that failed earlier pass straight through.
 *
 * <p>Timeouts cancel: each frame's work runs under its own {@link ModelCall}, and when Flink times the frame out,
 * {@link #timeout} answers it with a {@code TIMEOUT} failure and cancels the call. Work not yet started is taken out of
 * the worker queue (its copy of the frame, pixels and embedding, can be collected), a session run in progress is
 * terminated through ONNX Runtime's {@code RunOptions} (an interrupt would not reach native code), and the retry loop
 * stops; the late outcome is dropped, so each frame is answered exactly once. Without this, one stalled call held a
 * worker while later frames queued behind it and timed out too. The worker queue holds at most the async capacity
 * (Flink admits no more, and answered frames leave it at once); a frame that still finds it full, or the stage
 * closed, leaves as {@code MODEL_FAILED} rather than being queued without bound.
 * Errors that mean the JVM is broken ({@link FatalErrors#isJvmFatal}: out of memory, an internal error) are not a
 * frame's failure: they fail the request, and so the job.
 *
 * <p>Metrics ({@link ModelStageMetrics}): under {@code saa -> stage=<stage>} the {@code inFlight} gauge and the
 * {@code timeouts}, {@code retries}, {@code failures} counters; under {@code saa -> model=<model>} an
 * {@code inferenceMillis} histogram per model, from the timings {@link #process} records on the frame.
 */
public abstract class ModelStageFunction extends RichAsyncFunction<FrameInProgress, FrameInProgress> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ModelStageFunction.class);

    protected final PipelineSettings settings;
    private final String stage;
    private transient ThreadPoolExecutor workers;
    private transient ModelStageMetrics metrics;
    /** The GPU index of this subtask's sessions ({@link GpuDevices}); 0 on cpu. */
    private transient int deviceId;
    /** The frames in flight, by the future that answers them; identity keys (Flink's handles don't define equals). */
    private transient Map<ResultFuture<FrameInProgress>, Request> pending;

    protected ModelStageFunction(String stage, PipelineSettings settings) {
        this.stage = stage;
        this.settings = settings;
    }

    /**
     * Worker threads of this subtask: {@code modelWorkerThreads} by default. A stage whose workers only hand frames
     * to a shared batcher and wait may need more, so that every in-flight frame can wait in a batch at once.
     */
    protected int workerThreads() {
        return settings.modelWorkerThreads;
    }

    /** Loads the models this stage needs; called once per subtask. */
    protected abstract void openModels() throws Exception;

    /** Runs the stage on one frame, filling its fields. Called on a worker thread; may throw. */
    protected abstract void process(FrameInProgress frame) throws Exception;

    protected abstract void closeModels() throws Exception;

    @Override
    public void open(OpenContext openContext) throws Exception {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        AtomicInteger n = new AtomicInteger();
        int threads = workerThreads();
        // Bounded queue: Flink admits at most asyncCapacity frames, and timed-out ones leave the queue at once.
        workers = new ThreadPoolExecutor(threads, threads, 0L, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(Math.max(1, settings.asyncCapacity)), r -> {
                    Thread t = new Thread(r, stage + "-" + subtask + "-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pending = Collections.synchronizedMap(new IdentityHashMap<>());
        metrics = new ModelStageMetrics(getRuntimeContext().getMetricGroup(), stage, models());
        deviceId = GpuDevices.deviceId(settings, getRuntimeContext());
        openModels();
        LOG.info("{} subtask {} ready: workers={} capacity={} timeoutMs={} retries={} sessions={}", stage, subtask,
                threads, settings.asyncCapacity, settings.modelTimeoutMillis, settings.modelRetries,
                sessionSettings().describe());
    }

    /** Models whose {@code inferenceMillis} histograms are registered on open (others register when first timed). */
    protected Collection<String> models() {
        return StageMetrics.modelsOfStage(stage);
    }

    /**
     * The ONNX Runtime settings of this subtask's sessions: on a cluster's GPU TaskManager the device comes from its
     * external resource {@code gpu} ({@link GpuDevices}). Valid from {@link #openModels} on.
     */
    protected final SessionSettings sessionSettings() {
        return StageSessions.of(settings, deviceId);
    }

    /** This subtask's stage metrics; null before {@link #open}. */
    protected final ModelStageMetrics metrics() {
        return metrics;
    }

    @Override
    public void asyncInvoke(FrameInProgress frame, ResultFuture<FrameInProgress> result) {
        if (frame.failed()) {
            result.complete(List.of(frame));
            return;
        }
        Request request = new Request(frame.copy(), result);
        metrics.inFlight().start(result);
        pending.put(result, request);
        try {
            workers.execute(request);
        } catch (RejectedExecutionException e) {
            FrameInProgress work = request.work;
            if (request.claim()) {
                work.failure = new StageFailure(stage, RejectReason.MODEL_FAILED, new RejectedExecutionException(
                        stage + " worker queue is full (" + workers.getQueue().size() + " frames wait for "
                                + workers.getMaximumPoolSize() + " busy workers) or the stage is closed", e));
                result.complete(List.of(work));
            }
        }
    }

    /** Number of frames waiting in this subtask's worker queue (not counting those being worked on). */
    final int queuedFrames() {
        return workers.getQueue().size();
    }

    /**
     * One frame's work: its own copy of the frame, the call that cancels it, and the answer given at most once
     * (by the worker, or by {@link #timeout} first).
     */
    private final class Request implements Runnable {
        final ResultFuture<FrameInProgress> result;
        final ModelCall call;
        final AtomicBoolean answered = new AtomicBoolean();
        /** The frame copy; dropped when the request is answered by a timeout, so that a late worker skips it. */
        volatile FrameInProgress work;

        Request(FrameInProgress work, ResultFuture<FrameInProgress> result) {
            this.work = work;
            this.result = result;
            this.call = new ModelCall(stage + " frame " + work.frame.frameId);
        }

        /** True for the one caller that gets to answer; the request then no longer counts as in flight. */
        boolean claim() {
            if (!answered.compareAndSet(false, true)) {
                return false;
            }
            pending.remove(result);
            metrics.inFlight().finish(result);
            return true;
        }

        @Override
        public void run() {
            FrameInProgress frame = work;
            if (frame == null || call.isCancelled()) {
                LOG.debug("{}: skipping frame already answered by a timeout", stage);
                return;
            }
            FrameInProgress done;
            try (ModelCall.Scope scope = call.enter()) {
                done = runWithRetries(frame, call);
            } catch (Error e) {
                // Only JVM-fatal errors leave runWithRetries. Not the frame's fault and not recoverable here: fail the
                // request, which fails the job.
                if (claim()) {
                    result.completeExceptionally(e);
                }
                throw e;
            }
            if (done != null && claim()) {
                work = null;
                result.complete(List.of(done));
            }
        }

        /** Answers with a timeout failure (unless answered already) and cancels the work. */
        void timeOut(FrameInProgress input) {
            if (!claim()) {
                return;
            }
            call.cancel();
            workers.remove(this);
            work = null;
            result.complete(List.of(timedOut(input)));
        }
    }

    /** The frame after its attempts: done or failed; null when the call was cancelled (nobody waits for it). */
    private FrameInProgress runWithRetries(FrameInProgress frame, ModelCall call) {
        Throwable last = null;
        Map<String, Double> before = new HashMap<>(frame.stageMs);
        for (int attempt = 0; attempt <= settings.modelRetries; attempt++) {
            if (attempt > 0) {
                metrics.retries().inc();
                if (backOffCancelled(call, 100L * attempt)) {
                    return null;
                }
            }
            if (call.isCancelled()) {
                return null;
            }
            try {
                process(frame);
                metrics.recordInference(before, frame.stageMs);
                return frame;
            } catch (Throwable e) { // any non-fatal Error of a model call too: the frame fails, the worker and job live on
                if (FatalErrors.isJvmFatal(e)) {
                    throw (Error) e;
                }
                if (call.isCancelled()) { // e.g. the ModelCallCancelledException of a terminated run
                    LOG.debug("{} on frame {} stopped: {}", stage, frame.frame.frameId, e.toString());
                    return null;
                }
                last = e;
                LOG.warn("{} failed on frame {} (attempt {} of {}): {}", stage, frame.frame.frameId, attempt + 1,
                        settings.modelRetries + 1, e.toString());
            }
        }
        metrics.failures().inc();
        frame.failure = new StageFailure(stage, RejectReason.MODEL_FAILED, last);
        return frame;
    }

    /**
     * Answers the frame with a {@code TIMEOUT} failure and cancels its work: skipped if still queued, terminated if
     * inside a session run, and its late outcome dropped (Flink would ignore it anyway).
     */
    @Override
    public void timeout(FrameInProgress frame, ResultFuture<FrameInProgress> result) {
        metrics.timeouts().inc();
        Request request = pending.get(result);
        if (request != null) {
            request.timeOut(frame);
        } else {
            // Not in flight here: answered a moment ago (Flink ignores a second answer) or never seen by this subtask.
            metrics.inFlight().finish(result);
            result.complete(List.of(timedOut(frame)));
        }
        LOG.warn("{} timed out on frame {}", stage, frame.frame.frameId);
    }

    private FrameInProgress timedOut(FrameInProgress frame) {
        FrameInProgress copy = frame.copy();
        copy.failure = new StageFailure(stage, RejectReason.TIMEOUT, "java.util.concurrent.TimeoutException",
                stage + " did not finish within " + settings.modelTimeoutMillis + " ms");
        return copy;
    }

    @Override
    public void close() throws Exception {
        if (pending != null) {
            List<Request> left;
            synchronized (pending) {
                left = List.copyOf(pending.values());
            }
            for (Request r : left) {
                r.call.cancel();
            }
        }
        if (workers != null) {
            workers.shutdownNow();
            workers.awaitTermination(10, TimeUnit.SECONDS);
        }
        closeModels();
    }

    /** Sleeps the back-off; true when the call was cancelled meanwhile (or the worker interrupted). */
    private static boolean backOffCancelled(ModelCall call, long millis) {
        try {
            return call.awaitCancelled(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
