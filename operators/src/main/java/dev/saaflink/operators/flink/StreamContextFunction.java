package dev.saaflink.operators.flink;

import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.context.KeyBudget;
import dev.saaflink.operators.context.StreamContextScorer;
import dev.saaflink.operators.context.StreamMemory;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.metrics.StageMetrics;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.pipeline.StageFailure;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The stream-context saliency, keyed by camera and category ({@link #key}): scores each frame's SAM embedding against
 * the memory of that key's recent frames ({@link StreamContextScorer}), puts the map at image resolution into
 * {@link FrameInProgress#saliency} (the segmentation stage then skips its within-image saliency), and adds the frame
 * to the memory. The memory is keyed state, so it is checkpointed and restored with the job and a camera's memory
 * follows its key when the job is rescaled.
 *
 * <p>Frames that already failed pass through. While a key's memory warms up, a frame is scored against itself
 * (on the same scale; counted in {@code saa.warmupFrames}). An error while scoring fails only that frame
 * ({@code MODEL_FAILED}, stage {@value #STAGE}); its features are then not remembered. Any other exception or
 * non-fatal error on a frame fails only that frame too ({@code PROCESSING_FAILED}); the fatal ones
 * ({@link FatalErrors}: out of memory, a broken classpath) fail the task.
 *
 * <p>Keys come from the frames, so from anyone who can write to the frames topic; each holds a memory of up to
 * {@link StreamContextConfig#memoryBytesPerKey} bytes. Two bounds keep that heap finite:
 * <ul>
 *   <li>a memory idle for {@code streamContext.idleTtl} expires (Flink state TTL, processing time, refreshed on
 *       every read and write; cleaned up incrementally on the heap backend, by compaction on RocksDB, and left out of
 *       full snapshots);</li>
 *   <li>at most {@code streamContext.maxCamerasPerSubtask} keys are admitted per subtask ({@link KeyBudget}); a frame
 *       of one more key fails with {@code TOO_MANY_CAMERAS} and allocates nothing. The budget's keys and their
 *       last-seen times are snapshotted as union operator state and, on restore, each subtask keeps the keys of its
 *       own key groups, so the count follows the keys when the job is rescaled. Limits: a key counts from its first
 *       admitted frame even when that frame's scoring failed (the count errs high, never low); the budget forgets a
 *       key after idleTtl by its own clock, the same processing time the state TTL uses; after a restore from a
 *       savepoint taken before the budget existed, memories restored without a budget entry are counted again only
 *       once their camera sends a frame.</li>
 * </ul>
 */
public final class StreamContextFunction extends KeyedProcessFunction<String, FrameInProgress, FrameInProgress>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(StreamContextFunction.class);

    public static final String STAGE = StreamContextScorer.STAGE;

    /** Name of the keyed state holding each key's memory. */
    public static final String MEMORY_STATE = "stream-memory";
    /** Name of the union operator state holding the admitted keys and when each was last seen. */
    public static final String KEYS_STATE = "stream-context-keys";

    private final PipelineSettings settings;

    private transient KeyBudget budget;
    private transient ListState<Tuple2<String, Long>> budgetState;
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

    /**
     * The memory's state descriptor: with a TTL of {@code streamContext.idleTtl} unless that is 0. Flink restores a
     * memory written without a TTL into one with (and back), so changing idleTtl keeps the memories.
     */
    public static ValueStateDescriptor<StreamMemory> memoryDescriptor(StreamContextConfig config) {
        ValueStateDescriptor<StreamMemory> d = new ValueStateDescriptor<>(MEMORY_STATE,
                TypeInformation.of(StreamMemory.class));
        if (!config.getIdleTtl().isZero()) {
            d.enableTimeToLive(StateTtlConfig.newBuilder(config.getIdleTtl())
                    .useProcessingTime()
                    .updateTtlOnReadAndWrite()
                    .neverReturnExpired()
                    .cleanupFullSnapshot()
                    .cleanupIncrementally(10, false)
                    .build());
        }
        return d;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        StreamContextConfig config = settings.inspection.getStreamContext();
        budget = new KeyBudget(config.getMaxCamerasPerSubtask(), config.getIdleTtl().toMillis());
        budgetState = context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>(KEYS_STATE,
                Types.TUPLE(Types.STRING, Types.LONG)));
        if (context.isRestored()) {
            TaskInfo task = getRuntimeContext().getTaskInfo();
            List<Tuple2<String, Long>> mine = new ArrayList<>();
            for (Tuple2<String, Long> e : budgetState.get()) {
                // Union state: every subtask sees every subtask's keys; keep those whose key group is ours now.
                if (KeyGroupRangeAssignment.assignKeyToParallelOperator(e.f0, task.getMaxNumberOfParallelSubtasks(),
                        task.getNumberOfParallelSubtasks()) == task.getIndexOfThisSubtask()) {
                    mine.add(e);
                }
            }
            mine.sort(Comparator.comparingLong(e -> e.f1));
            for (Tuple2<String, Long> e : mine) {
                budget.restore(e.f0, e.f1);
            }
            LOG.info("Stream context: {} camera keys restored on subtask {}", budget.size(),
                    task.getIndexOfThisSubtask());
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        List<Tuple2<String, Long>> entries = new ArrayList<>(budget.size());
        budget.entries().forEach((k, t) -> entries.add(Tuple2.of(k, t)));
        budgetState.update(entries);
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        StreamContextConfig config = settings.inspection.getStreamContext();
        scorer = StreamContextScorer.open(config, settings.saliencyBackend, SamEncoderFunction.sessionSettings(settings));
        memory = getRuntimeContext().getState(memoryDescriptor(config));
        StageMetrics.saa(getRuntimeContext().getMetricGroup()).gauge("streamContextKeys", () -> budget.size());
        inferenceMillis = StageMetrics.histogram(StageMetrics.model(getRuntimeContext().getMetricGroup(),
                StageMetrics.STREAM_CONTEXT), StageMetrics.INFERENCE_MILLIS);
        warmupFrames = StageMetrics.counter(StageMetrics.saa(getRuntimeContext().getMetricGroup()),
                StageMetrics.WARMUP_FRAMES);
        LOG.info("Stream-context saliency: {}", config);
    }

    @Override
    public void processElement(FrameInProgress p, Context ctx, Collector<FrameInProgress> out) throws Exception {
        if (!p.failed()) {
            try {
                if (budget.admit(ctx.getCurrentKey(), ctx.timerService().currentProcessingTime())) {
                    score(p);
                } else {
                    p.failure = new StageFailure(STAGE, RejectReason.TOO_MANY_CAMERAS, IllegalStateException.class
                            .getName(), "camera '" + p.frame.cameraId + "' (category config '" + p.configCategory
                            + "') would be stream-context key " + (budget.size() + 1) + " on this subtask; at most "
                            + budget.capacity() + " (streamContext.maxCamerasPerSubtask) hold a memory at once, and "
                            + "a key's place frees after streamContext.idleTtl without frames");
                }
            } catch (Exception | Error e) {
                FatalErrors.rethrowIfFatal(e);
                LOG.warn("Stream context failed on frame {} of camera {}: {}", p.frame.frameId, p.frame.cameraId,
                        e.toString());
                p.failure = new StageFailure(STAGE, RejectReason.PROCESSING_FAILED, e);
            }
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
            FatalErrors.rethrowIfFatal(e);
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
