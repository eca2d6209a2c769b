package dev.saaflink.operators.flink;

import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.decode.DeadLetters;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.metrics.DeadLetterMetrics;
import dev.saaflink.operators.metrics.EventLatencyMetrics;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.stages.EventBuilder;
import dev.saaflink.operators.stages.FusionStage;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.RegionSource;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Saliency rescoring, confidence top-K and fusion into the anomaly map, then the event, with the category config and
 * version the frame carries from decode. Each frame is fused on its own (no state: the per-camera memory lives in
 * the keyed stream-context operator upstream), so this runs chained to the split after segmentation, in the same
 * task: no keyBy, no network shuffle of every frame's masks. The job keeps its uid ({@code fusion}); a savepoint
 * from when it was keyed restores, as it held no state.
 *
 * <p>Anything a frame makes fusion or the event builder throw becomes a dead letter of that frame on
 * {@link DeadLetterOutput#TAG} (stage {@value #STAGE}, reason {@code PROCESSING_FAILED}), built from the
 * {@link FrameRegions#source} coordinates with an empty payload, instead of failing the task: a task failure would
 * restart the job on the same frame forever. Errors that mean the JVM is broken ({@link FatalErrors}) still fail it.
 */
public final class FuseRegionsFunction extends ProcessFunction<FrameRegions, AnomalyEvent> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FuseRegionsFunction.class);

    /** Stage name of fusion's dead letters and timings. */
    public static final String STAGE = "fusion";

    private final PipelineSettings settings;
    private final RegionSource regionSource;
    private final Map<String, String> modelIds;
    private transient Counter events;
    private transient Counter anomalous;
    private transient EventLatencyMetrics latency;
    private transient DeadLetterMetrics deadLetters;

    public FuseRegionsFunction(PipelineSettings settings, RegionSource regionSource, Map<String, String> modelIds) {
        this.settings = settings;
        this.regionSource = regionSource;
        this.modelIds = Map.copyOf(modelIds);
    }

    @Override
    public void open(OpenContext openContext) {
        events = getRuntimeContext().getMetricGroup().counter("events");
        anomalous = getRuntimeContext().getMetricGroup().counter("anomalousEvents");
        latency = new EventLatencyMetrics(getRuntimeContext().getMetricGroup());
        deadLetters = new DeadLetterMetrics(getRuntimeContext().getMetricGroup(), RejectReason.PROCESSING_FAILED);
    }

    @Override
    public void processElement(FrameRegions frame, Context ctx, Collector<AnomalyEvent> out) {
        AnomalyEvent event;
        try {
            event = fuse(frame);
        } catch (Exception | Error e) {
            FatalErrors.rethrowIfFatal(e);
            LOG.warn("Fusion failed for frame {} of camera {} (record {}): {}", frame.frameId, frame.cameraId,
                    frame.source, e.toString());
            deadLetters.count(RejectReason.PROCESSING_FAILED);
            ctx.output(DeadLetterOutput.TAG, DeadLetters.of(frame.source, STAGE, RejectReason.PROCESSING_FAILED, e,
                    frame.cameraId, frame.frameId, System.currentTimeMillis()));
            return;
        }
        events.inc();
        if (event.getAnomalous()) {
            anomalous.inc();
        }
        out.collect(event);
    }

    private AnomalyEvent fuse(FrameRegions frame) {
        long t0 = System.nanoTime();
        CategoryConfig category = frame.config; // resolved once, at decode (file or live config)
        FusionStage.Fused fused = FusionStage.fuse(frame, category, settings.inspection.getAlgorithm(),
                settings.inspection.getAnomalyMap());
        frame.stageMs.put(STAGE, (System.nanoTime() - t0) / 1e6);
        long emitMillis = System.currentTimeMillis();
        AnomalyEvent event = EventBuilder.build(frame, fused, category, frame.configVersion, regionSource,
                modelIds, settings.anomalyMapSize, settings.anomalyMapBits, emitMillis);
        latency.record(frame.captureTimeMillis, frame.arrivalMillis, emitMillis);
        return event;
    }
}
