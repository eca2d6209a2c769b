package dev.saaflink.operators.metrics;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

import java.util.List;
import java.util.Map;

/**
 * The job's own metric names, in one place. Every metric sits under the user group {@value #GROUP} of its
 * operator's metric group; per-stage, per-model and per-reason metrics add one key-value group below it
 * ({@value #STAGE_KEY}, {@value #MODEL_KEY}, {@value #REASON_KEY}), which Prometheus turns into a label. So
 * {@code saa -> model=samEncoder -> inferenceMillis} is {@code <operator>.saa.model.samEncoder.inferenceMillis} in
 * Flink's REST API and {@code flink_taskmanager_job_task_operator_saa_model_inferenceMillis{model="samEncoder"}} in
 * Prometheus. The README's Metrics section lists them all; treat the names as an interface (dashboards, alerts).
 */
public final class StageMetrics {
    /** User group under each operator's metric group that holds every metric of this job. */
    public static final String GROUP = "saa";
    public static final String STAGE_KEY = "stage";
    public static final String MODEL_KEY = "model";
    public static final String REASON_KEY = "reason";

    // Per model stage (saa -> stage=<stage>): ModelStageFunction.
    /** Gauge: frames handed to the stage's asyncInvoke and not yet completed (result or timeout). */
    public static final String IN_FLIGHT = "inFlight";
    public static final String TIMEOUTS = "timeouts";
    public static final String RETRIES = "retries";
    public static final String FAILURES = "failures";

    // Per model (saa -> model=<model>).
    /** Histogram, ms per frame: the model's share of the frame's stage timings. */
    public static final String INFERENCE_MILLIS = "inferenceMillis";
    /** Histogram, per frame: items in the model call that served the frame (1 without micro-batching). */
    public static final String BATCH_SIZE = "batchSize";
    /** Histogram, ms per frame: wait in the micro-batcher's queue (micro-batching only). */
    public static final String BATCH_QUEUE_WAIT_MILLIS = "batchQueueWaitMillis";
    /** Histogram, ms per frame: duration of the batched model call that served the frame (micro-batching only). */
    public static final String BATCH_CALL_MILLIS = "batchCallMillis";
    /** Gauge: the micro-batcher's current largest batch (micro-batching only). */
    public static final String BATCH_EFFECTIVE_MAX = "batchEffectiveMax";

    /** Counter per reason (saa -> reason=<RejectReason name>): frames sent to the dead-letter output. */
    public static final String DEAD_LETTERS = "deadLetters";

    // Directly under saa.
    /** Histogram, ms: event emit time minus the frame's capture time (camera clock vs. TaskManager clock). */
    public static final String CAPTURE_TO_EVENT_MILLIS = "captureToEventMillis";
    /** Histogram, ms: event emit time minus the time the frame entered the job (TaskManager clocks only). */
    public static final String ARRIVAL_TO_EVENT_MILLIS = "arrivalToEventMillis";
    /** Counter: frames whose category has no config (the default config was applied). */
    public static final String UNKNOWN_CATEGORIES = "unknownCategories";

    // Model labels.
    public static final String SAM_ENCODER = "samEncoder";
    public static final String SAM_DECODER = "samDecoder";
    public static final String SALIENCY = "saliency";
    public static final String REGION_GENERATOR = "regionGenerator";
    public static final String STREAM_CONTEXT = "streamContext";
    /** Frames the stream-context operator scored against themselves because the memory was still warming up. */
    public static final String WARMUP_FRAMES = "warmupFrames";
    /** Seed records ({@code saa.memory=seed}) that entered a memory without being inspected (no event). */
    public static final String SEED_FRAMES = "seedFrames";
    /** Reset records ({@code saa.memory=reset}) that cleared a camera's memory (no event). */
    public static final String MEMORY_RESETS = "memoryResets";

    /**
     * Per-frame stage timing key (FrameInProgress.stageMs) to the model it measures. Several keys may add up to one
     * model: the SAM decoder runs for the object pass's masks ("objectMasks") and for the kept boxes
     * ("samDecoder"); the region generator starts on the frame ("objectPass": GroundingDINO's image side and
     * object pass) and proposes boxes later ("proposals": defect prompts and the property filter), or, when the job
     * fans out, runs whole in the detector branch ("detector"). "saliency" includes the WideResNet50 forward pass
     * when {@code saliencyFeatures} names it. Keys not listed here (decode, fusion) are not model time.
     */
    public static final Map<String, String> MODEL_OF_TIMING = Map.of(
            "samEncoder", SAM_ENCODER,
            "objectPass", REGION_GENERATOR,
            "detector", REGION_GENERATOR,
            "proposals", REGION_GENERATOR,
            "objectMasks", SAM_DECODER,
            "samDecoder", SAM_DECODER,
            "saliency", SALIENCY,
            "streamContext", STREAM_CONTEXT);

    /** Models each model stage runs, registered when the stage opens so their series exist before a frame. */
    public static final Map<String, List<String>> MODELS_OF_STAGE = Map.of(
            "samEncoder", List.of(SAM_ENCODER),
            "segmentation", List.of(SALIENCY, REGION_GENERATOR, SAM_DECODER),
            "detector", List.of(REGION_GENERATOR),
            "features", List.of(SALIENCY));

    /** Sliding window of the histograms: the statistics cover a subtask's last this many values. */
    public static final int HISTOGRAM_WINDOW = 1024;

    private StageMetrics() {}

    /** The job's group under an operator's metric group. */
    public static MetricGroup saa(MetricGroup operatorGroup) {
        return operatorGroup.addGroup(GROUP);
    }

    /** {@code saa -> stage=<stage>}. */
    public static MetricGroup stage(MetricGroup operatorGroup, String stage) {
        return saa(operatorGroup).addGroup(STAGE_KEY, stage);
    }

    /** {@code saa -> model=<model>}. */
    public static MetricGroup model(MetricGroup operatorGroup, String model) {
        return saa(operatorGroup).addGroup(MODEL_KEY, model);
    }

    /** {@code saa -> reason=<reason>}. */
    public static MetricGroup reason(MetricGroup operatorGroup, String reason) {
        return saa(operatorGroup).addGroup(REASON_KEY, reason);
    }

    /** Models a stage runs, by stage name; empty for a stage not listed in {@link #MODELS_OF_STAGE}. */
    public static List<String> modelsOfStage(String stage) {
        return MODELS_OF_STAGE.getOrDefault(stage, List.of());
    }

    /** A sliding-window histogram (safe to update from any thread) registered as {@code name} in {@code group}. */
    public static Histogram histogram(MetricGroup group, String name) {
        return group.histogram(name, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    /** A counter safe to increment from worker threads, registered as {@code name} in {@code group}. */
    public static Counter counter(MetricGroup group, String name) {
        return group.counter(name, new ThreadSafeSimpleCounter());
    }

    /** {@code saa.unknownCategories} of the decode operator. */
    public static Counter unknownCategories(MetricGroup operatorGroup) {
        return counter(saa(operatorGroup), UNKNOWN_CATEGORIES);
    }
}
