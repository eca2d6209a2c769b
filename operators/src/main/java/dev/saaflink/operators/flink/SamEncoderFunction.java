package dev.saaflink.operators.flink;

import ai.onnxruntime.OrtException;
import dev.saaflink.models.batching.BatchObserver;
import dev.saaflink.models.batching.BatchSettings;
import dev.saaflink.models.batching.MicroBatcher;
import dev.saaflink.models.batching.SharedBatchers;
import dev.saaflink.models.runtime.ExecutionProvider;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.sam.EncoderVariant;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.models.sam.SamEncoder;
import dev.saaflink.models.sam.SamModelFiles;
import dev.saaflink.operators.context.MemoryRecords;
import dev.saaflink.operators.metrics.StageMetrics;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import java.util.concurrent.ExecutionException;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SAM image encoder: one embedding per frame, reused by the saliency map and by every box the decoder segments.
 * The ONNX Runtime session is shared by all subtasks of this TaskManager JVM.
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

    private transient SamEncoder encoder;
    private transient SharedBatchers.Handle<SamEncoder.Prepared, SamEmbedding> batcher;
    private transient BatchObserver observer;
    private transient Histogram batchSize;

    public SamEncoderFunction(PipelineSettings settings) {
        super("samEncoder", settings);
    }

    @Override
    protected int workerThreads() {
        return batching(settings) ? Math.max(settings.modelWorkerThreads, settings.asyncCapacity)
                : settings.modelWorkerThreads;
    }

    @Override
    protected void openModels() throws Exception {
        SamModelFiles files = settings.inspection.getSam().files();
        SessionSettings session = sessionSettings(settings);
        // Pre-processing (and the unbatched path) use this handle; the batcher holds its own on the same session.
        encoder = SamEncoder.open(files.encoder(), files.encoderManifest(), session,
                settings.inspection.getSam().encoderVariant());
        MetricGroup g = StageMetrics.model(getRuntimeContext().getMetricGroup(), StageMetrics.SAM_ENCODER);
        batchSize = StageMetrics.histogram(g, StageMetrics.BATCH_SIZE);
        if (batching(settings)) {
            batcher = openBatcher(files, session, settings);
            Histogram size = batchSize;
            Histogram wait = StageMetrics.histogram(g, StageMetrics.BATCH_QUEUE_WAIT_MILLIS);
            Histogram call = StageMetrics.histogram(g, StageMetrics.BATCH_CALL_MILLIS);
            MicroBatcher<SamEncoder.Prepared, SamEmbedding> b = batcher.batcher();
            g.gauge(StageMetrics.BATCH_EFFECTIVE_MAX, b::effectiveMaxBatch);
            observer = (items, waitNanos, callNanos, failed) -> {
                size.update(items);
                wait.update(waitNanos / 1_000_000);
                call.update(callNanos / 1_000_000);
            };
            if (settings.asyncCapacity < settings.maxBatchSize) {
                LOG.info("samEncoder: async capacity {} < max batch {}: one subtask alone never fills a batch; full"
                        + " batches need several subtasks per TaskManager", settings.asyncCapacity,
                        settings.maxBatchSize);
            }
        }
    }

    /** The JVM's shared encoder batcher for these files and settings. */
    public static SharedBatchers.Handle<SamEncoder.Prepared, SamEmbedding> openBatcher(
            SamModelFiles files, SessionSettings session, PipelineSettings settings) throws Exception {
        BatchSettings bs = BatchSettings.of(settings.maxBatchSize, settings.maxBatchWaitMillis);
        EncoderVariant variant = settings.inspection.getSam().encoderVariant();
        String key = "samEncoder|" + files.encoder().toAbsolutePath().normalize() + "|" + variant.key() + "|" + session
                + "|" + bs;
        return SharedBatchers.acquire(key, () -> {
            SamEncoder enc = SamEncoder.open(files.encoder(), files.encoderManifest(), session, variant);
            try {
                return new MicroBatcher<>("samEncoder " + enc.modelId(), bs, enc.declaredBatchLimit(),
                        enc::encodePrepared, enc);
            } catch (OrtException | RuntimeException e) {
                enc.close();
                throw e;
            }
        });
    }

    @Override
    protected void process(FrameInProgress frame) throws Exception {
        if (MemoryRecords.kind(frame) == MemoryRecords.Kind.RESET) {
            // A memory reset has no image to encode. It still takes its turn in the worker queue rather than
            // completing at once in asyncInvoke, so it does not overtake the camera's frames queued before it.
            return;
        }
        if (batcher == null) {
            encode(frame, encoder, settings);
            batchSize.update(1);
            return;
        }
        long t0 = System.nanoTime();
        SamEncoder.Prepared p = encoder.prepare(frame.frame.image, settings.inspection.getAlgorithm().isSamBgrQuirk());
        frame.embedding = await(batcher.batcher(), p, observer);
        frame.recordStage("samEncoder", t0);
    }

    /**
     * Submits one prepared frame and waits for its embedding; the batch's failure is rethrown as is. When the
     * thread's {@link dev.saaflink.models.runtime.ModelCall} is cancelled (the frame timed out) the wait ends at once
     * with a {@link dev.saaflink.models.runtime.ModelCallCancelledException}; the batch goes on for its other frames.
     */
    public static SamEmbedding await(MicroBatcher<SamEncoder.Prepared, SamEmbedding> batcher, SamEncoder.Prepared p,
                                     BatchObserver observer) throws Exception {
        try {
            return batcher.submit(p, observer).get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception ex) {
                throw ex;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** The stage's work on one frame, also run by the benchmark's bare model loop. */
    public static void encode(FrameInProgress frame, SamEncoder encoder, PipelineSettings settings)
            throws OrtException {
        long t0 = System.nanoTime();
        frame.embedding = encoder.encode(frame.frame.image, settings.inspection.getAlgorithm().isSamBgrQuirk());
        frame.recordStage("samEncoder", t0);
    }

    @Override
    protected void closeModels() {
        if (batcher != null) {
            batcher.close();
        }
        if (encoder != null) {
            encoder.close();
        }
    }

    static boolean batching(PipelineSettings settings) {
        return settings.maxBatchSize > 1;
    }

    /** ONNX Runtime settings of the model stages: threads, execution provider and device. */
    public static SessionSettings sessionSettings(PipelineSettings settings) {
        return SessionSettings.of(settings.ortIntraOpThreads, ExecutionProvider.parse(settings.executionProvider),
                settings.deviceId);
    }
}
