package dev.saaflink.models.batching;

import static dev.saaflink.models.batching.MicroBatcherTest.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saaflink.models.runtime.ModelCall;
import dev.saaflink.models.runtime.ModelCallCancelledException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Cancelling one caller's {@link ModelCall} in the micro-batcher: the caller stops waiting at once, a queued request
 * is never run, and a batch already running for several callers goes on for the others; only when all its callers
 * are cancelled is the batch's own call cancelled (which terminates its ONNX Runtime run).
 */
class MicroBatcherCancelTest {

    /** Answers item * 10; while {@code gate} is closed, waits on it unless the batch's call is cancelled. */
    static final class GatedModel implements BatchFunction<Integer, Integer> {
        final List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
        final List<ModelCall> calls = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch gate = new CountDownLatch(1);

        @Override
        public List<Integer> apply(List<Integer> items) throws Exception {
            ModelCall call = ModelCall.current();
            calls.add(call);
            batches.add(List.copyOf(items));
            while (!gate.await(5, TimeUnit.MILLISECONDS)) {
                call.throwIfCancelled(); // what a terminated ORT run does
            }
            return items.stream().map(i -> i * 10).toList();
        }
    }

    /** Submits {@code item} under a fresh call made current on a helper thread, as a stage's worker does. */
    private static CompletableFuture<Integer> submitUnder(MicroBatcher<Integer, Integer> b, ModelCall call, int item)
            throws Exception {
        CompletableFuture<CompletableFuture<Integer>> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (ModelCall.Scope s = call.enter()) {
                f.complete(b.submit(item));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        t.start();
        return f.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aCancelledCallerOfARunningBatchStopsWaitingWhileTheOthersGetTheirResults() throws Exception {
        GatedModel model = new GatedModel();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>("gated", BatchSettings.of(4, 200), 0, model, null)) {
            ModelCall c1 = new ModelCall("frame-1");
            ModelCall c2 = new ModelCall("frame-2");
            CompletableFuture<Integer> f1 = submitUnder(b, c1, 1);
            CompletableFuture<Integer> f2 = submitUnder(b, c2, 2);
            waitUntil(() -> model.batches.size() == 1);
            assertThat(model.batches.get(0)).containsExactly(1, 2);

            c1.cancel();
            // A CancellationException completes the future as cancelled: get() throws it as is.
            assertThatThrownBy(() -> f1.get(1, TimeUnit.SECONDS)).isInstanceOf(ModelCallCancelledException.class);
            assertThat(model.calls.get(0).isCancelled()).as("the batch still serves frame-2").isFalse();

            model.gate.countDown();
            assertThat(f2.get(5, TimeUnit.SECONDS)).isEqualTo(20);
            assertThat(b.stats().failedBatches()).isZero();
        }
    }

    @Test
    void aBatchWhoseCallersAllGaveUpIsCancelled() throws Exception {
        GatedModel model = new GatedModel();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>("gated", BatchSettings.of(4, 200), 0, model, null)) {
            ModelCall c1 = new ModelCall("frame-1");
            ModelCall c2 = new ModelCall("frame-2");
            CompletableFuture<Integer> f1 = submitUnder(b, c1, 1);
            CompletableFuture<Integer> f2 = submitUnder(b, c2, 2);
            waitUntil(() -> model.batches.size() == 1);
            c1.cancel();
            c2.cancel();
            waitUntil(() -> model.calls.get(0).isCancelled());
            assertThat(f1).isCompletedExceptionally();
            assertThat(f2).isCompletedExceptionally();
            // The batcher is free again: the next caller is served in a batch of its own.
            model.gate.countDown();
            assertThat(b.submit(3).get(5, TimeUnit.SECONDS)).isEqualTo(30);
            assertThat(model.batches).containsExactly(List.of(1, 2), List.of(3));
        }
    }

    @Test
    void aCancelledQueuedRequestLeavesTheQueueAndIsNeverRun() throws Exception {
        GatedModel model = new GatedModel();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>("gated", new BatchSettings(1, 0, 8), 0, model,
                null)) {
            CompletableFuture<Integer> first = b.submit(0); // occupies the batcher's thread
            waitUntil(() -> model.batches.size() == 1);
            ModelCall c = new ModelCall("queued");
            CompletableFuture<Integer> queued = submitUnder(b, c, 7);
            CompletableFuture<Integer> next = b.submit(8);
            assertThat(b.stats().queued()).isEqualTo(2);

            c.cancel();
            assertThat(b.stats().queued()).as("the cancelled request (and its input) left the queue").isEqualTo(1);
            assertThat(queued).isCompletedExceptionally();

            model.gate.countDown();
            assertThat(first.get(5, TimeUnit.SECONDS)).isZero();
            assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo(80);
            assertThat(model.batches).containsExactly(List.of(0), List.of(8));
        }
    }

    @Test
    void aSubmitWaitingForRoomStopsWhenItsCallIsCancelled() throws Exception {
        GatedModel model = new GatedModel();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>("gated", new BatchSettings(1, 0, 1), 0, model,
                null)) {
            b.submit(0);
            waitUntil(() -> model.batches.size() == 1);
            b.submit(1); // fills the queue
            ModelCall c = new ModelCall("blocked");
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try (ModelCall.Scope s = c.enter()) {
                    b.submit(2);
                    outcome.complete(null);
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            });
            t.start();
            Thread.sleep(100);
            assertThat(outcome).isNotDone();
            c.cancel();
            assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(ModelCallCancelledException.class);
            model.gate.countDown();
        }
    }
}
