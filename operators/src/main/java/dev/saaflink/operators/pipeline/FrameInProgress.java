package dev.saaflink.operators.pipeline;

import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.saa.SegmentedRegion;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One frame on its way through the model stages. Each stage fills in its part; a stage that fails sets
 * {@link #failure} and later stages pass the frame on untouched, so one split at the end routes it to the
 * dead-letter topic. Travels only through chained operators (object reuse on): the heavy parts never cross a
 * network shuffle.
 *
 * <p>The category config is resolved once, at decode (file config or live override), and travels with the frame,
 * so every stage of one frame uses the same config even when a new one arrives meanwhile.
 */
public final class FrameInProgress {
    public DecodedFrame frame;
    /** Inspection config actually applied ('default' when the camera's category is unknown). */
    public String configCategory;
    public boolean knownCategory;
    /** The category config this frame is inspected with (resolved at decode). */
    public CategoryConfig config;
    /** Version of {@link #config}: the config file's version, or the live record's. */
    public String configVersion;
    public SamEmbedding embedding;
    /** Saliency at the original resolution, row-major. */
    public float[] saliency;
    /** The saliency scaled down, kept for the anomaly map after the full-size one is dropped (segmentation). */
    public SmallMap saliencyMap;
    /**
     * The stream context's dark-line channel at frame size, already weighted (added to the anomaly map in fusion);
     * null when {@code streamContext.darkLines} is off.
     */
    public SparseMap darkLines;
    public List<SegmentedRegion> regions;
    /**
     * The detector's boxes when it ran as its own branch of the fan-out ({@code regionGenerator: groundingdino});
     * null when the segmentation stage runs the region generator itself (the stand-in).
     */
    public DetectedRegions detected;
    /**
     * The single-instance WideResNet50 saliency grid when the features branch of the fan-out computed it; null when
     * the segmentation stage computes its saliency itself.
     */
    public SaliencyGrid featureGrid;
    /** Stage name to milliseconds spent on this frame. */
    public Map<String, Double> stageMs = new LinkedHashMap<>();
    /** Wall-clock time the frame entered the job (after the Kafka read). */
    public long arrivalMillis;
    public StageFailure failure;

    public FrameInProgress() {}

    public FrameInProgress(DecodedFrame frame, InspectionConfig.Resolved resolved, long arrivalMillis) {
        this.frame = frame;
        this.configCategory = resolved.config().getName();
        this.knownCategory = resolved.known();
        this.config = resolved.config();
        this.configVersion = resolved.version();
        this.arrivalMillis = arrivalMillis;
    }

    /**
     * A copy that shares the (read-only) decoded frame, config, embedding and region lists but owns its timings.
     * Async stages work on a copy: the operator keeps the original input for checkpoints while the worker thread
     * runs.
     */
    public FrameInProgress copy() {
        FrameInProgress c = new FrameInProgress();
        c.frame = frame;
        c.configCategory = configCategory;
        c.knownCategory = knownCategory;
        c.config = config;
        c.configVersion = configVersion;
        c.arrivalMillis = arrivalMillis;
        c.embedding = embedding;
        c.saliency = saliency;
        c.saliencyMap = saliencyMap;
        c.darkLines = darkLines;
        c.regions = regions;
        c.detected = detected;
        c.featureGrid = featureGrid;
        c.stageMs = new LinkedHashMap<>(stageMs);
        c.failure = failure;
        return c;
    }

    public boolean failed() {
        return failure != null;
    }

    public void recordStage(String stage, long startNanos) {
        stageMs.put(stage, (System.nanoTime() - startNanos) / 1e6);
    }
}
