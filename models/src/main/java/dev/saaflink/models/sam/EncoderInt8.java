package dev.saaflink.models.sam;

import com.google.protobuf.ByteString;
import dev.saaflink.models.onnx.OnnxGraphs;
import dev.saaflink.models.onnx.proto.GraphProto;
import dev.saaflink.models.onnx.proto.ModelProto;
import dev.saaflink.models.onnx.proto.NodeProto;
import dev.saaflink.models.onnx.proto.OperatorSetIdProto;
import dev.saaflink.models.onnx.proto.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites every {@code MatMul} whose right-hand side is a constant 2-D float weight (the linear layers: the
 * attention's qkv and projection, the MLPs) into ONNX Runtime's {@code com.microsoft.DynamicQuantizeMatMul}
 * with int8 weights, quantised symmetrically per output column ({@code scale[n] = max|W[:, n]| / 127}, zero point
 * 0). The activations are quantised to uint8 per call by the operator itself, so no calibration data is needed.
 * MatMuls between two activations (attention scores) stay float. The weights shrink four-fold; the speed-up is what
 * ONNX Runtime's u8 x s8 kernels give over its float GEMM on the machine at hand (measured by {@code ./saa bench}).
 *
 * <p>Only ONNX Runtime runs the result (the operator is one of its contrib operators).
 */
public final class EncoderInt8 {

    /** The contrib operator domain of ONNX Runtime. */
    static final String MS_DOMAIN = "com.microsoft";

    private EncoderInt8() {
    }

    /** The model with its constant-weight MatMuls in int8; a model without any is returned unchanged. */
    public static byte[] rewrite(byte[] model) {
        ModelProto proto = OnnxGraphs.parse(model);
        GraphProto graph = proto.getGraph();
        Map<String, TensorProto> init = new HashMap<>();
        for (TensorProto t : graph.getInitializerList()) {
            init.put(t.getName(), t);
        }
        // A weight used by anything other than the MatMuls being rewritten must keep its float copy.
        Map<String, Integer> uses = new HashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            for (String in : n.getInputList()) {
                uses.merge(in, 1, Integer::sum);
            }
        }
        GraphProto.Builder g = graph.toBuilder();
        Set<String> quantised = new HashSet<>();
        Set<String> dropped = new HashSet<>();
        int count = 0;
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (!n.getOpType().equals("MatMul") || !n.getDomain().isEmpty() || n.getInputCount() != 2) {
                continue;
            }
            TensorProto w = init.get(n.getInput(1));
            if (w == null || w.getDataType() != TensorProto.DataType.FLOAT_VALUE || w.getDimsCount() != 2) {
                continue;
            }
            String wName = w.getName();
            String q = wName + "_int8";
            String s = wName + "_scale";
            if (quantised.add(wName)) {
                Quantised qw = quantise(floats(w), (int) w.getDims(0), (int) w.getDims(1));
                g.addInitializer(TensorProto.newBuilder().setName(q).setDataType(TensorProto.DataType.INT8_VALUE)
                        .addAllDims(w.getDimsList()).setRawData(ByteString.copyFrom(qw.values)));
                ByteBuffer sb = ByteBuffer.allocate(qw.scales.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                sb.asFloatBuffer().put(qw.scales);
                g.addInitializer(TensorProto.newBuilder().setName(s).setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .addDims(qw.scales.length).setRawData(ByteString.copyFrom(sb)));
            }
            if (uses.merge(wName, -1, Integer::sum) == 0) {
                dropped.add(wName);
            }
            g.setNode(i, NodeProto.newBuilder().setOpType("DynamicQuantizeMatMul").setDomain(MS_DOMAIN)
                    .setName(n.getName().isEmpty() ? "" : n.getName() + "_int8")
                    .addInput(n.getInput(0)).addInput(q).addInput(s).addOutput(n.getOutput(0)).build());
            count++;
        }
        if (count == 0) {
            return model;
        }
        for (int i = g.getInitializerCount() - 1; i >= 0; i--) {
            if (dropped.contains(g.getInitializer(i).getName())) {
                g.removeInitializer(i);
            }
        }
        for (int i = g.getInputCount() - 1; i >= 0; i--) {
            if (dropped.contains(g.getInput(i).getName())) {
                g.removeInput(i); // old exports list initializers as inputs too
            }
        }
        ModelProto.Builder m = proto.toBuilder().setGraph(g);
        boolean hasMs = proto.getOpsetImportList().stream().anyMatch(o -> o.getDomain().equals(MS_DOMAIN));
        if (!hasMs) {
            m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MS_DOMAIN).setVersion(1));
        }
        return m.build().toByteArray();
    }

    /** Int8 weights (row-major like the float ones) and one scale per column. */
    record Quantised(byte[] values, float[] scales) {
    }

    /** Symmetric per-column quantisation of a {@code rows x cols} row-major matrix. */
    static Quantised quantise(float[] w, int rows, int cols) {
        float[] scales = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                scales[c] = Math.max(scales[c], Math.abs(w[r * cols + c]));
            }
        }
        for (int c = 0; c < cols; c++) {
            scales[c] = scales[c] > 0 ? scales[c] / 127f : 1f;
        }
        byte[] q = new byte[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                long v = Math.round(w[r * cols + c] / scales[c]);
                q[r * cols + c] = (byte) Math.max(-127, Math.min(127, v));
            }
        }
        return new Quantised(q, scales);
    }

    static float[] floats(TensorProto t) {
        if (t.getFloatDataCount() > 0) {
            float[] out = new float[t.getFloatDataCount()];
            for (int i = 0; i < out.length; i++) {
                out[i] = t.getFloatData(i);
            }
            return out;
        }
        FloatBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }
}
