package dev.saaflink.models.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The batcher with a plain Java model function: no ONNX Runtime. */
class MicroBatcherTest {

    /** Records the batches it sees; answers item * 10. */
    static final class FakeModel implements BatchFunction<Integer, Integer> {
        final List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
        volatile CountDownLatch gate; // when set, calls wait for it

        @Override
        public List<Integer> apply(List<Integer> items) throws Exception {
            CountDownLatch g = gate;
            if (g != null) {
                g.await(10, TimeUnit.SECONDS);
            }
            batches.add(List.copyOf(items));
            return items.stream().map(i -> i * 10).toList();
        }
    }

    @Test
    void gathersUpToTheMaximumSizeAndRoutesResultsToTheirCallersInOrder() throws Exception {
        FakeModel model = new FakeModel();
        model.gate = new CountDownLatch(1);
        AtomicBoolean ownedClosed = new AtomicBoolean();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>("fake", new BatchSettings(4, 0, 16), 0, model,
                () -> ownedClosed.set(true))) {
            // Item 0 goes alone into the call that waits on the gate; 1..9 queue up meanwhile.
            List<CompletableFuture<Integer>> fs = new ArrayList<>();
            fs.add(b.submit(0));
            waitUntil(() -> b.stats().queued() == 0);
            Thread.sleep(50);
            for (int i = 1; i < 10; i++) {
                fs.add(b.submit(i));
            }
            model.gate.countDown();
            for (int i = 0; i < 10; i++) {
                assertThat(fs.get(i).get(5, TimeUnit.SECONDS)).isEqualTo(i * 10);
            }
            // After the gated call the queued items fill batches of at most 4, in arrival order.
            assertThat(model.batches).allSatisfy(batch -> assertThat(batch).hasSizeLessThanOrEqualTo(4));
            assertThat(model.batches.subList(1, 3)).containsExactly(List.of(1, 2, 3, 4), List.of(5, 6, 7, 8));
            assertThat(model.batches.stream().flatMap(List::stream).toList())
                    .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            BatcherStats s = b.stats();
            assertThat(s.items()).isEqualTo(10);
            assertThat(s.batchSizeCounts()[4]).isEqualTo(2);
            assertThat(s.failedBatches()).isZero();
        }
        assertThat(ownedClosed).isTrue();
    }

    @Test
    void aLoneItemRunsWhenTheMaximumWaitIsOver() throws Exception {
        FakeModel model = new FakeModel();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>("fake", BatchSettings.of(8, 150), 0, model, null)) {
            long t0 = System.nanoTime();
            AtomicInteger wait = new AtomicInteger();
            assertThat(b.submit(7, (size, waitNanos, inferNanos, failed) -> wait.set((int) (waitNanos / 1_000_000)))
                    .get(5, TimeUnit.SECONDS)).isEqualTo(70);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).isBetween(140L, 2_000L);
            assertThat(wait.get()).isBetween(140, 2_000);
            assertThat(model.batches).containsExactly(List.of(7));
        }
    }

    @Test
    void concurrentCallersShareCallsWithinTheWait() throws Exception {
        FakeModel model = new FakeModel();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>("fake", BatchSettings.of(8, 300), 0, model, null)) {
            List<Thread> ts = new ArrayList<>();
            Integer[] results = new Integer[8];
            for (int i = 0; i < 8; i++) {
                int n = i;
                Thread t = new Thread(() -> {
                    try {
                        results[n] = b.submit(n).get(5, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                ts.add(t);
                t.start();
            }
            for (Thread t : ts) {
                t.join();
            }
            for (int i = 0; i < 8; i++) {
                assertThat(results[i]).isEqualTo(i * 10);
            }
            // Eight submits within 300 ms: one full call of 8.
            assertThat(model.batches).hasSize(1);
            assertThat(model.batches.get(0)).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7);
        }
    }

    @Test
    void aFailingCallFailsEveryItemOfItsBatch() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch gate = new CountDownLatch(1);
        BatchFunction<Integer, Integer> model = items -> {
            if (calls.incrementAndGet() == 1) {
                gate.await(5, TimeUnit.SECONDS);
                return List.of(items.get(0));
            }
            throw new IllegalStateException("model broke");
        };
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>("fake", new BatchSettings(3, 0, 6), 0, model,
                null)) {
            CompletableFuture<Integer> first = b.submit(0);
            waitUntil(() -> b.stats().queued() == 0);
            Thread.sleep(50);
            List<CompletableFuture<Integer>> fs = List.of(b.submit(1), b.submit(2), b.submit(3));
            gate.countDown();
            assertThat(first.get(5, TimeUnit.SECONDS)).isZero();
            for (CompletableFuture<Integer> f : fs) {
                assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .hasRootCauseMessage("model broke");
            }
            // The failing batch of 3 is retried item by item once (fixed-batch probe): all fail, so it is the model,
            // not the batch size, and batching stays on.
            assertThat(b.effectiveMaxBatch()).isEqualTo(3);
            assertThat(b.stats().failedBatches()).isEqualTo(1);
        }
    }

    @Test
    void aModelThatRunsOnlyAtBatchOneIsDiscoveredAndServedPerItem() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        BatchFunction<Integer, Integer> model = items -> {
            if (calls.incrementAndGet() == 1) {
                gate.await(5, TimeUnit.SECONDS);
            }
            if (items.size() > 1) {
                throw new IllegalStateException("Reshape: batch baked into the graph");
            }
            return List.of(items.get(0) + 1);
        };
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>("fixed", new BatchSettings(4, 0, 8), 0, model,
                null)) {
            CompletableFuture<Integer> first = b.submit(0);
            waitUntil(() -> b.stats().queued() == 0);
            Thread.sleep(50);
            List<CompletableFuture<Integer>> fs = List.of(b.submit(1), b.submit(2), b.submit(3));
            gate.countDown();
            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(1);
            for (int i = 0; i < 3; i++) {
                assertThat(fs.get(i).get(5, TimeUnit.SECONDS)).isEqualTo(i + 2);
            }
            assertThat(b.effectiveMaxBatch()).isEqualTo(1);
            assertThat(b.submit(9).get(5, TimeUnit.SECONDS)).isEqualTo(10);
        }
    }

    @Test
    void aDeclaredFixedBatchLimitsTheBatchUpFront() throws Exception {
        FakeModel model = new FakeModel();
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>("declared", BatchSettings.of(8, 0), 1, model,
                null)) {
            assertThat(b.effectiveMaxBatch()).isEqualTo(1);
            List<CompletableFuture<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                fs.add(b.submit(i));
            }
            for (int i = 0; i < 5; i++) {
                assertThat(fs.get(i).get(5, TimeUnit.SECONDS)).isEqualTo(i * 10);
            }
            assertThat(model.batches).allSatisfy(batch -> assertThat(batch).hasSize(1));
        }
    }

    @Test
    void aFullQueueBlocksTheSubmitterUntilThereIsRoom() throws Exception {
        FakeModel model = new FakeModel();
        model.gate = new CountDownLatch(1);
        try (MicroBatcher<Integer, Integer> b = new MicroBatcher<>("bounded", new BatchSettings(2, 0, 2), 0, model,
                null)) {
            b.submit(0); // taken by the gated call
            waitUntil(() -> b.stats().queued() == 0);
            Thread.sleep(50);
            b.submit(1);
            b.submit(2); // queue now full (2)
            AtomicBoolean submitted = new AtomicBoolean();
            Thread t = new Thread(() -> {
                try {
                    b.submit(3);
                    submitted.set(true);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.start();
            Thread.sleep(300);
            assertThat(submitted).as("submit blocks while the queue is full").isFalse();
            assertThat(b.stats().queued()).isEqualTo(2);
            model.gate.countDown();
            t.join(5_000);
            assertThat(submitted).isTrue();
        }
    }

    @Test
    void closeFailsWaitingRequestsRejectsNewOnesAndClosesTheModelOnce() throws Exception {
        FakeModel model = new FakeModel();
        model.gate = new CountDownLatch(1);
        AtomicInteger ownedCloses = new AtomicInteger();
        MicroBatcher<Integer, Integer> b = new MicroBatcher<>("closing", new BatchSettings(1, 0, 4), 0, model,
                ownedCloses::incrementAndGet);
        CompletableFuture<Integer> running = b.submit(0);
        waitUntil(() -> b.stats().queued() == 0);
        Thread.sleep(50);
        CompletableFuture<Integer> queued = b.submit(1);
        Thread closer = new Thread(b::close);
        closer.start();
        Thread.sleep(100);
        model.gate.countDown(); // the call in progress finishes; close waits for it
        closer.join(5_000);
        assertThat(running.get(5, TimeUnit.SECONDS)).isZero();
        assertThatThrownBy(() -> queued.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> b.submit(2)).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("closing");
        b.close();
        assertThat(ownedCloses.get()).isEqualTo(1);
        assertThat(b.isClosed()).isTrue();
    }

    @Test
    void sharedBatchersAreReferenceCounted() throws Exception {
        AtomicInteger created = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        SharedBatchers.Factory<Integer, Integer> factory = () -> {
            created.incrementAndGet();
            return new MicroBatcher<>("shared", BatchSettings.of(2, 0), 0, new FakeModel(), closed::incrementAndGet);
        };
        SharedBatchers.Handle<Integer, Integer> h1 = SharedBatchers.acquire("k", factory);
        SharedBatchers.Handle<Integer, Integer> h2 = SharedBatchers.acquire("k", factory);
        assertThat(h2.batcher()).isSameAs(h1.batcher());
        assertThat(SharedBatchers.referenceCount("k")).isEqualTo(2);
        h1.close();
        h1.close();
        assertThat(closed.get()).isZero();
        assertThat(h2.batcher().submit(4).get(5, TimeUnit.SECONDS)).isEqualTo(40);
        h2.close();
        assertThat(closed.get()).isEqualTo(1);
        assertThat(SharedBatchers.referenceCount("k")).isZero();
        assertThat(created.get()).isEqualTo(1);
        assertThatThrownBy(() -> SharedBatchers.acquire("bad", () -> {
            throw new IllegalStateException("no model");
        })).hasMessage("no model");
        assertThat(SharedBatchers.referenceCount("bad")).isZero();
    }

    static void waitUntil(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.sleep(5);
        }
    }
}
