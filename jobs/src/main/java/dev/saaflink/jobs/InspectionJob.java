package dev.saaflink.jobs;

import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.flink.DeadLetterOutput;
import dev.saaflink.operators.flink.DecodeFrameFunction;
import dev.saaflink.operators.flink.FanOut;
import dev.saaflink.operators.flink.FrameJoinFunction;
import dev.saaflink.operators.flink.FuseRegionsFunction;
import dev.saaflink.operators.flink.LiveConfigDecodeFunction;
import dev.saaflink.operators.flink.SegmentationFunction;
import dev.saaflink.operators.flink.SplitFailuresFunction;
import dev.saaflink.operators.flink.StreamContextFunction;
import dev.saaflink.operators.context.MemoryRecords;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.stages.RegionGenerator;
import dev.saaflink.operators.stages.RegionGenerators;
import dev.saaflink.operators.stages.SegmentationStage;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.DeadLetter;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The SAA+ inspection job: frames in, one anomaly event per good frame and one dead letter per bad one out.
 * The constructor takes the endpoints, so the demo, the evaluation, the tests and production all build this very
 * graph; only where the records come from and go to differs.
 *
 * <pre>
 * frames → decode ─┬→ SAM encoder (async) → keyBy(camera, category) → stream-context saliency (keyed memory)
 *                  │      → saliency + proposals + property filter + SAM decoder (async)
 *            ▲     │        → split failures ─┬→ rescoring + top-K + fusion (chained, no keyBy) → events
 *            │     └────── dead letters ←──────┴─────────────────────┘ (a frame fusion throws on)
 *   config ──┘ broadcast (only with a config topic); rejected config records → config errors
 * </pre>
 *
 * <p><b>Fan-out.</b> The models that need only the image run concurrently for a frame, each its own async operator
 * fed by decode, when the config has more than the encoder: GroundingDINO ({@code regionGenerator: groundingdino})
 * and the WideResNet50 saliency features ({@code saliencyFeatures: wideresnet50} with the stream context off, where
 * its single-instance map is used). Their parts join by frame ({@link FanOut}, {@link FrameJoinFunction}: keyed
 * state, a timeout that turns an incomplete frame into a dead letter, late parts dropped):
 * <pre>
 *          ┌→ SAM encoder (async, carries the frame) ─┐
 * decode ──┼→ GroundingDINO detector (async, boxes) ──┼→ keyBy(frame) → join → [stream context] → segmentation …
 *          └→ WideResNet50 features (async, grid) ────┘
 * </pre>
 * With the default config (stand-in regions, saliency on the SAM embedding) the encoder is the only branch and the
 * graph is the first one: no join, same operators and uids, so throughput and savepoints are as before.
 *
 * <p>Fusion holds no state, so it runs chained to the split in the same task: a keyBy there would only ship every
 * frame's masks over the network. It kept its uid when that keyBy went, so savepoints from before still restore.
 *
 * With {@link #withLiveConfig} a second source, the config topic, is broadcast into decode, which then resolves each
 * frame's category config with the live overrides; rejected config records go to their own sink.
 */
public final class InspectionJob {

    private final Source<RawRecord, ?, ?> frames;
    private final Sink<AnomalyEvent> events;
    private final Sink<DeadLetter> deadLetters;
    private final PipelineSettings settings;
    private Source<RawRecord, ?, ?> configs;
    private Sink<DeadLetter> configErrors;

    public InspectionJob(Source<RawRecord, ?, ?> frames, Sink<AnomalyEvent> events, Sink<DeadLetter> deadLetters,
                         PipelineSettings settings) {
        this.frames = frames;
        this.events = events;
        this.deadLetters = deadLetters;
        this.settings = settings.validate();
    }

    /**
     * Category configs change at runtime: {@code configs} is the live config topic (key = category, value = one
     * category block in YAML with a version, null = back to the file), broadcast to decode; rejected records go to
     * {@code configErrors} as dead letters. Without this the graph has no config source, so bounded runs end.
     */
    public InspectionJob withLiveConfig(Source<RawRecord, ?, ?> configs, Sink<DeadLetter> configErrors) {
        this.configs = configs;
        this.configErrors = configErrors;
        return this;
    }

    public void build(StreamExecutionEnvironment env) {
        build(env, UnaryOperator.identity());
    }

    /**
     * Builds the graph; {@code beforeEventSink} may wrap the event stream just before the sink (tests use it to
     * inject a failure after events were produced).
     */
    public void build(StreamExecutionEnvironment env, UnaryOperator<DataStream<AnomalyEvent>> beforeEventSink) {
        DataStream<RawRecord> frameRecords = env
                .fromSource(frames, WatermarkStrategy.noWatermarks(), "frames")
                .uid("frames-source");
        SingleOutputStreamOperator<FrameInProgress> decoded;
        if (configs == null) {
            decoded = frameRecords
                    .process(new DecodeFrameFunction(settings))
                    .name("decode").uid("decode");
        } else {
            // A config topic is small (one record per category): one reader is plenty.
            BroadcastStream<RawRecord> liveConfigs = env
                    .fromSource(configs, WatermarkStrategy.noWatermarks(), "config")
                    .uid("config-source").setParallelism(1)
                    .broadcast(LiveConfigDecodeFunction.CONFIG_STATE);
            decoded = frameRecords.connect(liveConfigs)
                    .process(new LiveConfigDecodeFunction(settings))
                    .name("decode").uid("decode");
            decoded.getSideOutput(DeadLetterOutput.CONFIG_ERRORS)
                    .sinkTo(configErrors).name("config-errors-sink").uid("config-errors-sink");
        }

        DataStream<FrameInProgress> encoded = FanOut.build(decoded, settings);

        if (settings.inspection.getStreamContext().isEnabled()) {
            // One memory of recent frames per camera and category, in keyed state (checkpointed with the job).
            encoded = encoded
                    .keyBy(StreamContextFunction::key, Types.STRING)
                    .process(new StreamContextFunction(settings))
                    .name("stream-context").uid("stream-context");
        } else {
            // Without a memory, seed and reset records (saa memory) have nothing to act on: dropped, never inspected.
            encoded = encoded.filter(p -> p.failed() || !MemoryRecords.isMemoryRecord(p))
                    .name("drop-memory-records").uid("drop-memory-records");
        }

        RegionGenerator generator = regionGenerator(settings);
        DataStream<FrameInProgress> segmented = AsyncDataStream.unorderedWait(encoded,
                        new SegmentationFunction(settings, new SegmentationStage(generator, settings.decoderSkipBelow)),
                        settings.modelTimeoutMillis, TimeUnit.MILLISECONDS, settings.asyncCapacity)
                .name("saliency-regions-sam-decoder").uid("segmentation");

        SingleOutputStreamOperator<FrameRegions> regions = segmented
                .process(new SplitFailuresFunction(settings.deadLetterPayloadMaxBytes))
                .name("split-failures").uid("split-failures");

        // No keyBy: fusion is stateless and chains to the split (same parallelism, forward), saving a shuffle.
        SingleOutputStreamOperator<AnomalyEvent> anomalyEvents = regions
                .process(new FuseRegionsFunction(settings, generator.source(), modelIds(generator, settings.inspection)))
                .name("rescore-topk-fusion").uid("fusion");

        beforeEventSink.apply(anomalyEvents).sinkTo(events).name("events-sink").uid("events-sink");

        decoded.getSideOutput(DeadLetterOutput.TAG)
                .union(regions.getSideOutput(DeadLetterOutput.TAG), anomalyEvents.getSideOutput(DeadLetterOutput.TAG))
                .sinkTo(deadLetters).name("dead-letters-sink").uid("dead-letters-sink");
    }

    /** The fan-out's branches for these settings, carrier (the SAM encoder) first ({@link FanOut}). */
    public static List<String> fanOutBranches(PipelineSettings settings) {
        return FanOut.branches(settings);
    }

    /** The region generator the settings select; the job and the benchmark's bare model loop both use this. */
    public static RegionGenerator regionGenerator(PipelineSettings settings) {
        return RegionGenerators.create(settings);
    }

    /** Which model produced what, for every event. */
    public static Map<String, String> modelIds(RegionGenerator generator, InspectionConfig inspection) {
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put("samEncoder", inspection.getSam().encoderModelId());
        ids.put("samDecoder", inspection.getSam().decoderModelId());
        ids.put("saliencyFeatures", inspection.getSaliencyFeatures().modelId());
        ids.putAll(RegionGenerators.modelIds(generator));
        return ids;
    }
}
