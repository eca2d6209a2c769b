package dev.saaflink.models.onnx;

import com.google.protobuf.ByteString;
import dev.saaflink.models.onnx.proto.AttributeProto;
import dev.saaflink.models.onnx.proto.GraphProto;
import dev.saaflink.models.onnx.proto.ModelProto;
import dev.saaflink.models.onnx.proto.NodeProto;
import dev.saaflink.models.onnx.proto.OperatorSetIdProto;
import dev.saaflink.models.onnx.proto.TensorProto;
import dev.saaflink.models.onnx.proto.TensorShapeProto;
import dev.saaflink.models.onnx.proto.TypeProto;
import dev.saaflink.models.onnx.proto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds small ONNX models in code: the graphs the project computes with (e.g. the kNN saliency) and the stand-in
 * graphs with which tests check the wiring of models whose real weights cannot be had here.
 *
 * <pre>{@code
 * byte[] model = OnnxGraphBuilder.create("add")
 *         .floatInput("x", "batch", 3)          // a String is a symbolic dimension, a number a fixed one
 *         .floatInitializer("b", new float[] {1, 2, 3}, 3)
 *         .node("Add", "x", "b").outputs("y").graph()
 *         .floatOutput("y", "batch", 3)
 *         .toBytes();
 * }</pre>
 *
 * <p>Nodes are kept in the order they are added (ONNX wants them topologically sorted). Only the default ONNX
 * domain is imported, at {@link #opset} (default {@value #DEFAULT_OPSET}); the IR version follows from it. Not
 * thread-safe; one builder per graph.
 */
public final class OnnxGraphBuilder {

    /** Opset used when none is set; ONNX Runtime 1.28 runs it on every execution provider. */
    public static final int DEFAULT_OPSET = 17;

    private final String graphName;
    private int opset = DEFAULT_OPSET;
    private final List<ValueInfoProto> inputs = new ArrayList<>();
    private final List<ValueInfoProto> outputs = new ArrayList<>();
    private final List<TensorProto> initializers = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    private OnnxGraphBuilder(String graphName) {
        this.graphName = graphName;
    }

    /** A builder for a graph with this name. */
    public static OnnxGraphBuilder create(String graphName) {
        return new OnnxGraphBuilder(graphName);
    }

    /** The version of the default ONNX operator set the graph's nodes bind to (7 to 23). */
    public OnnxGraphBuilder opset(int version) {
        if (version < 7 || version > 23) {
            throw new IllegalArgumentException("opset must be in 7..23, got " + version);
        }
        this.opset = version;
        return this;
    }

    /**
     * A float32 graph input. Each dimension is a number (fixed size) or a String (symbolic name, e.g. "batch");
     * no dimensions means a scalar.
     */
    public OnnxGraphBuilder floatInput(String name, Object... dims) {
        return input(name, TensorProto.DataType.FLOAT, dims);
    }

    /** An int64 graph input; dimensions as in {@link #floatInput}. */
    public OnnxGraphBuilder int64Input(String name, Object... dims) {
        return input(name, TensorProto.DataType.INT64, dims);
    }

    /** A graph input of any element type; dimensions as in {@link #floatInput}. */
    public OnnxGraphBuilder input(String name, TensorProto.DataType type, Object... dims) {
        claim(name);
        inputs.add(valueInfo(name, type, dims));
        return this;
    }

    /** A float32 graph output; dimensions as in {@link #floatInput}. */
    public OnnxGraphBuilder floatOutput(String name, Object... dims) {
        return output(name, TensorProto.DataType.FLOAT, dims);
    }

    /** An int64 graph output; dimensions as in {@link #floatInput}. */
    public OnnxGraphBuilder int64Output(String name, Object... dims) {
        return output(name, TensorProto.DataType.INT64, dims);
    }

    /** A graph output of any element type; it must be a graph input or produced by a node. */
    public OnnxGraphBuilder output(String name, TensorProto.DataType type, Object... dims) {
        outputs.add(valueInfo(name, type, dims));
        return this;
    }

    /** A float32 constant tensor (row-major {@code values}, {@code dims} empty for a scalar). */
    public OnnxGraphBuilder floatInitializer(String name, float[] values, long... dims) {
        claim(name);
        initializers.add(floatTensor(name, values, dims));
        return this;
    }

    /** An int64 constant tensor (row-major {@code values}, {@code dims} empty for a scalar). */
    public OnnxGraphBuilder int64Initializer(String name, long[] values, long... dims) {
        claim(name);
        initializers.add(int64Tensor(name, values, dims));
        return this;
    }

    /**
     * Adds a node of the default domain with these inputs (an empty String is an omitted optional input) and
     * returns it, so that its outputs and attributes can be set; the node stays in the graph either way.
     */
    public Node node(String opType, String... inputNames) {
        Node n = new Node(this, opType, opType + "_" + nodes.size(), inputNames);
        nodes.add(n);
        return n;
    }

    /** The model message. */
    public ModelProto build() {
        GraphProto.Builder graph = GraphProto.newBuilder().setName(graphName)
                .addAllInput(inputs).addAllOutput(outputs).addAllInitializer(initializers);
        for (Node n : nodes) {
            if (n.node.getOutputCount() == 0) {
                throw new IllegalStateException("node " + n.node.getName() + " (" + n.node.getOpType()
                        + ") has no outputs");
            }
            graph.addNode(n.node.build());
        }
        return ModelProto.newBuilder()
                .setIrVersion(irVersion(opset))
                .setProducerName("saa-flink")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph)
                .build();
    }

    /** The serialised model, ready for {@code OrtEnvironment.createSession(byte[], ...)}. */
    public byte[] toBytes() {
        return build().toByteArray();
    }

    /** A float32 tensor message, e.g. for a {@code Constant} node's {@code value} attribute. */
    public static TensorProto floatTensor(String name, float[] values, long... dims) {
        checkCount(name, values.length, dims);
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return tensor(name, TensorProto.DataType.FLOAT, raw, dims);
    }

    /** An int64 tensor message. */
    public static TensorProto int64Tensor(String name, long[] values, long... dims) {
        checkCount(name, values.length, dims);
        ByteBuffer raw = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        return tensor(name, TensorProto.DataType.INT64, raw, dims);
    }

    /** IR version that goes with an opset (ONNX's versioning table). */
    static int irVersion(int opset) {
        if (opset <= 8) {
            return 3;
        } else if (opset <= 10) {
            return 5;
        } else if (opset <= 12) {
            return 7;
        } else if (opset <= 18) {
            return 8;
        } else if (opset <= 20) {
            return 9;
        } else if (opset <= 22) {
            return 10;
        }
        return 11;
    }

    private static TensorProto tensor(String name, TensorProto.DataType type, ByteBuffer raw, long[] dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(raw.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static void checkCount(String name, int count, long[] dims) {
        long expected = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor " + name + ": negative dimension " + d);
            }
            expected *= d;
        }
        if (expected != count) {
            throw new IllegalArgumentException("tensor " + name + " has " + count + " values, its dimensions need "
                    + expected);
        }
    }

    static ValueInfoProto valueInfo(String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof String s) {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(s));
            } else if (d instanceof Integer || d instanceof Long) {
                long v = ((Number) d).longValue();
                if (v < 0) {
                    throw new IllegalArgumentException(name + ": negative dimension " + v);
                }
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(v));
            } else {
                throw new IllegalArgumentException(name + ": a dimension is an int/long (fixed) or a String"
                        + " (symbolic), got " + d);
            }
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(type.getNumber()).setShape(shape)))
                .build();
    }

    private void claim(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a graph input or initializer needs a name");
        }
        if (!names.add(name)) {
            throw new IllegalArgumentException("name '" + name + "' is already used by an input or initializer");
        }
    }

    /** A node under construction; setters return it for chaining, {@link #graph()} returns to the builder. */
    public static final class Node {
        private final OnnxGraphBuilder owner;
        private final NodeProto.Builder node;

        private Node(OnnxGraphBuilder owner, String opType, String name, String[] inputNames) {
            this.owner = owner;
            this.node = NodeProto.newBuilder().setOpType(opType).setName(name);
            for (String in : inputNames) {
                node.addInput(in);
            }
        }

        /** The node's output tensor names, in the operator's output order. */
        public Node outputs(String... outputNames) {
            for (String out : outputNames) {
                node.addOutput(out);
            }
            return this;
        }

        /** Replaces the generated node name ({@code <opType>_<index>}). */
        public Node name(String name) {
            node.setName(name);
            return this;
        }

        /** An operator domain other than the default ONNX one (e.g. "com.microsoft"); import it yourself. */
        public Node domain(String domain) {
            node.setDomain(domain);
            return this;
        }

        public Node attr(String name, long value) {
            return add(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value));
        }

        public Node attr(String name, float value) {
            return add(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value));
        }

        public Node attr(String name, String value) {
            return add(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                    .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8)));
        }

        /** A tensor attribute, e.g. {@code Constant}'s {@code value} (see {@link #floatTensor}). */
        public Node attr(String name, TensorProto value) {
            return add(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(value));
        }

        public Node attrInts(String name, long... values) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
            for (long v : values) {
                a.addInts(v);
            }
            return add(a);
        }

        public Node attrFloats(String name, float... values) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(name)
                    .setType(AttributeProto.AttributeType.FLOATS);
            for (float v : values) {
                a.addFloats(v);
            }
            return add(a);
        }

        /** Back to the graph builder, to go on chaining. */
        public OnnxGraphBuilder graph() {
            return owner;
        }

        private Node add(AttributeProto.Builder a) {
            node.addAttribute(a);
            return this;
        }
    }
}
