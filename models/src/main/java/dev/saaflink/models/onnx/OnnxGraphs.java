package dev.saaflink.models.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.saaflink.models.onnx.proto.GraphProto;
import dev.saaflink.models.onnx.proto.ModelProto;
import dev.saaflink.models.onnx.proto.NodeProto;
import dev.saaflink.models.onnx.proto.TensorProto;
import dev.saaflink.models.onnx.proto.ValueInfoProto;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Rewrites of existing ONNX models' bytes (no new weights, everything else kept as it was). */
public final class OnnxGraphs {

    private OnnxGraphs() {
    }

    /** Parses model bytes; unknown fields (parts of the ONNX IR the project does not model) are kept. */
    public static ModelProto parse(byte[] model) {
        try {
            return ModelProto.parseFrom(model);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
    }

    /**
     * The model with these existing tensors (outputs of nodes, e.g. a backbone's intermediate stage outputs) added
     * as graph outputs after the present ones, in the given order; names that already are graph outputs are left
     * as they are. A tensor's type comes from the graph's {@code value_info} when it is listed there, or from
     * {@code ONNX Runtime}'s own inference otherwise (the output is then declared with its name only, which ONNX
     * Runtime accepts).
     *
     * @throws IllegalArgumentException if a name is not produced by any node of the main graph
     */
    public static byte[] withExtraOutputs(byte[] model, List<String> tensorNames) {
        ModelProto proto = parse(model);
        GraphProto graph = proto.getGraph();
        Set<String> produced = new HashSet<>();
        for (NodeProto n : graph.getNodeList()) {
            produced.addAll(n.getOutputList());
        }
        Map<String, ValueInfoProto> known = new HashMap<>();
        for (ValueInfoProto v : graph.getValueInfoList()) {
            known.put(v.getName(), v);
        }
        Set<String> present = new HashSet<>();
        for (ValueInfoProto v : graph.getOutputList()) {
            present.add(v.getName());
        }
        GraphProto.Builder g = graph.toBuilder();
        for (String name : tensorNames) {
            if (!produced.contains(name)) {
                throw new IllegalArgumentException("no node of graph '" + graph.getName() + "' produces a tensor named '"
                        + name + "'");
            }
            if (present.add(name)) {
                ValueInfoProto info = known.get(name);
                g.addOutput(info != null ? info : ValueInfoProto.newBuilder().setName(name).build());
            }
        }
        return proto.toBuilder().setGraph(g).build().toByteArray();
    }

    /** Names of the graph's inputs that are not initializers, in order. */
    public static List<String> inputNames(ModelProto model) {
        Set<String> init = new HashSet<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            init.add(t.getName());
        }
        return model.getGraph().getInputList().stream().map(ValueInfoProto::getName)
                .filter(n -> !init.contains(n)).toList();
    }

    /** Names of the graph's outputs, in order. */
    public static List<String> outputNames(ModelProto model) {
        return model.getGraph().getOutputList().stream().map(ValueInfoProto::getName).toList();
    }
}
