package dev.saaflink.operators.flink;

import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.models.runtime.ModelCall;
import dev.saaflink.models.runtime.ModelCallCancelledException;
import dev.saaflink.operators.context.Fp16;
import dev.saaflink.operators.context.KeyBudget;
import dev.saaflink.operators.context.MemoryRecords;
import dev.saaflink.operators.context.MemoryRing;
import dev.saaflink.operators.context.StreamContextScorer;
import dev.saaflink.operators.context.StreamMemory;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.metrics.StageMetrics;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.pipeline.StageFailure;
import dev.saaflink.operators.stages.StageSessions;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The stream-context saliency, keyed by camera and category ({@link #key}): scores each frame's SAM embedding against
 * the memory of that key's recent frames ({@link StreamContextScorer}), puts the map at image resolution into
 * {@link FrameInProgress#saliency} (the segmentation stage then skips its within-image saliency), and adds the frame
 * to the memory. The memory is keyed state, so it is checkpointed and restored with the job and a camera's memory
 * follows its key when the job is rescaled.
 *
 * <p><b>State layout</b> (issue 14): a checkpoint must cost what the frames of its interval wrote, not cameras ×
 * memory size. So a memory is not one value but one map entry per memory frame ({@value #SLOTS_STATE}: slot index →
 * that frame's C × S patch vectors as fp16, {@link Fp16}, 512 KB for the defaults) plus a few bytes of bookkeeping
 * ({@value #RING_STATE}, {@link MemoryRing}). A frame reads every slot (reads write nothing) and writes only its own
 * slot and the ring. With RocksDB and incremental checkpoints, a checkpoint then uploads only the SST files written
 * since the last one: about the frames of the interval × slot size, plus compaction. Expiry: the ring carries the
 * idleTtl TTL, refreshed when a frame is remembered; the slots carry none (a TTL refreshed on read would rewrite
 * every slot on every frame) and are cleared by a processing-time timer once the ring has expired.
 * A memory of the layout before (one {@code StreamMemory} value under {@value #MEMORY_STATE}, e.g. from an older
 * savepoint) is moved into slots on its key's first frame and then cleared.
 *
 * <p><b>Time bound</b> (issue 14): scoring runs on the task thread, so a hung scoring call would hold the checkpoint
 * barrier back. Each frame's scoring runs under its own {@link ModelCall}, which a watchdog cancels after
 * {@link PipelineSettings#streamContextTimeoutMillis}: an ONNX Runtime run is terminated through its run options, the
 * plain-Java scorer checks the call between patches. The frame then becomes a {@code TIMEOUT} dead letter of this
 * stage and the memory is left as it was. Why bound it here instead of moving the scoring into an async operator:
 * the scoring needs the memory as of the previous frame of the same camera and must add the frame to it before the
 * next frame is scored. In an async stage the next frame's scoring would start before the previous one's memory
 * update landed in keyed state (unordered), or wait for it (ordered, which is what the task thread does anyway), and
 * the in-flight frames with their read memories would have to be checkpointed with the operator. On the task thread
 * the read, the scoring and the write happen between two records, so a checkpoint barrier always sees a memory that
 * includes exactly the frames before it (exactly-once), in each camera's order; the bound only caps how long a
 * barrier can wait.
 *
 * <p><b>Seed and reset records</b> ({@link MemoryRecords}, issue 14): a frame marked {@code saa.memory=seed} enters
 * the memory without being scored and is not emitted ({@code saa.seedFrames}); one marked {@code saa.memory=reset}
 * clears its key's memory and budget place and is not emitted ({@code saa.memoryResets}). Both come on the frames
 * topic in the camera's own order. A seed of one key too many fails with {@code TOO_MANY_CAMERAS} like a frame
 * (a dead letter); a failed seed or reset (e.g. it did not decode) passes through as any failed frame does.
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
 *   <li>a memory in which no frame was remembered for {@code streamContext.idleTtl} expires (its ring: Flink state
 *       TTL, processing time, refreshed by every remembered frame; cleaned up incrementally on the heap backend, by
 *       compaction on RocksDB, and left out of full snapshots; its slots: cleared by the key's idle timer);</li>
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

    /** Name of the keyed value state of the layout before issue 14 (a whole memory); read once to migrate. */
    public static final String MEMORY_STATE = "stream-memory";
    /** Name of the keyed map state holding each key's memory frames, one entry (fp16 bytes) per slot. */
    public static final String SLOTS_STATE = "stream-memory-slots";
    /** Name of the keyed value state holding each key's {@link MemoryRing}. */
    public static final String RING_STATE = "stream-memory-ring";
    /** Name of the union operator state holding the admitted keys and when each was last seen. */
    public static final String KEYS_STATE = "stream-context-keys";

    private final PipelineSettings settings;
    /** False only in the state benchmark: frames are remembered without being scored. */
    private final boolean scoring;

    private transient KeyBudget budget;
    private transient ListState<Tuple2<String, Long>> budgetState;
    private transient StreamContextScorer scorer;
    private transient ValueState<StreamMemory> legacyMemory;
    private transient MapState<Integer, byte[]> slots;
    private transient ValueState<MemoryRing> ring;
    private transient ScheduledExecutorService watchdog;
    private transient Counter timeouts;
    private transient Histogram inferenceMillis;
    private transient Counter warmupFrames;
    private transient Counter seedFrames;
    private transient Counter memoryResets;

    public StreamContextFunction(PipelineSettings settings) {
        this(settings, true);
    }

    /**
     * @param scoring false for the state benchmark ({@code saa bench --cameras}): each frame only enters its memory
     *     (same state reads and writes, no scoring, no saliency map)
     */
    public StreamContextFunction(PipelineSettings settings, boolean scoring) {
        this.settings = settings;
        this.scoring = scoring;
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
        return withTtl(new ValueStateDescriptor<>(MEMORY_STATE, TypeInformation.of(StreamMemory.class)), config,
                StateTtlConfig.UpdateType.OnReadAndWrite);
    }

    /**
     * The slots' state descriptor: without a TTL. A TTL refreshed on read would rewrite every slot on every frame (the
     * timestamp lives in the stored value), which is exactly the checkpoint cost this layout avoids; one refreshed on
     * write only would expire the oldest frames of a camera that sends fewer than memoryFrames frames per idleTtl.
     * So the slots are cleared by the key's idle timer ({@link #onTimer}) once its ring has expired.
     */
    public static MapStateDescriptor<Integer, byte[]> slotsDescriptor(StreamContextConfig config) {
        return new MapStateDescriptor<>(SLOTS_STATE, Types.INT, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    /**
     * The ring's state descriptor: with the TTL, refreshed when a frame is remembered (the ring is written with every
     * one; reading it, as the idle timer does, does not keep a memory alive).
     */
    public static ValueStateDescriptor<MemoryRing> ringDescriptor(StreamContextConfig config) {
        return withTtl(new ValueStateDescriptor<>(RING_STATE, TypeInformation.of(MemoryRing.class)), config,
                StateTtlConfig.UpdateType.OnCreateAndWrite);
    }

    /** A TTL of {@code streamContext.idleTtl}, refreshed as {@code update} says, unless the TTL is 0. */
    private static <D extends StateDescriptor<?, ?>> D withTtl(D d, StreamContextConfig config,
                                                               StateTtlConfig.UpdateType update) {
        if (!config.getIdleTtl().isZero()) {
            d.enableTimeToLive(StateTtlConfig.newBuilder(config.getIdleTtl())
                    .useProcessingTime()
                    .setUpdateType(update)
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
        scorer = StreamContextScorer.open(config, settings.saliencyBackend,
                StageSessions.of(settings, GpuDevices.deviceId(settings, getRuntimeContext())));
        legacyMemory = getRuntimeContext().getState(memoryDescriptor(config));
        slots = getRuntimeContext().getMapState(slotsDescriptor(config));
        ring = getRuntimeContext().getState(ringDescriptor(config));
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stream-context-watchdog");
            t.setDaemon(true);
            return t;
        });
        timeouts = StageMetrics.counter(StageMetrics.saa(getRuntimeContext().getMetricGroup()),
                "streamContextTimeouts");
        StageMetrics.saa(getRuntimeContext().getMetricGroup()).gauge("streamContextKeys", () -> budget.size());
        StreamContextScorer s = scorer;
        StageMetrics.saa(getRuntimeContext().getMetricGroup()).gauge("memoryPatchesLeftOut", s::maskedPatches);
        StageMetrics.saa(getRuntimeContext().getMetricGroup()).gauge("memoryFramesLeftOut", s::framesLeftOut);
        inferenceMillis = StageMetrics.histogram(StageMetrics.model(getRuntimeContext().getMetricGroup(),
                StageMetrics.STREAM_CONTEXT), StageMetrics.INFERENCE_MILLIS);
        warmupFrames = StageMetrics.counter(StageMetrics.saa(getRuntimeContext().getMetricGroup()),
                StageMetrics.WARMUP_FRAMES);
        seedFrames = StageMetrics.counter(StageMetrics.saa(getRuntimeContext().getMetricGroup()),
                StageMetrics.SEED_FRAMES);
        memoryResets = StageMetrics.counter(StageMetrics.saa(getRuntimeContext().getMetricGroup()),
                StageMetrics.MEMORY_RESETS);
        LOG.info("Stream-context saliency: {}", config);
    }

    @Override
    public void processElement(FrameInProgress p, Context ctx, Collector<FrameInProgress> out) throws Exception {
        MemoryRecords.Kind kind = MemoryRecords.kind(p);
        if (!p.failed() && kind == MemoryRecords.Kind.RESET) {
            reset(ctx);
            return; // no event: the record only acted on the memory
        }
        if (!p.failed()) {
            try {
                if (budget.admit(ctx.getCurrentKey(), ctx.timerService().currentProcessingTime())) {
                    if (kind == MemoryRecords.Kind.SEED) {
                        seed(p);
                        armIdleTimer(ctx);
                        return; // no event: a seed is remembered, not inspected
                    }
                    if (score(p)) {
                        armIdleTimer(ctx);
                    }
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

    /**
     * A seed record: the frame enters its key's memory as it would after being scored (same pooled, sampled patch
     * vectors) but is not scored, not counted as a warm-up frame and not emitted. It counts towards the memory's
     * warm-up, so after {@code warmupFrames} seeds the camera's first inspected frame is scored against the memory.
     */
    private void seed(FrameInProgress p) throws Exception {
        StreamMemory before = load();
        StreamMemory m = scorer.remember(p, before);
        store(m, m != before);
        seedFrames.inc();
    }

    /**
     * A reset record: the key's memory (slots, ring, a memory of the old layout) and its place in the camera budget
     * go; its next frame warms up again. A reset of a key without a memory changes nothing. A pending idle timer of
     * the key finds no ring and clears nothing more.
     */
    private void reset(Context ctx) throws Exception {
        ring.clear();
        slots.clear();
        legacyMemory.clear();
        budget.release(ctx.getCurrentKey());
        memoryResets.inc();
        LOG.info("Stream context: memory of key {} reset", ctx.getCurrentKey().replace('\u0000', '/'));
    }

    /** Scores and remembers the frame; true when its memory was written. */
    private boolean score(FrameInProgress p) throws Exception {
        StreamMemory before = load();
        long addedBefore = before == null ? 0 : before.added; // scoring updates the memory in place
        StreamMemory m;
        long timeoutMs = settings.streamContextTimeoutMillis;
        ModelCall call = new ModelCall(STAGE + " of frame " + p.frame.frameId);
        ScheduledFuture<?> timer = watchdog.schedule(call::cancel, timeoutMs, TimeUnit.MILLISECONDS);
        try (ModelCall.Scope scope = call.enter()) {
            m = scoring ? scorer.apply(p, before) : scorer.remember(p, before);
        } catch (ModelCallCancelledException e) {
            timeouts.inc();
            LOG.warn("Stream-context saliency of frame {} of camera {} took over {} ms: cancelled, memory unchanged",
                    p.frame.frameId, p.frame.cameraId, timeoutMs);
            p.saliency = null;
            p.darkLines = null;
            p.failure = new StageFailure(STAGE, RejectReason.TIMEOUT, "java.util.concurrent.TimeoutException",
                    STAGE + " did not finish within " + timeoutMs + " ms (streamContextTimeoutMillis)");
            return false;
        } catch (Exception | Error e) {
            FatalErrors.rethrowIfFatal(e);
            LOG.warn("Stream-context saliency failed for frame {} of camera {}: {}", p.frame.frameId,
                    p.frame.cameraId, e.toString());
            p.failure = new StageFailure(STAGE, RejectReason.MODEL_FAILED, e);
            return false;
        } finally {
            timer.cancel(false);
        }
        if (m.added == (m == before ? addedBefore : 0)) { // (a fresh memory starts at 0)
            // The admission gate kept the frame out of the memory: no slot is written, only the gate's count of
            // frames kept out in a row, in the ring.
            if (m.count > 0) {
                ring.update(MemoryRing.of(m));
            }
            if (scoring) {
                inferenceMillis.update(Math.round(p.stageMs.get(STAGE)));
            }
            return false;
        }
        store(m, m != before);
        if (m.added <= settings.inspection.getStreamContext().getWarmupFrames()) {
            warmupFrames.inc(); // the memory held fewer than warmupFrames frames before this one
        }
        if (scoring) {
            inferenceMillis.update(Math.round(p.stageMs.get(STAGE)));
        }
        return true;
    }

    /**
     * Registers the timer that clears the key's slots once its ring has expired (idleTtl after the last remembered
     * frame). Timestamps are rounded up to a sixteenth of idleTtl, so a key holds at most about 17 pending timers
     * however many frames it sends; each fires at or after the ring's expiry for the frames before it.
     */
    private void armIdleTimer(Context ctx) {
        long ttl = settings.inspection.getStreamContext().getIdleTtl().toMillis();
        if (ttl == 0) {
            return;
        }
        long bucket = Math.max(1, ttl / 16);
        long due = ctx.timerService().currentProcessingTime() + ttl;
        ctx.timerService().registerProcessingTimeTimer(Math.floorDiv(due + bucket - 1, bucket) * bucket);
    }

    /** An idle timer: when the key's ring has expired (no frame remembered for idleTtl), its slots go too. */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<FrameInProgress> out) throws Exception {
        if (ring.value() == null) {
            slots.clear();
            legacyMemory.clear();
        }
    }

    /**
     * The current key's memory decoded from its slots, or null when it has none. A memory of the old layout (one
     * value under {@value #MEMORY_STATE}) is written into slots and cleared first. A ring whose slots are not all
     * there (they expire together, so only a state written by hand gets here) counts as no memory.
     */
    private StreamMemory load() throws Exception {
        MemoryRing r = ring.value();
        if (r == null) {
            StreamMemory old = legacyMemory.value();
            if (old == null) {
                return null;
            }
            legacyMemory.clear();
            if (old.data == null || !old.fits(old.capacity, old.channels, old.perFrame)) {
                return null;
            }
            for (int i = 0; i < old.count; i++) {
                slots.put(i, Fp16.encode(old.data, i * old.channels * old.perFrame, old.channels * old.perFrame));
            }
            r = MemoryRing.of(old);
            ring.update(r);
            LOG.info("Stream context: moved a memory of the old layout into slots ({})", r);
        }
        StreamMemory m = r.emptyMemory();
        int size = r.slotValues();
        for (int i = 0; i < r.count; i++) {
            byte[] slot = slots.get(i);
            if (slot == null || slot.length != 2 * size) {
                LOG.warn("Stream context: slot {} of {} is missing; the memory starts over", i, r);
                ring.clear();
                slots.clear();
                return null;
            }
            Fp16.decode(slot, m.data, i * size, size);
        }
        return m;
    }

    /** Writes the slot the frame went to and the ring; {@code fresh}: a new memory, so older slots are dropped. */
    private void store(StreamMemory m, boolean fresh) throws Exception {
        if (fresh) {
            slots.clear();
        }
        MemoryRing r = MemoryRing.of(m);
        int slot = r.lastSlot();
        int size = r.slotValues();
        slots.put(slot, Fp16.encode(m.data, slot * size, size));
        ring.update(r);
    }

    @Override
    public void close() throws Exception {
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
        if (scorer != null) {
            scorer.close();
        }
    }
}
