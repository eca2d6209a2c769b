package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.pipeline.StageFailure;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The retry, failure and timeout behaviour shared by the model stages, driven through Flink's async wait operator
 * with a scripted stage in place of ONNX Runtime.
 */
class ModelStageFunctionTest {

    private static final long TIMEOUT_MS = 1_000;

    /** A stage whose process() fails a set number of times, optionally blocking until released first. */
    static final class ScriptedStage extends ModelStageFunction {
        private static final long serialVersionUID = 1L;

        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        private final int failuresBeforeSuccess;
        transient CountDownLatch gate;
        transient CountDownLatch entered;

        ScriptedStage(PipelineSettings settings, int failuresBeforeSuccess) {
            super("fakeStage", settings);
            this.failuresBeforeSuccess = failuresBeforeSuccess;
        }

        @Override
        protected void openModels() {
            opened.incrementAndGet();
        }

        @Override
        protected void process(FrameInProgress frame) throws Exception {
            int n = calls.incrementAndGet();
            if (entered != null) {
                entered.countDown();
            }
            if (gate != null) {
                gate.await();
            }
            if (n <= failuresBeforeSuccess) {
                // Alternate a checked exception with an Error of the kind a native library throws.
                if (n % 2 == 1) {
                    throw new IOException("model exploded #" + n);
                }
                throw new UnsatisfiedLinkError("native call failed #" + n);
            }
            frame.stageMs.put("fakeStage", 1.0);
        }

        @Override
        protected void closeModels() {
            closed.incrementAndGet();
        }
    }

    private static PipelineSettings settings(int retries) {
        PipelineSettings s = new PipelineSettings(InspectionConfigLoader.loadDefault());
        s.modelRetries = retries;
        s.modelTimeoutMillis = TIMEOUT_MS;
        s.modelWorkerThreads = 1;
        s.asyncCapacity = 4;
        return s;
    }

    private static OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> harness(ScriptedStage stage)
            throws Exception {
        return harness(stage, TIMEOUT_MS);
    }

    /** An opened async-operator harness around a model stage (ordered output, capacity 4); shared by the stage tests. */
    static OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> harness(ModelStageFunction stage,
                                                                                   long timeoutMs) throws Exception {
        AsyncWaitOperatorFactory<FrameInProgress, FrameInProgress> factory = new AsyncWaitOperatorFactory<>(
                stage, timeoutMs, 4, AsyncDataStream.OutputMode.ORDERED);
        OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = new OneInputStreamOperatorTestHarness<>(
                factory, TypeInformation.of(FrameInProgress.class).createSerializer(new SerializerConfigImpl()));
        h.open();
        return h;
    }

    private static FrameInProgress input(String frameId) {
        FrameInProgress p = SplitFailuresFunctionTest.frame("cam-1", frameId);
        p.stageMs.clear();
        p.stageMs.put("decode", 2.0);
        return p;
    }

    @Test
    void succeedsFirstTime() throws Exception {
        ScriptedStage stage = new ScriptedStage(settings(2), 0);
        FrameInProgress in = input("f-1");
        List<FrameInProgress> out;
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = harness(stage)) {
            h.processElement(new StreamRecord<>(in, 1L));
            h.endInput();
            out = h.extractOutputValues();
        }

        assertThat(stage.opened).hasValue(1);
        assertThat(stage.closed).hasValue(1);
        assertThat(stage.calls).hasValue(1);
        assertThat(out).singleElement().satisfies(p -> {
            assertThat(p.failed()).isFalse();
            assertThat(p.frame.frameId).isEqualTo("f-1");
            assertThat(p.stageMs).containsOnlyKeys("decode", "fakeStage");
        });
        // The stage worked on a copy: the operator's own input record keeps its original timings.
        assertThat(in.stageMs).containsOnlyKeys("decode");
    }

    @Test
    void retriesThenPassesTheFrameOn() throws Exception {
        ScriptedStage stage = new ScriptedStage(settings(2), 2);
        List<FrameInProgress> out;
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = harness(stage)) {
            h.processElement(new StreamRecord<>(input("f-1"), 1L));
            h.endInput();
            out = h.extractOutputValues();
        }

        // Two failures (an IOException, then an UnsatisfiedLinkError), then the third attempt succeeds.
        assertThat(stage.calls).hasValue(3);
        assertThat(out).singleElement().satisfies(p -> {
            assertThat(p.failed()).isFalse();
            assertThat(p.stageMs).containsKey("fakeStage");
        });
    }

    @Test
    void exhaustedRetriesMarkTheFrameFailed() throws Exception {
        ScriptedStage stage = new ScriptedStage(settings(2), Integer.MAX_VALUE);
        FrameInProgress in = input("f-1");
        List<FrameInProgress> out;
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = harness(stage)) {
            h.processElement(new StreamRecord<>(in, 1L));
            h.endInput();
            out = h.extractOutputValues();
        }

        // One attempt plus two retries, no more.
        assertThat(stage.calls).hasValue(3);
        assertThat(out).singleElement().satisfies(p -> {
            StageFailure f = p.failure;
            assertThat(f).isNotNull();
            assertThat(f.stage).isEqualTo("fakeStage");
            assertThat(f.reason).isEqualTo(RejectReason.MODEL_FAILED);
            // The last attempt's error is the one recorded.
            assertThat(f.errorClass).isEqualTo("java.io.IOException");
            assertThat(f.message).isEqualTo("model exploded #3");
            assertThat(p.stageMs).doesNotContainKey("fakeStage");
        });
        assertThat(in.failure).isNull();
    }

    @Test
    void noRetriesMeansOneAttempt() throws Exception {
        ScriptedStage stage = new ScriptedStage(settings(0), Integer.MAX_VALUE);
        List<FrameInProgress> out;
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = harness(stage)) {
            h.processElement(new StreamRecord<>(input("f-1"), 1L));
            h.endInput();
            out = h.extractOutputValues();
        }

        assertThat(stage.calls).hasValue(1);
        assertThat(out).singleElement().satisfies(p -> assertThat(p.failure.reason).isEqualTo(RejectReason.MODEL_FAILED));
    }

    @Test
    void aFrameThatAlreadyFailedPassesThroughUntouched() throws Exception {
        ScriptedStage stage = new ScriptedStage(settings(2), 0);
        FrameInProgress in = input("f-1");
        StageFailure earlier = new StageFailure("samEncoder", RejectReason.TIMEOUT, "x.Timeout", "slow");
        in.failure = earlier;
        List<FrameInProgress> out;
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = harness(stage)) {
            h.processElement(new StreamRecord<>(in, 1L));
            h.endInput();
            out = h.extractOutputValues();
        }

        assertThat(stage.calls).hasValue(0);
        // The harness copies outputs through the serializer; identity is checked in directCallsKeepOrCopyTheInput.
        assertThat(out).singleElement().satisfies(p -> {
            assertThat(p.failure.stage).isEqualTo("samEncoder");
            assertThat(p.failure.reason).isEqualTo(RejectReason.TIMEOUT);
            assertThat(p.failure.message).isEqualTo("slow");
        });
    }

    @Test
    void timeoutFailsACopyAndLeavesTheInputAlone() throws Exception {
        ScriptedStage stage = new ScriptedStage(settings(2), 0);
        stage.gate = new CountDownLatch(1);
        stage.entered = new CountDownLatch(1);
        FrameInProgress in = input("f-1");
        List<FrameInProgress> out;
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = harness(stage)) {
            try {
                h.setProcessingTime(0L);
                h.processElement(new StreamRecord<>(in, 1L));
                assertThat(stage.entered.await(10, TimeUnit.SECONDS)).isTrue();
                // The worker is stuck inside process(); the operator's timer fires first.
                h.setProcessingTime(TIMEOUT_MS + 1);
                h.endInput();
                out = h.extractOutputValues();
            } finally {
                stage.gate.countDown();
            }
        }

        assertThat(out).singleElement().satisfies(p -> {
            assertThat(p.frame.frameId).isEqualTo("f-1");
            assertThat(p.failure.stage).isEqualTo("fakeStage");
            assertThat(p.failure.reason).isEqualTo(RejectReason.TIMEOUT);
            assertThat(p.failure.errorClass).isEqualTo("java.util.concurrent.TimeoutException");
            assertThat(p.failure.message).isEqualTo("fakeStage did not finish within 1000 ms");
        });
        assertThat(in.failure).isNull();
        assertThat(in.stageMs).containsOnlyKeys("decode");
    }

    @Test
    void framesLeaveInArrivalOrderWithFailuresInPlace() throws Exception {
        ScriptedStage stage = new ScriptedStage(settings(1), 0);
        FrameInProgress failedEarlier = input("f-2");
        failedEarlier.failure = new StageFailure("samEncoder", RejectReason.MODEL_FAILED, "x.Error", "bad");
        List<FrameInProgress> out;
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = harness(stage)) {
            h.processElement(new StreamRecord<>(input("f-1"), 1L));
            h.processElement(new StreamRecord<>(failedEarlier, 2L));
            h.processElement(new StreamRecord<>(input("f-3"), 3L));
            h.endInput();
            out = h.extractOutputValues();
        }

        assertThat(stage.calls).hasValue(2);
        assertThat(out).extracting(p -> p.frame.frameId).containsExactly("f-1", "f-2", "f-3");
        assertThat(out).extracting(FrameInProgress::failed).containsExactly(false, true, false);
    }

    /** Collects what the function hands to Flink, without any copying in between. */
    static final class Captured implements ResultFuture<FrameInProgress> {
        final CompletableFuture<Collection<FrameInProgress>> result = new CompletableFuture<>();

        @Override
        public void complete(Collection<FrameInProgress> values) {
            result.complete(values);
        }

        @Override
        public void completeExceptionally(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void complete(CollectionSupplier<FrameInProgress> supplier) {
            try {
                result.complete(supplier.get());
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        }

        FrameInProgress single() throws Exception {
            Collection<FrameInProgress> values = result.get(10, TimeUnit.SECONDS);
            assertThat(values).hasSize(1);
            return values.iterator().next();
        }
    }

    @Test
    void directCallsKeepOrCopyTheInput() throws Exception {
        // The harness only opens the function here (runtime context, metrics, workers); the calls go straight to it,
        // so object identity is visible.
        ScriptedStage stage = new ScriptedStage(settings(2), 0);
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = harness(stage)) {
            FrameInProgress failed = input("f-1");
            StageFailure earlier = new StageFailure("samEncoder", RejectReason.MODEL_FAILED, "x.Error", "bad");
            failed.failure = earlier;
            Captured passThrough = new Captured();
            stage.asyncInvoke(failed, passThrough);
            FrameInProgress passed = passThrough.single();
            assertThat(passed).isSameAs(failed);
            assertThat(passed.failure).isSameAs(earlier);
            assertThat(stage.calls).hasValue(0);

            FrameInProgress good = input("f-2");
            Captured processed = new Captured();
            stage.asyncInvoke(good, processed);
            FrameInProgress done = processed.single();
            assertThat(done).isNotSameAs(good);
            assertThat(done.frame).isSameAs(good.frame);
            assertThat(done.stageMs).containsKey("fakeStage");
            assertThat(good.stageMs).doesNotContainKey("fakeStage");

            FrameInProgress slow = input("f-3");
            Captured timedOut = new Captured();
            stage.timeout(slow, timedOut);
            FrameInProgress copy = timedOut.single();
            assertThat(copy).isNotSameAs(slow);
            assertThat(copy.frame).isSameAs(slow.frame);
            assertThat(copy.failure.reason).isEqualTo(RejectReason.TIMEOUT);
            assertThat(copy.failure.stage).isEqualTo("fakeStage");
            assertThat(slow.failure).isNull();
        }
    }
}
