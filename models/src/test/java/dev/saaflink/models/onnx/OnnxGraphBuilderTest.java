package dev.saaflink.models.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.saaflink.models.onnx.proto.ModelProto;
import dev.saaflink.models.onnx.proto.TensorProto;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnnxGraphBuilderTest {

    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    /** Runs a model on one float input and returns output {@code out} as a flat array. */
    static float[] run(byte[] model, String in, float[] values, long[] shape, String out) throws Exception {
        try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(values), shape);
             OrtSession.Result r = s.run(Map.of(in, x))) {
            OnnxTensor y = (OnnxTensor) r.get(out).orElseThrow();
            FloatBuffer b = y.getFloatBuffer();
            float[] a = new float[b.remaining()];
            b.get(a);
            return a;
        }
    }

    @Test
    void addWithSymbolicBatchBroadcastsAnInitializer() throws Exception {
        byte[] model = OnnxGraphBuilder.create("add")
                .floatInput("x", "batch", 3)
                .floatInitializer("b", new float[] {1, 2, 3}, 3)
                .node("Add", "x", "b").outputs("y").graph()
                .floatOutput("y", "batch", 3)
                .toBytes();
        float[] y = run(model, "x", new float[] {0, 0, 0, 10, 20, 30}, new long[] {2, 3}, "y");
        assertThat(y).containsExactly(1, 2, 3, 11, 22, 33);
    }

    @Test
    void matMulAgainstHandComputedProduct() throws Exception {
        // [2x3] x [3x2]
        byte[] model = OnnxGraphBuilder.create("mm")
                .floatInput("a", 2, 3)
                .floatInitializer("w", new float[] {1, 2, 3, 4, 5, 6}, 3, 2)
                .node("MatMul", "a", "w").outputs("c").graph()
                .floatOutput("c", 2, 2)
                .toBytes();
        float[] c = run(model, "a", new float[] {1, 0, -1, 2, 1, 0.5f}, new long[] {2, 3}, "c");
        // row 0: 1*[1,2] + 0*[3,4] - 1*[5,6] = [-4, -4]; row 1: 2*[1,2] + [3,4] + 0.5*[5,6] = [7.5, 11]
        assertThat(c).containsExactly(-4, -4, 7.5f, 11);
    }

    @Test
    void resizeNearestWithStringAttributes() throws Exception {
        byte[] model = OnnxGraphBuilder.create("resize")
                .floatInput("x", 1, 1, 2, 2)
                .floatInitializer("scales", new float[] {1, 1, 2, 2}, 4)
                .node("Resize", "x", "", "scales").outputs("y")
                .attr("mode", "nearest").attr("nearest_mode", "floor")
                .attr("coordinate_transformation_mode", "asymmetric").graph()
                .floatOutput("y", 1, 1, 4, 4)
                .toBytes();
        float[] y = run(model, "x", new float[] {1, 2, 3, 4}, new long[] {1, 1, 2, 2}, "y");
        assertThat(y).containsExactly(
                1, 1, 2, 2,
                1, 1, 2, 2,
                3, 3, 4, 4,
                3, 3, 4, 4);
    }

    @Test
    void intsFloatAndIntAttributesAndInt64Initializer() throws Exception {
        // Gemm(alpha=2, transB=1) then Transpose(perm=[1,0]) then TopK(k from an int64 initializer, axis 1).
        byte[] model = OnnxGraphBuilder.create("attrs")
                .floatInput("a", 2, 2)
                .floatInitializer("b", new float[] {1, 0, 0, 1}, 2, 2)
                .int64Initializer("k", new long[] {1}, 1)
                .node("Gemm", "a", "b").outputs("g").attr("alpha", 2f).attr("transB", 1).graph()
                .node("Transpose", "g").outputs("t").attrInts("perm", 1, 0).graph()
                .node("TopK", "t", "k").outputs("v", "i").attr("axis", 1).attr("largest", 1).graph()
                .floatOutput("v", 2, 1)
                .int64Output("i", 2, 1)
                .toBytes();
        try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(new float[] {1, 5, 3, 2}), new long[] {2, 2});
             OrtSession.Result r = s.run(Map.of("a", x))) {
            // g = 2*a = [[2,10],[6,4]]; t = [[2,6],[10,4]]; top-1 per row: 6 at 1, 10 at 0
            FloatBuffer v = ((OnnxTensor) r.get("v").orElseThrow()).getFloatBuffer();
            LongBuffer i = ((OnnxTensor) r.get("i").orElseThrow()).getLongBuffer();
            assertThat(new float[] {v.get(0), v.get(1)}).containsExactly(6, 10);
            assertThat(new long[] {i.get(0), i.get(1)}).containsExactly(1, 0);
        }
    }

    @Test
    void constantNodeWithTensorAttributeAndNewerOpset() throws Exception {
        byte[] model = OnnxGraphBuilder.create("const").opset(21)
                .floatInput("x", 2)
                .node("Constant").outputs("c").attr("value", OnnxGraphBuilder.floatTensor("c", new float[] {0.5f, 4}, 2))
                .graph()
                .node("Mul", "x", "c").outputs("y").graph()
                .floatOutput("y", 2)
                .toBytes();
        assertThat(OnnxGraphs.parse(model).getIrVersion()).isEqualTo(10);
        assertThat(run(model, "x", new float[] {3, 0.25f}, new long[] {2}, "y")).containsExactly(1.5f, 1f);
    }

    @Test
    void builtMessageHasTheSpecFields() {
        ModelProto m = OnnxGraphBuilder.create("g")
                .floatInput("x", "n", 4)
                .node("Relu", "x").outputs("y").name("relu").graph()
                .floatOutput("y", "n", 4)
                .build();
        assertThat(m.getOpsetImport(0).getVersion()).isEqualTo(OnnxGraphBuilder.DEFAULT_OPSET);
        assertThat(m.getIrVersion()).isEqualTo(8);
        assertThat(m.getGraph().getNode(0).getName()).isEqualTo("relu");
        assertThat(m.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam()).isEqualTo("n");
        assertThat(m.getGraph().getInput(0).getType().getTensorType().getShape().getDim(1).getDimValue()).isEqualTo(4);
        assertThat(OnnxGraphs.inputNames(m)).containsExactly("x");
        assertThat(OnnxGraphs.outputNames(m)).containsExactly("y");
    }

    @Test
    void rejectsMistakes() {
        assertThatThrownBy(() -> OnnxGraphBuilder.create("g").floatInitializer("w", new float[] {1, 2, 3}, 2, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 values");
        assertThatThrownBy(() -> OnnxGraphBuilder.create("g").floatInput("x", 2).floatInput("x", 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already used");
        assertThatThrownBy(() -> OnnxGraphBuilder.create("g").floatInput("x", 2.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OnnxGraphBuilder.create("g").opset(99)).isInstanceOf(IllegalArgumentException.class);
        OnnxGraphBuilder noOutputs = OnnxGraphBuilder.create("g").floatInput("x", 1);
        noOutputs.node("Relu", "x");
        assertThatThrownBy(noOutputs::toBytes).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void scalarInitializerHasNoDims() {
        TensorProto t = OnnxGraphBuilder.floatTensor("s", new float[] {2.5f});
        assertThat(t.getDimsCount()).isZero();
        assertThat(t.getRawData().size()).isEqualTo(4);
        assertThat(t.getDataType()).isEqualTo(TensorProto.DataType.FLOAT.getNumber());
        assertThat(Float.intBitsToFloat(t.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt())).isCloseTo(2.5f, within(0f));
    }
}
