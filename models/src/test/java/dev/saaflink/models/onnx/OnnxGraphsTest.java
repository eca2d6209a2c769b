package dev.saaflink.models.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.UnknownFieldSet;
import dev.saaflink.models.onnx.proto.ModelProto;
import dev.saaflink.models.onnx.proto.TensorProto;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnnxGraphsTest {

    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    /** x -> Add(+1) -> t -> Mul(*3) -> y ; t is an intermediate tensor. */
    static byte[] twoStage() {
        return OnnxGraphBuilder.create("two-stage")
                .floatInput("x", "n")
                .floatInitializer("one", new float[] {1})
                .floatInitializer("three", new float[] {3})
                .node("Add", "x", "one").outputs("t").graph()
                .node("Mul", "t", "three").outputs("y").graph()
                .floatOutput("y", "n")
                .toBytes();
    }

    @Test
    void appendsNewOutputsAfterTheOldOnesAndSkipsPresentOnes() throws Exception {
        byte[] model = OnnxGraphs.withExtraOutputs(twoStage(), List.of("t", "y"));
        assertThat(OnnxGraphs.outputNames(OnnxGraphs.parse(model))).containsExactly("y", "t");
        try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions())) {
            assertThat(s.getOutputNames()).containsExactly("y", "t");
        }
    }

    @Test
    void exposedValuesAreTheIntermediateOnes() throws Exception {
        byte[] model = OnnxGraphs.withExtraOutputs(twoStage(), List.of("t"));
        try (OrtSession s = ENV.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(new float[] {1, 2}), new long[] {2});
             OrtSession.Result r = s.run(Map.of("x", x))) {
            assertThat((float[]) r.get("t").orElseThrow().getValue()).containsExactly(2, 3);
            assertThat((float[]) r.get("y").orElseThrow().getValue()).containsExactly(6, 9);
        }
    }

    @Test
    void takesTheTypeFromValueInfoWhenListed() {
        ModelProto m = OnnxGraphs.parse(twoStage());
        m = m.toBuilder().setGraph(m.getGraph().toBuilder()
                .addValueInfo(OnnxGraphBuilder.valueInfo("t", TensorProto.DataType.FLOAT, "n"))).build();
        ModelProto out = OnnxGraphs.parse(OnnxGraphs.withExtraOutputs(m.toByteArray(), List.of("t")));
        assertThat(out.getGraph().getOutput(1).getType().getTensorType().getShape().getDim(0).getDimParam())
                .isEqualTo("n");
    }

    @Test
    void keepsFieldsTheProjectDoesNotModel() {
        // ModelProto.functions (25) and GraphProto.sparse_initializer (15) are not in onnx_ir.proto.
        ModelProto m = OnnxGraphs.parse(twoStage());
        UnknownFieldSet extraModel = UnknownFieldSet.newBuilder().addField(25, UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(com.google.protobuf.ByteString.copyFromUtf8("\n\u0001f")).build()).build();
        UnknownFieldSet extraGraph = UnknownFieldSet.newBuilder().addField(15, UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(com.google.protobuf.ByteString.EMPTY).build()).build();
        byte[] withUnknown = m.toBuilder().setUnknownFields(extraModel)
                .setGraph(m.getGraph().toBuilder().setUnknownFields(extraGraph)).build().toByteArray();
        ModelProto out = OnnxGraphs.parse(OnnxGraphs.withExtraOutputs(withUnknown, List.of("t")));
        assertThat(out.getUnknownFields().hasField(25)).isTrue();
        assertThat(out.getGraph().getUnknownFields().hasField(15)).isTrue();
    }

    @Test
    void rejectsNamesNoNodeProduces() {
        assertThatThrownBy(() -> OnnxGraphs.withExtraOutputs(twoStage(), List.of("nope")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
        assertThatThrownBy(() -> OnnxGraphs.parse(new byte[] {(byte) 0xFF, 1, 2}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
