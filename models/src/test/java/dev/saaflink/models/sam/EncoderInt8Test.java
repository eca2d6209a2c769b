package dev.saaflink.models.sam;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.saaflink.models.onnx.OnnxGraphBuilder;
import dev.saaflink.models.onnx.OnnxGraphs;
import dev.saaflink.models.onnx.proto.ModelProto;
import dev.saaflink.models.onnx.proto.NodeProto;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link EncoderInt8} on a small graph built here: a linear layer, then an activation-by-activation MatMul. */
class EncoderInt8Test {

    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    static final int N = 5;
    static final int K = 64;
    static final int M = 32;

    /** x [N,K] -> MatMul(W [K,M]) -> h -> Add(b) -> y ; z = MatMul(y, yT) (no constant operand). */
    static byte[] linear(float[] w, float[] bias) {
        return OnnxGraphBuilder.create("linear")
                .floatInput("x", N, K)
                .floatInitializer("W", w, K, M)
                .floatInitializer("b", bias, M)
                .node("MatMul", "x", "W").outputs("h").graph()
                .node("Add", "h", "b").outputs("y").graph()
                .node("Transpose", "y").attrInts("perm", 1, 0).outputs("yT").graph()
                .node("MatMul", "y", "yT").outputs("z").graph()
                .floatOutput("y", N, M)
                .floatOutput("z", N, N)
                .toBytes();
    }

    static float[] gaussian(int n, long seed, double scale) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    static float[][] run(byte[] model, float[] x) throws Exception {
        try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), new long[] {N, K});
             OrtSession.Result r = s.run(Map.of("x", t))) {
            return new float[][] {((OnnxTensor) r.get("y").orElseThrow()).getFloatBuffer().array(),
                    ((OnnxTensor) r.get("z").orElseThrow()).getFloatBuffer().array()};
        }
    }

    @Test
    void onlyTheConstantWeightMatMulBecomesDynamicQuantizeMatMul() {
        byte[] q = EncoderInt8.rewrite(linear(gaussian(K * M, 1, 0.1), gaussian(M, 2, 0.1)));
        ModelProto m = OnnxGraphs.parse(q);
        assertThat(m.getGraph().getNodeList()).extracting(NodeProto::getOpType)
                .containsExactly("DynamicQuantizeMatMul", "Add", "Transpose", "MatMul");
        assertThat(m.getGraph().getNode(0).getDomain()).isEqualTo("com.microsoft");
        assertThat(m.getOpsetImportList()).anyMatch(o -> o.getDomain().equals("com.microsoft"));
        // The float weight is gone: the model carries int8 weights and one scale per column instead.
        assertThat(m.getGraph().getInitializerList()).noneMatch(t -> t.getName().equals("W"));
        assertThat(m.getGraph().getInitializerList()).anyMatch(t -> t.getName().equals("W_scale")
                && t.getDimsList().equals(java.util.List.of((long) M)));
    }

    @Test
    void outputsStayCloseToTheFloatGraph() throws Exception {
        byte[] model = linear(gaussian(K * M, 1, 0.1), gaussian(M, 2, 0.1));
        float[] x = gaussian(N * K, 3, 1.0);
        float[] exact = run(model, x)[0];
        float[] quant = run(EncoderInt8.rewrite(model), x)[0];
        double err = 0;
        double norm = 0;
        for (int i = 0; i < exact.length; i++) {
            err += (exact[i] - quant[i]) * (exact[i] - quant[i]);
            norm += exact[i] * exact[i];
        }
        // 8-bit weights and activations: a relative error around 1 %, far from 0 and far below a broken layout.
        assertThat(Math.sqrt(err / norm)).isLessThan(0.03).isGreaterThan(0.0);
    }

    @Test
    void symmetricPerColumnQuantisationByHand() {
        // 2 x 2, row-major: column 0 holds {1.27, -0.64}, column 1 {0, 0} (scale falls back to 1).
        EncoderInt8.Quantised q = EncoderInt8.quantise(new float[] {1.27f, 0f, -0.64f, 0f}, 2, 2);
        assertThat(q.scales()).containsExactly(0.01f, 1f);
        assertThat(q.values()).containsExactly((byte) 127, (byte) 0, (byte) -64, (byte) 0);
    }

    @Test
    void aGraphWithoutConstantWeightsIsLeftAlone() {
        byte[] model = OnnxGraphBuilder.create("act")
                .floatInput("a", 2, 2).floatInput("b", 2, 2)
                .node("MatMul", "a", "b").outputs("c").graph()
                .floatOutput("c", 2, 2).toBytes();
        assertThat(EncoderInt8.rewrite(model)).isSameAs(model);
    }
}
