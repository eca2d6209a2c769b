package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.saaflink.models.onnx.OnnxGraphBuilder;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.AvroBytes;
import dev.saaflink.schemas.DeadLetter;

import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 6 item 3: model faults end as dead letters that name the stage, after the configured retries, and never as
 * an exception out of the operator (which would fail the task and, with the same record replayed, loop restarts).
 * Unlike {@link ModelStageFunctionTest}, the failing model here is a real ONNX Runtime session: a tiny graph fed a
 * tensor of the wrong shape, so the error is the {@link OrtException} a broken or mismatched model really throws.
 */
class ModelStageFaultsTest {

    private static final long TIMEOUT_MS = 60_000;
    private static final String STAGE = "ortStage";

    /** y = x + [1, 2, 3] over x of shape [1, 3]. Frames whose id starts with "bad" are fed shape [1, 4]. */
    static final class OrtStage extends ModelStageFunction {
        private static final long serialVersionUID = 1L;

        final AtomicInteger calls = new AtomicInteger();
        final long sleepMillis;
        transient CountDownLatch gate;
        transient CountDownLatch entered;
        private transient OrtEnvironment env;
        private transient OrtSession session;

        OrtStage(PipelineSettings settings, long sleepMillis) {
            super(STAGE, settings);
            this.sleepMillis = sleepMillis;
        }

        @Override
        protected void openModels() throws OrtException {
            byte[] model = OnnxGraphBuilder.create("add")
                    .floatInput("x", 1, 3)
                    .floatInitializer("b", new float[] {1, 2, 3}, 3)
                    .node("Add", "x", "b").outputs("y").graph()
                    .floatOutput("y", 1, 3)
                    .toBytes();
            env = OrtEnvironment.getEnvironment();
            session = env.createSession(model, new OrtSession.SessionOptions());
        }

        @Override
        protected void process(FrameInProgress frame) throws Exception {
            calls.incrementAndGet();
            if (entered != null) {
                entered.countDown();
            }
            if (gate != null) {
                gate.await();
            }
            if (sleepMillis > 0) {
                Thread.sleep(sleepMillis);
            }
            int n = frame.frame.frameId.startsWith("bad") ? 4 : 3;
            try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[n]), new long[] {1, n});
                 OrtSession.Result r = session.run(Map.of("x", x))) {
                float[][] y = (float[][]) r.get(0).getValue();
                frame.stageMs.put(STAGE, (double) y[0][2]);
            }
        }

        @Override
        protected void closeModels() throws OrtException {
            if (session != null) {
                session.close();
            }
        }
    }

    private static PipelineSettings settings(int retries, long timeoutMs) {
        PipelineSettings s = new PipelineSettings(InspectionConfigLoader.loadDefault());
        s.modelRetries = retries;
        s.modelTimeoutMillis = timeoutMs;
        s.modelWorkerThreads = 1;
        s.asyncCapacity = 4;
        return s;
    }

    /** Runs the stage's outputs through the split that follows the model stages in the job. */
    private static List<DeadLetter> deadLettersOf(List<FrameInProgress> stageOutput, List<FrameRegions> passed)
            throws Exception {
        List<DeadLetter> letters = new ArrayList<>();
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameRegions> split =
                     ProcessFunctionTestHarnesses.forProcessFunction(new SplitFailuresFunction())) {
            long ts = 0;
            for (FrameInProgress p : stageOutput) {
                split.processElement(p, ts++);
            }
            passed.addAll(split.extractOutputValues());
            if (split.getSideOutput(DeadLetterOutput.TAG) != null) {
                for (StreamRecord<DeadLetter> r : split.getSideOutput(DeadLetterOutput.TAG)) {
                    letters.add(r.getValue());
                }
            }
        }
        return letters;
    }

    @Test
    void aRealOrtErrorIsRetriedThenBecomesADeadLetterNamingTheStage() throws Exception {
        OrtStage stage = new OrtStage(settings(2, TIMEOUT_MS), 0);
        List<FrameInProgress> out;
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = ModelStageFunctionTest.harness(stage, TIMEOUT_MS)) {
            h.processElement(new StreamRecord<>(SplitFailuresFunctionTest.frame("cam-1", "bad-1"), 1L));
            h.processElement(new StreamRecord<>(SplitFailuresFunctionTest.frame("cam-1", "good-2"), 2L));
            h.endInput();
            out = h.extractOutputValues();
        }

        // bad-1: one attempt plus two retries on the real session; good-2: one attempt, on the same session.
        assertThat(stage.calls).hasValue(3 + 1);
        assertThat(out).extracting(p -> p.frame.frameId).containsExactly("bad-1", "good-2");
        assertThat(out.get(0).failure).satisfies(f -> {
            assertThat(f.stage).isEqualTo(STAGE);
            assertThat(f.errorClass).isEqualTo(OrtException.class.getName());
            assertThat(f.message).containsIgnoringCase("dimension"); // ORT names the mismatched input dims
        });
        assertThat(out.get(1).failed()).isFalse();
        assertThat(out.get(1).stageMs.get(STAGE)).isEqualTo(3.0); // 0 + b[2], computed by ORT

        List<FrameRegions> passed = new ArrayList<>();
        List<DeadLetter> letters = deadLettersOf(out, passed);
        assertThat(passed).extracting(r -> r.frameId).containsExactly("good-2");
        assertThat(letters).singleElement().satisfies(d -> {
            assertThat(d.getStage()).isEqualTo(STAGE);
            assertThat(d.getReason()).isEqualTo("MODEL_FAILED");
            assertThat(d.getErrorClass()).isEqualTo("ai.onnxruntime.OrtException");
            assertThat(d.getFrameId()).isEqualTo("bad-1");
            assertThat(d.getOffset()).isEqualTo(99L);
            assertThat(AvroBytes.toArray(d.getPayload())).isNotEmpty();
        });
    }

    @Test
    void aSlowFailingModelStillGetsExactlyItsRetriesAndEndsAsModelFailed() throws Exception {
        OrtStage stage = new OrtStage(settings(2, TIMEOUT_MS), 150);
        List<FrameInProgress> out;
        long t0 = System.nanoTime();
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = ModelStageFunctionTest.harness(stage, TIMEOUT_MS)) {
            h.processElement(new StreamRecord<>(SplitFailuresFunctionTest.frame("cam-1", "bad-slow"), 1L));
            h.processElement(new StreamRecord<>(SplitFailuresFunctionTest.frame("cam-1", "slow-ok"), 2L));
            h.endInput();
            out = h.extractOutputValues();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;

        // 3 slow attempts (3 × 150 ms) with back-off 100 + 200 ms between them, then the next frame (150 ms).
        assertThat(ms).isGreaterThanOrEqualTo(3 * 150 + 300 + 150);
        assertThat(stage.calls).hasValue(4);
        assertThat(out).extracting(p -> p.failure == null ? "ok" : p.failure.stage + "/" + p.failure.reason)
                .containsExactly(STAGE + "/MODEL_FAILED", "ok");
    }

    @Test
    void aModelPastItsTimeoutIsATimeoutDeadLetterAndItsLateResultIsDropped() throws Exception {
        long timeoutMs = 1_000;
        OrtStage stage = new OrtStage(settings(2, timeoutMs), 0);
        stage.gate = new CountDownLatch(1);
        stage.entered = new CountDownLatch(1);
        List<FrameInProgress> out;
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = ModelStageFunctionTest.harness(stage, timeoutMs)) {
            h.setProcessingTime(0L);
            h.processElement(new StreamRecord<>(SplitFailuresFunctionTest.frame("cam-1", "hung-1"), 1L));
            assertThat(stage.entered.await(10, TimeUnit.SECONDS)).isTrue();
            h.setProcessingTime(timeoutMs + 1); // the model is still inside run()
            stage.gate.countDown(); // now it finishes late, successfully
            h.processElement(new StreamRecord<>(SplitFailuresFunctionTest.frame("cam-1", "next-2"), 2L));
            h.endInput();
            out = h.extractOutputValues();
        }

        // Exactly one output per frame: the late success of hung-1 does not appear a second time.
        assertThat(out).extracting(p -> p.frame.frameId).containsExactly("hung-1", "next-2");
        assertThat(out.get(1).failed()).isFalse();
        List<DeadLetter> letters = deadLettersOf(out, new ArrayList<>());
        assertThat(letters).singleElement().satisfies(d -> {
            assertThat(d.getStage()).isEqualTo(STAGE);
            assertThat(d.getReason()).isEqualTo("TIMEOUT");
            assertThat(d.getFrameId()).isEqualTo("hung-1");
            assertThat(d.getMessage()).isEqualTo(STAGE + " did not finish within 1000 ms");
        });
    }

    /** Records how the function answered; completeExceptionally would fail the job, so it must never be called. */
    static final class Answer implements ResultFuture<FrameInProgress> {
        final CompletableFuture<Collection<FrameInProgress>> values = new CompletableFuture<>();
        final AtomicInteger exceptional = new AtomicInteger();

        @Override
        public void complete(Collection<FrameInProgress> result) {
            values.complete(result);
        }

        @Override
        public void completeExceptionally(Throwable error) {
            exceptional.incrementAndGet();
            values.completeExceptionally(error);
        }

        @Override
        public void complete(CollectionSupplier<FrameInProgress> supplier) {
            try {
                values.complete(supplier.get());
            } catch (Exception e) {
                values.completeExceptionally(e);
            }
        }
    }

    @Test
    void asyncInvokeAndTimeoutNeverThrowNorCompleteExceptionally() throws Exception {
        OrtStage stage = new OrtStage(settings(1, TIMEOUT_MS), 0);
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = ModelStageFunctionTest.harness(stage, TIMEOUT_MS)) {
            for (int i = 0; i < 5; i++) {
                FrameInProgress bad = SplitFailuresFunctionTest.frame("cam-1", "bad-" + i);
                Answer invoked = new Answer();
                assertThatCode(() -> stage.asyncInvoke(bad, invoked)).doesNotThrowAnyException();
                Collection<FrameInProgress> v = invoked.values.get(10, TimeUnit.SECONDS);
                assertThat(v).singleElement().satisfies(p -> assertThat(p.failure.errorClass)
                        .isEqualTo(OrtException.class.getName()));
                assertThat(invoked.exceptional).hasValue(0);

                Answer timedOut = new Answer();
                assertThatCode(() -> stage.timeout(bad, timedOut)).doesNotThrowAnyException();
                assertThat(timedOut.values.get(1, TimeUnit.SECONDS)).singleElement()
                        .satisfies(p -> assertThat(p.failure.stage).isEqualTo(STAGE));
                assertThat(timedOut.exceptional).hasValue(0);
            }
            // Ten failed frames later, the session still answers a good one.
            Answer good = new Answer();
            stage.asyncInvoke(SplitFailuresFunctionTest.frame("cam-1", "good"), good);
            assertThat(good.values.get(10, TimeUnit.SECONDS)).singleElement()
                    .satisfies(p -> assertThat(p.failed()).isFalse());
        }
        assertThat(stage.calls).hasValue(5 * 2 + 1);
    }
}
