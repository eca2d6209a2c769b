package dev.saaflink.models.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.UnknownFieldSet;
import dev.saaflink.models.onnx.OnnxGraphBuilder;
import dev.saaflink.models.onnx.proto.ModelProto;
import dev.saaflink.models.onnx.proto.StringStringEntryProto;
import dev.saaflink.models.onnx.proto.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models whose weights live in an ONNX external-data file (SAM ViT-H's encoder is over protobuf's 2 GB limit):
 * {@link OrtSessions} creates the session from the graph's path, so ONNX Runtime finds the data file next to it;
 * from the bytes alone it cannot.
 */
class ExternalDataTest {

    @TempDir
    Path dir;

    /** y = x + w, with w = [1, 2, 3, 4] stored in {@code weights.bin} next to the graph. */
    Path modelWithExternalWeights() throws Exception {
        ByteBuffer w = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : new float[] {1f, 2f, 3f, 4f}) {
            w.putFloat(v);
        }
        Files.write(dir.resolve("weights.bin"), w.array());
        // TensorProto fields 13 (external_data: location, offset, length) and 14 (data_location = EXTERNAL) are
        // not in the project's trimmed ONNX .proto; they are written as protobuf unknown fields.
        UnknownFieldSet.Field external = UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(entry("location", "weights.bin"))
                .addLengthDelimited(entry("offset", "0"))
                .addLengthDelimited(entry("length", "16"))
                .build();
        TensorProto weights = TensorProto.newBuilder().setName("w").addDims(4)
                .setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setUnknownFields(UnknownFieldSet.newBuilder()
                        .addField(13, external)
                        .addField(14, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
                        .build())
                .build();
        OnnxGraphBuilder g = OnnxGraphBuilder.create("external").floatInput("x", 1, 4);
        g.node("Add", "x", "w").outputs("y");
        ModelProto.Builder m = g.floatOutput("y", 1, 4).build().toBuilder();
        m.getGraphBuilder().addInitializer(weights);
        Path model = dir.resolve("model.onnx");
        Files.write(model, m.build().toByteArray());
        return model;
    }

    private static com.google.protobuf.ByteString entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build().toByteString();
    }

    @Test
    void sessionsFromThePathFindTheDataFileNextToTheGraph() throws Exception {
        Path model = modelWithExternalWeights();
        try (SharedSession s = OrtSessions.acquire(model, SessionSettings.cpu(1));
             OnnxTensor x = OnnxTensor.createTensor(OrtSessions.environment(),
                     FloatBuffer.wrap(new float[] {10f, 20f, 30f, 40f}), new long[] {1, 4});
             OrtSession.Result r = s.session().run(Map.of("x", x))) {
            float[] y = new float[4];
            ((OnnxTensor) r.get(0)).getFloatBuffer().get(y);
            assertThat(y).containsExactly(11f, 22f, 33f, 44f);
        }
    }

    @Test
    void fromBytesTheDataFileIsNotFound() throws Exception {
        Path model = modelWithExternalWeights();
        byte[] bytes = Files.readAllBytes(model);
        assertThatThrownBy(() -> {
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
                 OrtSession s = OrtSessions.environment().createSession(bytes, o)) {
                s.getInputNames();
            }
        }).isInstanceOf(OrtException.class);
    }
}
