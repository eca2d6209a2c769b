package dev.saaflink.operators.flink;

import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.context.StreamContextScorer;
import dev.saaflink.operators.context.StreamMemory;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.metrics.StageMetrics;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.pipeline.StageFailure;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream-context saliency, keyed by camera and category ({@link #key}): scores each frame's SAM embedding against
 * the memory of that key's recent frames ({@link StreamContextScorer}), puts the map at image resolution into
 * {@link FrameInProgress#saliency} (the segmentation stage then skips its within-image saliency), and adds the frame
 * to the memory. The memory is keyed state, so it is checkpointed and restored with the job and a camera's memory
 * follows its key when the job is rescaled.
 *
 * <p>Frames that already failed pass through. While a key's memory warms up, a frame is scored against itself
 * (on the same scale; counted in {@code saa.warmupFrames}). An error while scoring fails only that frame
 * ({@code MODEL_FAILED}, stage {@value #STAGE}); its features are then not remembered.
 */
public final class StreamContextFunction extends KeyedProcessFunction<String, FrameInProgress, FrameInProgress> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(StreamContextFunction.class);

    public static final String STAGE = StreamContextScorer.STAGE;

    private final PipelineSettings settings;

    private transient StreamContextScorer scorer;
    private transient ValueState<StreamMemory> memory;
    private transient Histogram inferenceMillis;
    private transient Counter warmupFrames;

    public StreamContextFunction(PipelineSettings settings) {
        this.settings = settings;
    }

    /** The key: one memory per camera and category config. */
    public static String key(FrameInProgress p) {
        return p.frame.cameraId + "\u0000" + p.configCategory;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        StreamContextConfig config = settings.inspection.getStreamContext();
        scorer = StreamContextScorer.open(config, settings.saliencyBackend, SamEncoderFunction.sessionSettings(settings));
        memory = getRuntimeContext().getState(new ValueStateDescriptor<>("stream-memory",
                TypeInformation.of(StreamMemory.class)));
        inferenceMillis = StageMetrics.histogram(StageMetrics.model(getRuntimeContext().getMetricGroup(),
                StageMetrics.STREAM_CONTEXT), StageMetrics.INFERENCE_MILLIS);
        warmupFrames = StageMetrics.counter(StageMetrics.saa(getRuntimeContext().getMetricGroup()),
                StageMetrics.WARMUP_FRAMES);
        LOG.info("Stream-context saliency: {}", config);
    }

    @Override
    public void processElement(FrameInProgress p, Context ctx, Collector<FrameInProgress> out) throws Exception {
        if (!p.failed()) {
            score(p);
        }
        out.collect(p);
    }

    private void score(FrameInProgress p) {
        try {
            StreamMemory m = scorer.apply(p, memory.value());
            memory.update(m);
            if (m.added <= settings.inspection.getStreamContext().getWarmupFrames()) {
                warmupFrames.inc(); // the memory held fewer than warmupFrames frames before this one
            }
            inferenceMillis.update(Math.round(p.stageMs.get(STAGE)));
        } catch (Exception | Error e) {
            LOG.warn("Stream-context saliency failed for frame {} of camera {}: {}", p.frame.frameId,
                    p.frame.cameraId, e.toString());
            p.failure = new StageFailure(STAGE, RejectReason.MODEL_FAILED, e);
        }
    }

    @Override
    public void close() throws Exception {
        if (scorer != null) {
            scorer.close();
        }
    }
}
