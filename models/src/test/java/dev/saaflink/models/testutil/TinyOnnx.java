package dev.saaflink.models.testutil;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes small ONNX models for tests, straight in protobuf wire format (field numbers from onnx.proto), so the
 * tests need neither Python nor an ONNX library.
 */
public final class TinyOnnx {

    public static final int FLOAT = 1;
    public static final int INT64 = 7;

    private TinyOnnx() {
    }

    /** A protobuf message being written. */
    public static final class Msg {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        public Msg varint(int field, long v) {
            raw((long) field << 3);
            raw(v);
            return this;
        }

        public Msg bytes(int field, byte[] b) {
            raw(((long) field << 3) | 2);
            raw(b.length);
            out.write(b, 0, b.length);
            return this;
        }

        public Msg str(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        public Msg msg(int field, Msg m) {
            return bytes(field, m.toBytes());
        }

        public byte[] toBytes() {
            return out.toByteArray();
        }
    }

    /** ValueInfoProto of a tensor; a dim is a Long (fixed) or a String (symbolic). */
    public static Msg valueInfo(String name, int elemType, Object... dims) {
        Msg shape = new Msg();
        for (Object d : dims) {
            Msg dim = new Msg();
            if (d instanceof String s) {
                dim.str(2, s);
            } else {
                dim.varint(1, ((Number) d).longValue());
            }
            shape.msg(1, dim);
        }
        Msg tensorType = new Msg().varint(1, elemType).msg(2, shape);
        Msg type = new Msg().msg(1, tensorType);
        return new Msg().str(1, name).msg(2, type);
    }

    public static Msg floatTensor(long[] dims, float... values) {
        ByteBuffer bb = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bb.putFloat(v);
        }
        Msg t = new Msg();
        for (long d : dims) {
            t.varint(1, d);
        }
        return t.varint(2, FLOAT).bytes(9, bb.array());
    }

    public static Msg int64Tensor(long[] dims, long... values) {
        ByteBuffer bb = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            bb.putLong(v);
        }
        Msg t = new Msg();
        for (long d : dims) {
            t.varint(1, d);
        }
        return t.varint(2, INT64).bytes(9, bb.array());
    }

    public static Msg intAttr(String name, long v) {
        return new Msg().str(1, name).varint(3, v).varint(20, 2);
    }

    public static Msg tensorAttr(String name, Msg tensor) {
        return new Msg().str(1, name).msg(5, tensor).varint(20, 4);
    }

    public static Msg node(String op, String name, String[] inputs, String[] outputs, Msg... attrs) {
        Msg n = new Msg();
        for (String i : inputs) {
            n.str(1, i);
        }
        for (String o : outputs) {
            n.str(2, o);
        }
        n.str(3, name).str(4, op);
        for (Msg a : attrs) {
            n.msg(5, a);
        }
        return n;
    }

    public static Msg constant(String output, Msg tensor) {
        return node("Constant", output + "_node", new String[0], new String[] {output}, tensorAttr("value", tensor));
    }

    /** ModelProto (IR 8, default opset 13) around a graph. */
    public static byte[] model(Msg[] nodes, Msg[] inputs, Msg[] outputs) {
        Msg g = new Msg();
        for (Msg n : nodes) {
            g.msg(1, n);
        }
        g.str(2, "test_graph");
        for (Msg i : inputs) {
            g.msg(11, i);
        }
        for (Msg o : outputs) {
            g.msg(12, o);
        }
        Msg opset = new Msg().str(1, "").varint(2, 13);
        return new Msg().varint(1, 8).str(2, "saa-flink-test").msg(7, g).msg(8, opset).toBytes();
    }

    /** y = Identity(x), x float [2]. */
    public static byte[] identity() {
        return model(new Msg[] {node("Identity", "id", new String[] {"x"}, new String[] {"y"})},
                new Msg[] {valueInfo("x", FLOAT, 2L)}, new Msg[] {valueInfo("y", FLOAT, 2L)});
    }

    /**
     * The selection tail of SAM's single-mask export on its own: inputs point_coords [1,n,2] and iou [1,4];
     * output chosen = argmax(iou + (n - threshold) * [1000,0,0,0]) over axis 1, int64 [1].
     */
    public static byte[] singleMaskSelection(float threshold) {
        Msg[] nodes = {
            node("Shape", "/Shape_16", new String[] {"point_coords"}, new String[] {"shape"}),
            constant("one", int64Tensor(new long[0], 1)),
            node("Gather", "/Gather_15", new String[] {"shape", "one"}, new String[] {"n"}, intAttr("axis", 0)),
            node("Cast", "/Cast_6", new String[] {"n"}, new String[] {"nf"}, intAttr("to", FLOAT)),
            constant("thr", floatTensor(new long[0], threshold)),
            node("Sub", "/Sub_2", new String[] {"nf", "thr"}, new String[] {"d"}),
            constant("w", floatTensor(new long[] {4}, 1000f, 0f, 0f, 0f)),
            node("Mul", "/Mul_12", new String[] {"d", "w"}, new String[] {"bias"}),
            node("Add", "/Add_8", new String[] {"iou", "bias"}, new String[] {"score"}),
            node("ArgMax", "/ArgMax", new String[] {"score"}, new String[] {"chosen"}, intAttr("axis", 1),
                    intAttr("keepdims", 0)),
        };
        return model(nodes,
                new Msg[] {valueInfo("point_coords", FLOAT, 1L, "n", 2L), valueInfo("iou", FLOAT, 1L, 4L)},
                new Msg[] {valueInfo("chosen", INT64, 1L)});
    }
}
