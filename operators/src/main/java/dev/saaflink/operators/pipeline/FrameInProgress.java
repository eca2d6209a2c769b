package dev.saaflink.operators.pipeline;

import dev.saaflink.models.sam.SamEmbedding;
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
 */
public final class FrameInProgress {
    public DecodedFrame frame;
    /** Inspection config actually applied ('default' when the camera's category is unknown). */
    public String configCategory;
    public boolean knownCategory;
    public SamEmbedding embedding;
    /** Saliency at the original resolution, row-major. */
    public float[] saliency;
    public List<SegmentedRegion> regions;
    /** Stage name to milliseconds spent on this frame. */
    public Map<String, Double> stageMs = new LinkedHashMap<>();
    /** Wall-clock time the frame entered the job (after the Kafka read). */
    public long arrivalMillis;
    public StageFailure failure;

    public FrameInProgress() {}

    public FrameInProgress(DecodedFrame frame, String configCategory, boolean knownCategory, long arrivalMillis) {
        this.frame = frame;
        this.configCategory = configCategory;
        this.knownCategory = knownCategory;
        this.arrivalMillis = arrivalMillis;
    }

    /**
     * A copy that shares the (read-only) decoded frame, embedding and region lists but owns its timings. Async
     * stages work on a copy: the operator keeps the original input for checkpoints while the worker thread runs.
     */
    public FrameInProgress copy() {
        FrameInProgress c = new FrameInProgress(frame, configCategory, knownCategory, arrivalMillis);
        c.embedding = embedding;
        c.saliency = saliency;
        c.regions = regions;
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
