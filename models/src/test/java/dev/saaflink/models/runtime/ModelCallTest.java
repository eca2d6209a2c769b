package dev.saaflink.models.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.saaflink.models.onnx.OnnxGraphBuilder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cancelling model calls on real ONNX Runtime sessions: a graph of chained MatMuls the test builds runs for seconds,
 * {@link ModelCall#cancel()} must stop it within a node or so (an interrupt would not), and releasing the last
 * handle of a shared session while a run is in progress must not close the session under it.
 */
class ModelCallTest {

    private static final int N = 512;

    @TempDir
    Path tmp;

    /** y = x·x·…·x ({@code nodes} MatMuls of [N,N]): slow in proportion to {@code nodes}, no weights. */
    static byte[] matMulChain(int nodes) {
        OnnxGraphBuilder g = OnnxGraphBuilder.create("chain").floatInput("x", N, N);
        String prev = "x";
        for (int i = 0; i < nodes; i++) {
            String out = i == nodes - 1 ? "y" : "h" + i;
            g.node("MatMul", prev, "x").outputs(out);
            prev = out;
        }
        return g.floatOutput("y", N, N).toBytes();
    }

    private static OnnxTensor zeros() throws OrtException {
        return OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(new float[N * N]),
                new long[] {N, N});
    }

    /** Milliseconds one run of a {@code nodes}-MatMul chain takes here, for sizing the slow graphs to this machine. */
    private long runMillis(int nodes) throws Exception {
        Path model = Files.write(tmp.resolve("probe-" + nodes + ".onnx"), matMulChain(nodes));
        try (SharedSession s = OrtSessions.acquire(model, SessionSettings.cpu(1)); OnnxTensor x = zeros()) {
            s.run(Map.of("x", x)).close(); // warm-up
            long t0 = System.nanoTime();
            s.run(Map.of("x", x)).close();
            return Math.max(1, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** A chain sized to run for about {@code millis} on this machine. */
    private Path slowModel(String name, long millis) throws Exception {
        int probe = 20;
        long perProbe = runMillis(probe);
        int nodes = (int) Math.min(200_000, Math.max(probe, probe * millis / perProbe));
        return Files.write(tmp.resolve(name + ".onnx"), matMulChain(nodes));
    }

    private static void waitUntil(BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 30 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void cancellingTheCallTerminatesARunningSessionPromptly() throws Exception {
        Path model = slowModel("slow", 10_000);
        try (SharedSession s = OrtSessions.acquire(model, SessionSettings.cpu(1))) {
            ModelCall call = new ModelCall("test frame");
            CompletableFuture<Object> outcome = CompletableFuture.supplyAsync(() -> {
                try (ModelCall.Scope scope = call.enter(); OnnxTensor x = zeros();
                     OrtSession.Result r = s.run(Map.of("x", x))) {
                    return "finished";
                } catch (Exception e) {
                    return e;
                }
            });
            waitUntil(() -> call.runsInProgress() == 1);
            Thread.sleep(300); // well inside the run
            long t0 = System.nanoTime();
            call.cancel();
            Object o = outcome.get(10, TimeUnit.SECONDS);
            long stopMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("ModelCallTest: a ~10 s run stopped %d ms after cancel%n", stopMs);
            assertThat(o).isInstanceOf(ModelCallCancelledException.class);
            assertThat(((Throwable) o).getCause()).isInstanceOf(OrtException.class); // ORT's own "terminate" error
            assertThat(stopMs).isLessThan(5_000);
            assertThat(call.runsInProgress()).isZero();
            assertThat(s.runsInProgress()).isZero();

            // A cancelled call starts no further run; the session itself is fine for other callers.
            try (ModelCall.Scope scope = call.enter(); OnnxTensor x = zeros()) {
                assertThatThrownBy(() -> s.run(Map.of("x", x))).isInstanceOf(ModelCallCancelledException.class);
            }
            assertThat(ModelCall.current()).isNull();
        }
    }

    @Test
    void aRunWithoutACurrentCallIsNotAffectedByOtherCallsCancelling() throws Exception {
        Path model = Files.write(tmp.resolve("short.onnx"), matMulChain(3));
        try (SharedSession s = OrtSessions.acquire(model, SessionSettings.cpu(1)); OnnxTensor x = zeros()) {
            ModelCall other = new ModelCall("other");
            other.cancel();
            try (OrtSession.Result r = s.run(Map.of("x", x))) {
                assertThat(((float[][]) r.get(0).getValue())[0][0]).isZero();
            }
        }
    }

    @Test
    void releasingTheLastHandleDuringARunClosesTheSessionOnlyAfterTheRunEnds() throws Exception {
        Path model = slowModel("slow-release", 2_000);
        SessionSettings settings = SessionSettings.cpu(1);
        SharedSession h = OrtSessions.acquire(model, settings);
        CompletableFuture<float[][]> outcome = CompletableFuture.supplyAsync(() -> {
            try (OnnxTensor x = zeros(); OrtSession.Result r = h.run(Map.of("x", x))) {
                return (float[][]) r.get(0).getValue();
            } catch (OrtException e) {
                throw new IllegalStateException(e);
            }
        });
        waitUntil(() -> h.runsInProgress() == 1);
        h.close(); // the last handle goes while the run is inside ONNX Runtime
        assertThat(OrtSessions.referenceCount(model, "", settings)).isZero();
        assertThat(h.sessionOpen()).as("closed under a running call").isTrue();
        assertThatThrownBy(() -> h.run(Map.of())).isInstanceOf(IllegalStateException.class);

        float[][] y = outcome.get(60, TimeUnit.SECONDS); // the run completes normally
        assertThat(y).hasDimensions(N, N);
        assertThat(y[N - 1][N - 1]).isZero();
        waitUntil(() -> !h.sessionOpen()); // and the session closes once it has ended
        assertThat(h.runsInProgress()).isZero();
    }

    @Test
    void aRunCancelledAfterItsSessionWasReleasedFailsCleanlyAndTheSessionThenCloses() throws Exception {
        Path model = slowModel("slow-release-cancel", 10_000);
        SharedSession h = OrtSessions.acquire(model, SessionSettings.cpu(1));
        ModelCall call = new ModelCall("released");
        CompletableFuture<Object> outcome = CompletableFuture.supplyAsync(() -> {
            try (ModelCall.Scope scope = call.enter(); OnnxTensor x = zeros();
                 OrtSession.Result r = h.run(Map.of("x", x))) {
                return "finished";
            } catch (Exception e) {
                return e;
            }
        });
        waitUntil(() -> call.runsInProgress() == 1);
        h.close();
        assertThat(h.sessionOpen()).isTrue();
        call.cancel();
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(ModelCallCancelledException.class);
        waitUntil(() -> !h.sessionOpen());
    }

    @Test
    void cancelListenersRunOnceAndAtOnceWhenAlreadyCancelled() throws Exception {
        ModelCall call = new ModelCall("listeners");
        int[] runs = new int[2];
        call.onCancel(() -> runs[0]++);
        assertThat(call.awaitCancelled(10)).isFalse();
        call.cancel();
        call.cancel();
        call.onCancel(() -> runs[1]++);
        assertThat(runs).containsExactly(1, 1);
        assertThat(call.awaitCancelled(0)).isTrue();
        assertThatThrownBy(call::throwIfCancelled).isInstanceOf(ModelCallCancelledException.class)
                .hasMessageContaining("listeners");
    }

    @Test
    void aScopeRestoresTheCallThatWasCurrentBefore() {
        ModelCall outer = new ModelCall("outer");
        ModelCall inner = new ModelCall("inner");
        try (ModelCall.Scope a = outer.enter()) {
            try (ModelCall.Scope b = inner.enter()) {
                assertThat(ModelCall.current()).isSameAs(inner);
            }
            assertThat(ModelCall.current()).isSameAs(outer);
        }
        assertThat(ModelCall.current()).isNull();
    }
}
