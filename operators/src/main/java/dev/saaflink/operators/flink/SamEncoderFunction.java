package dev.saaflink.operators.flink;

import dev.saaflink.models.batching.BatchObserver;
import dev.saaflink.models.batching.MicroBatcher;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.models.sam.SamEncoder;
import dev.saaflink.operators.metrics.StageMetrics;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.stages.EncoderStage;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SAM image encoder: one embedding per frame, reused by the saliency map and by every box the decoder segments.
 * The work is {@link EncoderStage}'s (which the benchmarks run too); this function only adapts it to Flink. The ONNX
 * Runtime session is shared by all subtasks of this TaskManager JVM.
 *
 * <p>With {@code maxBatchSize > 1} the frames of all subtasks of the JVM go through one shared
 * {@link MicroBatcher}: a worker pre-processes its frame, hands it over and waits, and the batcher's thread runs
 * gathered frames as one {@code [B,3,1024,1024]} call. Workers then only wait, so this stage gets as many as its
 * async capacity (every in-flight frame can sit in a batch); the model itself runs on the one batcher thread per
 * JVM, which is what a GPU wants.
 *
 * <p>Metrics per subtask, under {@code saa -> model=samEncoder} (besides those of {@link ModelStageFunction}):
 * {@code batchSize} (histogram per frame: items in the model call that served it; always 1 without batching), and
 * with batching {@code batchQueueWaitMillis}, {@code batchCallMillis} (histograms per frame) and
 * {@code batchEffectiveMax} (gauge).
 */
public final class SamEncoderFunction extends ModelStageFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SamEncoderFunction.class);

    private transient EncoderStage encoder;
    private transient Histogram batchSize;

    public SamEncoderFunction(PipelineSettings settings) {
        super(EncoderStage.STAGE, settings);
    }

    @Override
    protected int workerThreads() {
        return EncoderStage.batching(settings) ? Math.max(settings.modelWorkerThreads, settings.asyncCapacity)
                : settings.modelWorkerThreads;
    }

    @Override
    protected void openModels() throws Exception {
        MetricGroup g = StageMetrics.model(getRuntimeContext().getMetricGroup(), StageMetrics.SAM_ENCODER);
        batchSize = StageMetrics.histogram(g, StageMetrics.BATCH_SIZE);
        BatchObserver observer = null;
        if (EncoderStage.batching(settings)) {
            Histogram size = batchSize;
            Histogram wait = StageMetrics.histogram(g, StageMetrics.BATCH_QUEUE_WAIT_MILLIS);
            Histogram call = StageMetrics.histogram(g, StageMetrics.BATCH_CALL_MILLIS);
            observer = (items, waitNanos, callNanos, failed) -> {
                size.update(items);
                wait.update(waitNanos / 1_000_000);
                call.update(callNanos / 1_000_000);
            };
        }
        encoder = EncoderStage.open(settings, sessionSettings(), observer);
        if (encoder.batched()) {
            MicroBatcher<SamEncoder.Prepared, SamEmbedding> b = encoder.batcher();
            g.gauge(StageMetrics.BATCH_EFFECTIVE_MAX, b::effectiveMaxBatch);
            if (settings.asyncCapacity < settings.maxBatchSize) {
                LOG.info("samEncoder: async capacity {} < max batch {}: one subtask alone never fills a batch; full"
                        + " batches need several subtasks per TaskManager", settings.asyncCapacity,
                        settings.maxBatchSize);
            }
        }
    }

    @Override
    protected void process(FrameInProgress frame) throws Exception {
        // A memory reset has no image to encode (the stage leaves it as is). It still takes its turn in the worker
        // queue rather than completing at once in asyncInvoke, so it does not overtake the camera's frames before it.
        encoder.apply(frame);
        if (!encoder.batched() && frame.embedding != null) {
            batchSize.update(1);
        }
    }

    @Override
    protected void closeModels() {
        if (encoder != null) {
            encoder.close();
        }
    }
}
