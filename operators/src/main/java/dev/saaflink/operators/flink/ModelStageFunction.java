package dev.saaflink.operators.flink;

import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.metrics.ModelStageMetrics;
import dev.saaflink.operators.metrics.StageMetrics;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.pipeline.StageFailure;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shape shared by the model stages: the blocking ONNX Runtime work runs on this subtask's worker threads, never on
 * the task thread; a failing call is retried, and a frame that still fails (or times out) leaves with a
 * {@link StageFailure} instead of failing the job, so one bad frame can't put the job into a restart loop.
 * Frames that failed earlier pass straight through.
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
    private transient ExecutorService workers;
    private transient ModelStageMetrics metrics;

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
        workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, stage + "-" + subtask + "-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        metrics = new ModelStageMetrics(getRuntimeContext().getMetricGroup(), stage, models());
        openModels();
        LOG.info("{} subtask {} ready: workers={} capacity={} timeoutMs={} retries={}", stage, subtask,
                threads, settings.asyncCapacity, settings.modelTimeoutMillis, settings.modelRetries);
    }

    /** Models whose {@code inferenceMillis} histograms are registered on open (others register when first timed). */
    protected Collection<String> models() {
        return StageMetrics.modelsOfStage(stage);
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
        FrameInProgress work = frame.copy();
        metrics.inFlight().start(result);
        try {
            workers.execute(() -> complete(result, runWithRetries(work)));
        } catch (RejectedExecutionException e) {
            work.failure = new StageFailure(stage, RejectReason.MODEL_FAILED, e);
            complete(result, work);
        }
    }

    /** Answers a request, which then no longer counts as in flight (counted once, also when a timeout came first). */
    private void complete(ResultFuture<FrameInProgress> result, FrameInProgress frame) {
        metrics.inFlight().finish(result);
        result.complete(List.of(frame));
    }

    private FrameInProgress runWithRetries(FrameInProgress frame) {
        Throwable last = null;
        Map<String, Double> before = new HashMap<>(frame.stageMs);
        for (int attempt = 0; attempt <= settings.modelRetries; attempt++) {
            if (attempt > 0) {
                metrics.retries().inc();
                sleepQuietly(100L * attempt);
            }
            try {
                process(frame);
                metrics.recordInference(before, frame.stageMs);
                return frame;
            } catch (Throwable e) { // any Error of a model call too: the frame fails, the worker and the job live on
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
     * The worker may still be busy with its own copy of the frame; its late result is ignored by Flink, and it no
     * longer counts as in flight (the request was answered here).
     */
    @Override
    public void timeout(FrameInProgress frame, ResultFuture<FrameInProgress> result) {
        metrics.timeouts().inc();
        metrics.inFlight().finish(result);
        FrameInProgress copy = frame.copy();
        copy.failure = new StageFailure(stage, RejectReason.TIMEOUT, "java.util.concurrent.TimeoutException",
                stage + " did not finish within " + settings.modelTimeoutMillis + " ms");
        LOG.warn("{} timed out on frame {}", stage, frame.frame.frameId);
        result.complete(List.of(copy));
    }

    @Override
    public void close() throws Exception {
        if (workers != null) {
            workers.shutdownNow();
            workers.awaitTermination(10, TimeUnit.SECONDS);
        }
        closeModels();
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
