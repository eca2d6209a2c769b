package dev.saaflink.operators.flink;

import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.metrics.StageMetrics;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.FramePart;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.pipeline.StageFailure;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The fan-out's join: the parts of one frame ({@link FramePart}, one per branch: the SAM encoder, which carries the
 * frame, and the detector and/or features branches) meet here, keyed by {@link FramePart#key} (camera, frame id and
 * record coordinates), and leave as one frame once every branch answered. Each branch is an async model operator that
 * answers every frame exactly once (a result, a failure or its own timeout), so a frame normally completes; the join
 * still bounds the wait:
 * <ul>
 *   <li><b>complete</b>: the last part emits the carrier's frame with the other branches' outputs and timings merged
 *       in;</li>
 *   <li><b>a branch failed</b>: the frame leaves once, as that branch's failure (its stage and reason), as soon as the
 *       carrier is there (the dead letter then keeps the record's bytes); later parts are dropped;</li>
 *   <li><b>timeout</b>: {@code joinTimeoutMillis} (default twice the model timeout) after its first part, a frame
 *       still incomplete leaves as a {@code TIMEOUT} failure of stage {@value #STAGE} naming the missing branches
 *       (or as the failure a branch reported). Without the carrier the dead letter has the record's coordinates and
 *       ids but not its bytes;</li>
 *   <li><b>late parts</b>: once a frame left, its key keeps a tombstone (a few bytes, no frame) for another join
 *       timeout, so parts that come after are dropped and counted ({@code saa -> stage=join -> lateParts}) instead of
 *       starting a second join, which would make a second dead letter. A timer then clears the key: the state held
 *       per key is bounded in time, and an idle join holds no state.</li>
 * </ul>
 * State (one value per frame in flight, with the frame's pixels and embedding once the carrier arrived) and timers are
 * checkpointed, so a frame caught halfway by a checkpoint completes exactly once after a restore.
 */
public final class FrameJoinFunction extends KeyedProcessFunction<String, FramePart, FrameInProgress> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FrameJoinFunction.class);

    /** Operator and stage name; the stage of the dead letters the join itself makes. */
    public static final String STAGE = "join";
    /** Keyed state: the frame being joined, or its tombstone. */
    public static final String STATE = "frame-join";
    /** Counter: parts dropped because their frame already left (completed, failed or timed out). */
    public static final String LATE_PARTS = "lateParts";

    private final List<String> branches;
    private final String carrier;
    private final long timeoutMillis;
    private transient ValueState<Pending> pending;
    private transient Counter lateParts;
    private transient Counter timeouts;

    /** One frame's join: the parts so far, or (closed) the tombstone of a frame that left. A Flink POJO. */
    public static final class Pending {
        /** The carrier's frame once it arrived, else the first part's light frame; null once closed. */
        public FrameInProgress frame;
        public boolean carrierArrived;
        /** Bit i set: branch i answered. */
        public int received;
        /** The first failure a branch reported; the frame leaves as this. */
        public StageFailure failure;
        public long deadline;
        public boolean closed;
        /** When the tombstone of a closed join goes. */
        public long expiresAt;

        public Pending() {}
    }

    /**
     * @param branches the fan-out's branches, carrier first: every frame gets one part from each
     */
    public FrameJoinFunction(PipelineSettings settings, List<String> branches) {
        if (branches.size() < 2 || branches.size() > 30) {
            throw new IllegalArgumentException("a join needs 2 to 30 branches, got " + branches);
        }
        this.branches = List.copyOf(branches);
        this.carrier = branches.get(0);
        this.timeoutMillis = settings.effectiveJoinTimeoutMillis();
    }

    /** The keyed state's descriptor. */
    public static ValueStateDescriptor<Pending> descriptor() {
        return new ValueStateDescriptor<>(STATE, TypeInformation.of(Pending.class));
    }

    @Override
    public void open(OpenContext openContext) {
        pending = getRuntimeContext().getState(descriptor());
        MetricGroup g = StageMetrics.stage(getRuntimeContext().getMetricGroup(), STAGE);
        lateParts = StageMetrics.counter(g, LATE_PARTS);
        timeouts = StageMetrics.counter(g, StageMetrics.TIMEOUTS);
    }

    @Override
    public void processElement(FramePart part, Context ctx, Collector<FrameInProgress> out) throws Exception {
        int bit = bit(part.branch);
        Pending p = pending.value();
        if (p != null && (p.closed || (p.received & bit) != 0)) {
            lateParts.inc();
            LOG.debug("join: dropping late {} part of frame {} of camera {}", part.branch, part.frame.frame.frameId,
                    part.frame.frame.cameraId);
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        if (p == null) {
            p = new Pending();
            p.deadline = now + timeoutMillis;
            ctx.timerService().registerProcessingTimeTimer(p.deadline);
        }
        merge(p, part);
        p.received |= bit;
        if (p.failure != null && p.carrierArrived) {
            leave(p, p.failure, ctx, out);
        } else if (p.received == all()) {
            leave(p, null, ctx, out);
        } else {
            pending.update(p);
        }
    }

    /** Adds one part: the carrier's frame becomes the base, the other branches' outputs and timings go into it. */
    private void merge(Pending p, FramePart part) {
        FrameInProgress in = part.frame;
        if (in.failure != null && p.failure == null) {
            p.failure = in.failure;
        }
        if (p.frame == null) {
            p.frame = in;
        } else if (part.branch.equals(carrier)) {
            FrameInProgress before = p.frame;
            in.stageMs.putAll(before.stageMs);
            in.detected = in.detected != null ? in.detected : before.detected;
            in.featureGrid = in.featureGrid != null ? in.featureGrid : before.featureGrid;
            p.frame = in;
        } else {
            FrameInProgress base = p.frame;
            base.stageMs.putAll(in.stageMs);
            base.detected = in.detected != null ? in.detected : base.detected;
            base.featureGrid = in.featureGrid != null ? in.featureGrid : base.featureGrid;
        }
        if (part.branch.equals(carrier)) {
            p.carrierArrived = true;
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<FrameInProgress> out) throws Exception {
        Pending p = pending.value();
        if (p == null) {
            return;
        }
        if (p.closed) {
            if (timestamp >= p.expiresAt) {
                pending.clear();
            }
            return;
        }
        if (timestamp < p.deadline) {
            return;
        }
        StageFailure failure = p.failure;
        if (failure == null) {
            timeouts.inc();
            List<String> missing = missing(p.received);
            failure = new StageFailure(STAGE, RejectReason.TIMEOUT, "java.util.concurrent.TimeoutException",
                    "frame incomplete " + timeoutMillis + " ms after its first part (joinTimeoutMillis): no part from "
                            + String.join(", ", missing)
                            + (p.carrierArrived ? "" : "; the record's bytes came with the missing "
                            + carrier + " part, so this dead letter has only its coordinates"));
            LOG.warn("join: frame {} of camera {} timed out waiting for {}", p.frame.frame.frameId,
                    p.frame.frame.cameraId, missing);
        }
        leave(p, failure, ctx, out);
    }

    /** Emits the frame (failed when {@code failure} is set) and leaves a tombstone that a timer clears. */
    private void leave(Pending p, StageFailure failure, Context ctx, Collector<FrameInProgress> out)
            throws Exception {
        FrameInProgress frame = p.frame;
        if (failure != null) {
            frame.failure = failure;
        }
        out.collect(frame);
        long now = ctx.timerService().currentProcessingTime();
        ctx.timerService().deleteProcessingTimeTimer(p.deadline);
        Pending tombstone = new Pending();
        tombstone.closed = true;
        tombstone.received = p.received;
        tombstone.expiresAt = now + timeoutMillis;
        ctx.timerService().registerProcessingTimeTimer(tombstone.expiresAt);
        pending.update(tombstone);
    }

    private int bit(String branch) {
        int i = branches.indexOf(branch);
        if (i < 0) {
            throw new IllegalArgumentException("part of unknown branch '" + branch + "'; the join expects "
                    + branches);
        }
        return 1 << i;
    }

    private int all() {
        return (1 << branches.size()) - 1;
    }

    private List<String> missing(int received) {
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < branches.size(); i++) {
            if ((received & (1 << i)) == 0) {
                missing.add(branches.get(i));
            }
        }
        return missing;
    }

    /** Parts dropped because their frame had left; for tests. */
    long latePartsDropped() {
        return lateParts.getCount();
    }

    /** Frames the join itself timed out; for tests. */
    long timedOutFrames() {
        return timeouts.getCount();
    }
}
