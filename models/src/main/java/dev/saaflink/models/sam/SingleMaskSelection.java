package dev.saaflink.models.sam;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds, and can neutralise, the single-mask selection that SAM's ONNX export adds with
 * {@code --return-single-mask}.
 *
 * <p>That export computes, for the decoder's four mask tokens,
 * <pre>
 *   score = iou_predictions + (numPoints - 2.5) * [1000, 0, 0, 0]
 *   chosen = argmax(score)
 * </pre>
 * where {@code numPoints} is the length of the {@code point_coords} axis 1. With two points (a box alone) token 0
 * is pushed down by 500 and the best-scored of tokens 1..3 wins; with three or more points token 0 wins. SAA+ wants
 * token 0 for a box ({@code multimask_output=False}).
 *
 * <p>{@link #find} reads the ONNX protobuf (just the wire format, no ONNX library) and looks for exactly this chain:
 * {@code ArgMax(Add(x, Mul(Sub(n, C1), C2)))} with {@code C1} a float scalar 2.5, {@code C2} the float vector
 * {@code [1000, 0, 0, 0]} and {@code n} computed from {@code Shape(point_coords)}. {@link #patch} rewrites the
 * four bytes of {@code C1} to 0.0 (same length, so no other byte moves): the score of token 0 then becomes
 * {@code iou + 1000 * numPoints}, so token 0 is chosen for every prompt of one point or more, and everything else
 * in the graph is untouched.
 */
public final class SingleMaskSelection {

    /** Where the threshold constant sits. */
    public record Finding(String constantName, String subNode, String mulNode, String argMaxNode, int payloadOffset,
                          float threshold) {
    }

    private SingleMaskSelection() {
    }

    /** The selection chain in the model, if there is one. */
    public static Optional<Finding> find(byte[] model) {
        Graph g = Graph.parse(model);
        if (g == null) {
            return Optional.empty();
        }
        for (Node argMax : g.nodes) {
            if (!argMax.op.equals("ArgMax") || argMax.inputs.isEmpty()) {
                continue;
            }
            Node add = g.producer(argMax.inputs.get(0));
            if (add == null || !add.op.equals("Add")) {
                continue;
            }
            for (String addIn : add.inputs) {
                Node mul = g.producer(addIn);
                if (mul == null || !mul.op.equals("Mul") || mul.inputs.size() != 2) {
                    continue;
                }
                for (int i = 0; i < 2; i++) {
                    Node sub = g.producer(mul.inputs.get(i));
                    Const weights = g.constant(mul.inputs.get(1 - i));
                    if (sub == null || !sub.op.equals("Sub") || sub.inputs.size() != 2 || weights == null
                            || !weights.isFloats(1000f, 0f, 0f, 0f)) {
                        continue;
                    }
                    Const threshold = g.constant(sub.inputs.get(1));
                    if (threshold == null || threshold.floatCount() != 1 || !dependsOnShapeOf(g, sub.inputs.get(0),
                            "point_coords", 6)) {
                        continue;
                    }
                    return Optional.of(new Finding(threshold.name, sub.name, mul.name, argMax.name,
                            threshold.offset, threshold.floatAt(model, 0)));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * A copy of {@code model} whose selection always picks mask token 0, or empty when the model has no such
     * selection (e.g. it was exported with all four masks).
     */
    public static Optional<byte[]> patch(byte[] model) {
        Optional<Finding> f = find(model);
        if (f.isEmpty() || f.get().threshold() != 2.5f) {
            return Optional.empty();
        }
        byte[] out = model.clone();
        ByteBuffer.wrap(out, f.get().payloadOffset(), 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.0f);
        return Optional.of(out);
    }

    private static boolean dependsOnShapeOf(Graph g, String value, String graphInput, int depth) {
        Node n = g.producer(value);
        if (n == null || depth == 0) {
            return false;
        }
        if (n.op.equals("Shape") && n.inputs.size() >= 1 && n.inputs.get(0).equals(graphInput)) {
            return true;
        }
        for (String in : n.inputs) {
            if (dependsOnShapeOf(g, in, graphInput, depth - 1)) {
                return true;
            }
        }
        return false;
    }

    // ---- a minimal reader of the parts of ONNX's protobuf that the search needs ----

    private static final class Node {
        String name = "";
        String op = "";
        final List<String> inputs = new ArrayList<>();
        final List<String> outputs = new ArrayList<>();
        Const value; // for Constant nodes
    }

    private static final class Const {
        String name;
        int dataType; // 1 = float
        int offset; // absolute offset of the little-endian payload
        int length;
        int elems = 1;

        int floatCount() {
            return dataType == 1 && length == 4 * elems ? elems : -1;
        }

        float floatAt(byte[] b, int i) {
            return ByteBuffer.wrap(b, offset + 4 * i, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        }

        byte[] src;

        boolean isFloats(float... expected) {
            if (floatCount() != expected.length) {
                return false;
            }
            for (int i = 0; i < expected.length; i++) {
                if (floatAt(src, i) != expected[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final class Graph {
        final List<Node> nodes = new ArrayList<>();
        final Map<String, Node> producers = new HashMap<>();
        final Map<String, Const> initialisers = new HashMap<>();

        Node producer(String value) {
            return producers.get(value);
        }

        Const constant(String value) {
            Node n = producers.get(value);
            if (n != null) {
                return n.op.equals("Constant") ? n.value : null;
            }
            return initialisers.get(value);
        }

        static Graph parse(byte[] b) {
            try {
                Reader model = new Reader(b, 0, b.length);
                while (model.more()) {
                    int tag = model.tag();
                    if ((tag >>> 3) == 7 && (tag & 7) == 2) {
                        int[] r = model.lengthDelimited();
                        return readGraph(b, r[0], r[1]);
                    }
                    model.skip(tag);
                }
            } catch (RuntimeException e) {
                // not an ONNX model we can read
            }
            return null;
        }

        private static Graph readGraph(byte[] b, int from, int to) {
            Graph g = new Graph();
            Reader r = new Reader(b, from, to);
            while (r.more()) {
                int tag = r.tag();
                int field = tag >>> 3;
                if (field == 1 && (tag & 7) == 2) {
                    int[] s = r.lengthDelimited();
                    Node n = readNode(b, s[0], s[1]);
                    g.nodes.add(n);
                    for (String o : n.outputs) {
                        g.producers.put(o, n);
                    }
                } else if (field == 5 && (tag & 7) == 2) {
                    int[] s = r.lengthDelimited();
                    Const c = readTensor(b, s[0], s[1]);
                    if (c != null && c.name != null) {
                        g.initialisers.put(c.name, c);
                    }
                } else {
                    r.skip(tag);
                }
            }
            return g;
        }

        private static Node readNode(byte[] b, int from, int to) {
            Node n = new Node();
            Reader r = new Reader(b, from, to);
            while (r.more()) {
                int tag = r.tag();
                int field = tag >>> 3;
                if ((tag & 7) != 2) {
                    r.skip(tag);
                    continue;
                }
                int[] s = r.lengthDelimited();
                switch (field) {
                    case 1 -> n.inputs.add(str(b, s));
                    case 2 -> n.outputs.add(str(b, s));
                    case 3 -> n.name = str(b, s);
                    case 4 -> n.op = str(b, s);
                    case 5 -> readAttribute(b, s[0], s[1], n);
                    default -> {
                    }
                }
            }
            if (n.value != null && !n.outputs.isEmpty()) {
                n.value.name = n.outputs.get(0);
            }
            return n;
        }

        private static void readAttribute(byte[] b, int from, int to, Node n) {
            Reader r = new Reader(b, from, to);
            String name = null;
            int[] tensor = null;
            while (r.more()) {
                int tag = r.tag();
                int field = tag >>> 3;
                if (field == 1 && (tag & 7) == 2) {
                    name = str(b, r.lengthDelimited());
                } else if (field == 5 && (tag & 7) == 2) {
                    tensor = r.lengthDelimited();
                } else {
                    r.skip(tag);
                }
            }
            if ("value".equals(name) && tensor != null) {
                n.value = readTensor(b, tensor[0], tensor[1]);
            }
        }

        private static Const readTensor(byte[] b, int from, int to) {
            Const c = new Const();
            c.src = b;
            c.offset = -1;
            long elems = 1;
            Reader r = new Reader(b, from, to);
            while (r.more()) {
                int tag = r.tag();
                int field = tag >>> 3;
                int wire = tag & 7;
                if (field == 1 && wire == 0) {
                    elems *= r.varint();
                } else if (field == 1 && wire == 2) { // packed dims
                    int[] s = r.lengthDelimited();
                    Reader d = new Reader(b, s[0], s[1]);
                    while (d.more()) {
                        elems *= d.varint();
                    }
                } else if (field == 2 && wire == 0) {
                    c.dataType = (int) r.varint();
                } else if (field == 8 && wire == 2) {
                    c.name = str(b, r.lengthDelimited());
                } else if ((field == 9 || field == 4) && wire == 2) { // raw_data, or packed float_data
                    int[] s = r.lengthDelimited();
                    c.offset = s[0];
                    c.length = s[1] - s[0];
                } else {
                    r.skip(tag);
                }
            }
            c.elems = (int) elems;
            return c.offset < 0 ? null : c;
        }

        private static String str(byte[] b, int[] s) {
            return new String(b, s[0], s[1] - s[0], StandardCharsets.UTF_8);
        }
    }

    /** Protobuf wire-format cursor over b[pos, end). */
    private static final class Reader {
        final byte[] b;
        int pos;
        final int end;

        Reader(byte[] b, int from, int to) {
            this.b = b;
            this.pos = from;
            this.end = to;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte x = b[pos++];
                v |= (long) (x & 0x7F) << shift;
                if (x >= 0) {
                    return v;
                }
            }
            throw new IllegalStateException("bad varint");
        }

        int tag() {
            return (int) varint();
        }

        /** Returns {start, end} of a length-delimited payload and moves past it. */
        int[] lengthDelimited() {
            long len = varint();
            if (len < 0 || pos + len > end) {
                throw new IllegalStateException("bad length");
            }
            int start = pos;
            pos += (int) len;
            return new int[] {start, pos};
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> lengthDelimited();
                case 5 -> pos += 4;
                default -> throw new IllegalStateException("unsupported wire type " + (tag & 7));
            }
            if (pos > end) {
                throw new IllegalStateException("truncated");
            }
        }
    }
}
