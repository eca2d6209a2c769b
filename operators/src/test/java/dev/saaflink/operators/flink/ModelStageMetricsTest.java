package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.metrics.ModelStageMetrics;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;

import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The model stages' metrics as the stage keeps them: in-flight accounting (also when a timeout races a late worker
 * completion), retries, failures, timeouts and the per-model inference histograms.
 */
class ModelStageMetricsTest {

    private static final long TIMEOUT_MS = 1_000;

    /**
     * A "segmentation" stage without models: frames named {@code slow-*} wait for the gate, {@code fail-*} always
     * throw, {@code flaky-*} throw once; the others record saliency and decoder timings.
     */
    static final class FakeSegmentation extends ModelStageFunction {
        private static final long serialVersionUID = 1L;

        final transient CountDownLatch gate = new CountDownLatch(1);
        final transient CountDownLatch entered = new CountDownLatch(1);
        final transient AtomicInteger calls = new AtomicInteger();
        final transient ConcurrentHashMap<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        transient volatile boolean randomDelays;

        FakeSegmentation(PipelineSettings settings) {
            super("segmentation", settings);
        }

        @Override
        protected void openModels() {
        }

        @Override
        protected void process(FrameInProgress frame) throws Exception {
            calls.incrementAndGet();
            String id = frame.frame.frameId;
            int attempt = attempts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            if (id.startsWith("slow-")) {
                entered.countDown();
                gate.await();
            }
            if (id.startsWith("fail-") || (id.startsWith("flaky-") && attempt == 1)) {
                throw new IOException("model exploded on " + id);
            }
            if (randomDelays) {
                Thread.sleep(ThreadLocalRandom.current().nextInt(3));
            }
            frame.stageMs.put("saliency", 4.0);
            frame.stageMs.put("proposals", 1.0);
            frame.stageMs.put("samDecoder", 9.0);
        }

        @Override
        protected void closeModels() {
        }
    }

    /** A result handle that counts how often the stage answers it. */
    static final class CountingResult implements ResultFuture<FrameInProgress> {
        final AtomicInteger completions = new AtomicInteger();
        final AtomicReference<FrameInProgress> first = new AtomicReference<>();
        final CountDownLatch answered = new CountDownLatch(1);
        final CountDownLatch answeredTwice = new CountDownLatch(2);

        @Override
        public void complete(Collection<FrameInProgress> values) {
            first.compareAndSet(null, values.iterator().next());
            completions.incrementAndGet();
            answered.countDown();
            answeredTwice.countDown();
        }

        @Override
        public void completeExceptionally(Throwable error) {
            throw new AssertionError("the stage never fails a request", error);
        }

        @Override
        public void complete(CollectionSupplier<FrameInProgress> supplier) {
            try {
                complete(supplier.get());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    private static PipelineSettings settings(int retries, int workers) {
        PipelineSettings s = new PipelineSettings(InspectionConfigLoader.loadDefault());
        s.modelRetries = retries;
        s.modelTimeoutMillis = TIMEOUT_MS;
        s.modelWorkerThreads = workers;
        s.asyncCapacity = 4;
        return s;
    }

    private static OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> harness(ModelStageFunction stage)
            throws Exception {
        return ModelStageFunctionTest.harness(stage, TIMEOUT_MS);
    }

    private static FrameInProgress input(String frameId) {
        FrameInProgress p = SplitFailuresFunctionTest.frame("cam-1", frameId);
        p.stageMs.clear();
        p.stageMs.put("decode", 2.0);
        p.stageMs.put("samEncoder", 30.0);
        return p;
    }

    private static void awaitCount(java.util.function.LongSupplier value, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (value.getAsLong() != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(value.getAsLong()).isEqualTo(expected);
    }

    @Test
    void framesThroughTheOperatorLeaveNothingInFlightAndFeedTheHistograms() throws Exception {
        FakeSegmentation stage = new FakeSegmentation(settings(1, 2));
        List<FrameInProgress> out;
        ModelStageMetrics m;
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = harness(stage)) {
            h.processElement(new StreamRecord<>(input("ok-1"), 1L));
            h.processElement(new StreamRecord<>(input("flaky-2"), 2L));
            h.processElement(new StreamRecord<>(input("fail-3"), 3L));
            FrameInProgress failedEarlier = input("f-4");
            failedEarlier.failure = new dev.saaflink.operators.pipeline.StageFailure("samEncoder",
                    RejectReason.TIMEOUT, "x.Timeout", "slow");
            h.processElement(new StreamRecord<>(failedEarlier, 4L));
            h.endInput();
            out = h.extractOutputValues();
            m = stage.metrics();
        }
        assertThat(out).hasSize(4);
        assertThat(m.inFlight().count()).isZero();
        assertThat(m.retries().getCount()).isEqualTo(2);  // flaky-2 once, fail-3 once
        assertThat(m.failures().getCount()).isEqualTo(1); // fail-3
        assertThat(m.timeouts().getCount()).isZero();
        // Two frames succeeded: one value each per model, the encoder's earlier timing not among them.
        assertThat(m.inferenceHistogram("saliency").getStatistics().getValues()).containsExactly(4L, 4L);
        assertThat(m.inferenceHistogram("regionGenerator").getStatistics().getValues()).containsExactly(1L, 1L);
        assertThat(m.inferenceHistogram("samDecoder").getStatistics().getValues()).containsExactly(9L, 9L);
        assertThat(m.inferenceHistogram("samEncoder").getCount()).isZero();
    }

    @Test
    void aTimedOutFrameStopsCountingAtTheTimeoutNotAtItsLateCompletion() throws Exception {
        FakeSegmentation stage = new FakeSegmentation(settings(0, 1));
        ModelStageMetrics m;
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = harness(stage)) {
            m = stage.metrics();
            try {
                h.setProcessingTime(0L);
                h.processElement(new StreamRecord<>(input("slow-1"), 1L));
                assertThat(stage.entered.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(m.inFlight().count()).isEqualTo(1);

                // Flink's timer answers the request (and hands timeout() the handle asyncInvoke got).
                h.setProcessingTime(TIMEOUT_MS + 1);
                assertThat(m.timeouts().getCount()).isEqualTo(1);
                assertThat(m.inFlight().count()).isZero();
            } finally {
                stage.gate.countDown();
            }
            // The worker finishes late: its histogram value lands, the count stays at zero.
            awaitCount(() -> m.inferenceHistogram("samDecoder").getCount(), 1);
            Thread.sleep(50);
            assertThat(m.inFlight().count()).isZero();
            h.endInput();
            assertThat(h.extractOutputValues()).singleElement()
                    .satisfies(p -> assertThat(p.failure.reason).isEqualTo(RejectReason.TIMEOUT));
        }
        assertThat(m.inFlight().count()).isZero();
    }

    @Test
    void timeoutThenLateCompletionOnTheSameHandleCountsOnce() throws Exception {
        FakeSegmentation stage = new FakeSegmentation(settings(0, 1));
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = harness(stage)) {
            ModelStageMetrics m = stage.metrics();
            CountingResult result = new CountingResult();
            FrameInProgress slow = input("slow-1");
            try {
                stage.asyncInvoke(slow, result);
                assertThat(stage.entered.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(m.inFlight().count()).isEqualTo(1);
                stage.timeout(slow, result);
                assertThat(m.inFlight().count()).isZero();
                assertThat(result.first.get().failure.reason).isEqualTo(RejectReason.TIMEOUT);
            } finally {
                stage.gate.countDown();
            }
            // The late outcome is dropped (issue 13): the request was answered once, by the timeout.
            assertThat(result.answeredTwice.await(1, TimeUnit.SECONDS)).isFalse();
            assertThat(result.completions).hasValue(1);
            assertThat(m.inFlight().count()).isZero();
            assertThat(m.timeouts().getCount()).isEqualTo(1);
        }
    }

    @Test
    void completionThenALateTimeoutOnTheSameHandleCountsOnce() throws Exception {
        FakeSegmentation stage = new FakeSegmentation(settings(0, 1));
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = harness(stage)) {
            ModelStageMetrics m = stage.metrics();
            CountingResult result = new CountingResult();
            FrameInProgress frame = input("ok-1");
            stage.asyncInvoke(frame, result);
            assertThat(result.answered.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(m.inFlight().count()).isZero();
            stage.timeout(frame, result); // a timer racing the completion
            assertThat(m.inFlight().count()).isZero();

            // A frame that failed earlier passes straight through and is never counted.
            FrameInProgress failed = input("f-2");
            failed.failure = new dev.saaflink.operators.pipeline.StageFailure("samEncoder",
                    RejectReason.MODEL_FAILED, "x.Error", "bad");
            CountingResult passThrough = new CountingResult();
            stage.asyncInvoke(failed, passThrough);
            assertThat(passThrough.completions).hasValue(1);
            assertThat(m.inFlight().count()).isZero();
        }
    }

    @Test
    void manyRequestsRacingTheirTimeoutsNeverLeakOrGoNegative() throws Exception {
        int n = 400;
        PipelineSettings settings = settings(0, 4);
        settings.asyncCapacity = n; // this test hands all n requests over at once, as Flink would with that capacity
        FakeSegmentation stage = new FakeSegmentation(settings);
        stage.randomDelays = true;
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h = harness(stage)) {
            ModelStageMetrics m = stage.metrics();
            AtomicBoolean done = new AtomicBoolean();
            AtomicInteger minSeen = new AtomicInteger();
            Thread watcher = new Thread(() -> {
                while (!done.get()) {
                    minSeen.accumulateAndGet(m.inFlight().count(), Math::min);
                }
            });
            watcher.start();
            List<CountingResult> results = new ArrayList<>();
            List<Thread> timers = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    CountingResult r = new CountingResult();
                    FrameInProgress f = input("ok-" + i);
                    results.add(r);
                    stage.asyncInvoke(f, r);
                    if (i % 2 == 0) { // every other request also gets a timeout, racing its worker
                        Thread t = new Thread(() -> stage.timeout(f, r));
                        timers.add(t);
                        t.start();
                    }
                }
                for (Thread t : timers) {
                    t.join();
                }
                for (CountingResult r : results) {
                    assertThat(r.answered.await(10, TimeUnit.SECONDS)).isTrue();
                }
                // Requests answered by their timeout before a worker took them are skipped, not run (issue 13).
                assertThat(m.inferenceHistogram("saliency").getCount()).isBetween((long) n / 2, (long) n);
            } finally {
                done.set(true);
                watcher.join();
            }
            assertThat(m.inFlight().count()).isZero();
            assertThat(minSeen.get()).isGreaterThanOrEqualTo(0);
            assertThat(m.timeouts().getCount()).isEqualTo(n / 2);
        }
    }
}
