package dev.saaflink.operators.flink;

import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.metrics.EventLatencyMetrics;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.stages.EventBuilder;
import dev.saaflink.operators.stages.FusionStage;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.RegionSource;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.util.Map;

/**
 * Keyed by camera: saliency rescoring, confidence top-K and fusion into the anomaly map, then the event, with the
 * category config and version the frame carries from decode. Holds no state yet; keying by camera is where
 * per-camera context (stream memory) attaches.
 */
public final class FuseRegionsFunction extends KeyedProcessFunction<String, FrameRegions, AnomalyEvent> {
    private static final long serialVersionUID = 1L;

    private final PipelineSettings settings;
    private final RegionSource regionSource;
    private final Map<String, String> modelIds;
    private transient Counter events;
    private transient Counter anomalous;
    private transient EventLatencyMetrics latency;

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
    }

    @Override
    public void processElement(FrameRegions frame, Context ctx, Collector<AnomalyEvent> out) {
        long t0 = System.nanoTime();
        CategoryConfig category = frame.config; // resolved once, at decode (file or live config)
        FusionStage.Fused fused = FusionStage.fuse(frame, category, settings.inspection.getAlgorithm(),
                settings.inspection.getAnomalyMap());
        frame.stageMs.put("fusion", (System.nanoTime() - t0) / 1e6);
        long emitMillis = System.currentTimeMillis();
        AnomalyEvent event = EventBuilder.build(frame, fused, category, frame.configVersion, regionSource,
                modelIds, settings.anomalyMapSize, settings.anomalyMapBits, emitMillis);
        latency.record(frame.captureTimeMillis, frame.arrivalMillis, emitMillis);
        events.inc();
        if (event.getAnomalous()) {
            anomalous.inc();
        }
        out.collect(event);
    }
}
