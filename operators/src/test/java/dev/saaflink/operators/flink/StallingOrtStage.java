package dev.saaflink.operators.flink;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.saaflink.models.onnx.OnnxGraphBuilder;
import dev.saaflink.models.runtime.OrtSessions;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.runtime.SharedSession;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import java.lang.ref.WeakReference;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fault-injecting model stage on real ONNX Runtime sessions: frames whose id starts with {@code stall-} keep the
 * model busy (back-to-back runs of a slow MatMul chain) for up to {@link #STALL_MAX_MS}, which only a terminate
 * through the frame's RunOptions cuts short; frames whose id starts with {@code block-} first wait for {@link #gate}
 * in Java, which no cancel reaches; every frame then runs a small, fast graph. The counters are static because
 * a MiniCluster job works on deserialised copies of the function; tests reset them.
 */
final class StallingOrtStage extends ModelStageFunction {
    private static final long serialVersionUID = 1L;

    static final String STAGE = "stallingStage";
    static final long STALL_MAX_MS = 10_000;
    private static final int N = 256;

    /** process() calls, all frames. */
    static final AtomicInteger CALLS = new AtomicInteger();
    /** process() calls on stall frames. */
    static final AtomicInteger STALL_CALLS = new AtomicInteger();
    /** Stall calls that ran their whole {@link #STALL_MAX_MS} (i.e. were not cancelled). */
    static final AtomicInteger STALLS_COMPLETED = new AtomicInteger();

    /** Frames whose id starts with {@code block-} wait for this in Java, deaf to any cancel; see {@link #reset}. */
    static volatile CountDownLatch gate = new CountDownLatch(0);
    /** Ids of the frames process() was called on. */
    static final Queue<String> PROCESSED = new ConcurrentLinkedQueue<>();

    /** The images of the frames handed to the stage, weakly: how many are still reachable shows what is retained. */
    static final Queue<WeakReference<Object>> TRACKED = new ConcurrentLinkedQueue<>();

    private final int slowNodes;
    private transient SharedSession slow;
    private transient SharedSession fast;

    StallingOrtStage(PipelineSettings settings, int slowNodes) {
        super(STAGE, settings);
        this.slowNodes = slowNodes;
    }

    static void reset() {
        CALLS.set(0);
        STALL_CALLS.set(0);
        STALLS_COMPLETED.set(0);
        TRACKED.clear();
        PROCESSED.clear();
        gate = new CountDownLatch(0);
    }

    /** Images handed to the stage that are still reachable (call after a GC). */
    static int liveTracked() {
        TRACKED.removeIf(r -> r.get() == null);
        return TRACKED.size();
    }

    @Override
    public void asyncInvoke(FrameInProgress frame, ResultFuture<FrameInProgress> result) {
        TRACKED.add(new WeakReference<>(frame.frame.image));
        super.asyncInvoke(frame, result);
    }

    /** y = x·x·…·x, {@code nodes} MatMuls of [N,N] on an input x. */
    static byte[] chain(int nodes) {
        OnnxGraphBuilder g = OnnxGraphBuilder.create("chain").floatInput("x", N, N);
        String prev = "x";
        for (int i = 0; i < nodes; i++) {
            String out = i == nodes - 1 ? "y" : "h" + i;
            g.node("MatMul", prev, "x").outputs(out);
            prev = out;
        }
        return g.floatOutput("y", N, N).toBytes();
    }

    @Override
    protected void openModels() throws Exception {
        slow = open("slow", chain(slowNodes));
        fast = open("fast", chain(2));
    }

    private static SharedSession open(String name, byte[] model) throws Exception {
        Path file = Files.createTempFile("stalling-stage-" + name, ".onnx");
        file.toFile().deleteOnExit();
        Files.write(file, model);
        return OrtSessions.acquire(file, SessionSettings.cpu(1));
    }

    @Override
    protected void process(FrameInProgress frame) throws Exception {
        CALLS.incrementAndGet();
        PROCESSED.add(frame.frame.frameId);
        long t0 = System.nanoTime();
        if (frame.frame.frameId.startsWith("block-")) {
            gate.await();
        }
        if (frame.frame.frameId.startsWith("stall-")) {
            STALL_CALLS.incrementAndGet();
            while (System.nanoTime() - t0 < STALL_MAX_MS * 1_000_000L) {
                runOnce(slow);
            }
            STALLS_COMPLETED.incrementAndGet();
        } else {
            runOnce(fast);
        }
        frame.recordStage(STAGE, t0);
    }

    private static void runOnce(SharedSession s) throws OrtException {
        try (OnnxTensor x = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(new float[N * N]),
                new long[] {N, N})) {
            s.run(Map.of("x", x)).close();
        }
    }

    /** Runs in progress on the slow session. */
    int slowRunsInProgress() {
        return slow.runsInProgress();
    }

    @Override
    protected void closeModels() {
        if (slow != null) {
            slow.close();
        }
        if (fast != null) {
            fast.close();
        }
    }
}
