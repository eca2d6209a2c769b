package dev.saaflink.models.batching;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.saaflink.models.runtime.ModelCall;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Batch helpers for ONNX Runtime sessions: the batch a graph declares, and stacking items along axis 0. */
public final class OnnxBatching {

    private OnnxBatching() {
    }

    /**
     * The batch size the graph fixes, or 0 where it leaves the batch dynamic: the smallest fixed leading dimension
     * over the inputs and outputs of rank >= 1. An output declared {@code [1, ...]} under a dynamic input counts:
     * such exports run only at batch 1.
     */
    public static int declaredBatchLimit(OrtSession session) throws OrtException {
        long limit = 0;
        for (Map<String, NodeInfo> infos : List.of(session.getInputInfo(), session.getOutputInfo())) {
            for (NodeInfo n : infos.values()) {
                if (n.getInfo() instanceof TensorInfo t) {
                    long[] shape = t.getShape();
                    if (shape.length >= 1 && shape[0] > 0) {
                        limit = limit == 0 ? shape[0] : Math.min(limit, shape[0]);
                    }
                }
            }
        }
        return (int) Math.min(limit, Integer.MAX_VALUE);
    }

    /**
     * One call on float items of shape {@code itemShape}, stacked to {@code [B, itemShape...]} under
     * {@code input}; output {@code output} (shape {@code [B, ...]}) is split back into one array per item. The run is
     * cancellable through the {@link ModelCall} current on the thread that runs the batch.
     */
    public static BatchFunction<float[], float[]> stacking(OrtEnvironment env, OrtSession session, String input,
                                                           String output, long... itemShape) {
        int itemSize = Math.toIntExact(Arrays.stream(itemShape).reduce(1, Math::multiplyExact));
        return items -> {
            int b = items.size();
            float[] stacked = new float[Math.multiplyExact(b, itemSize)];
            for (int i = 0; i < b; i++) {
                float[] x = items.get(i);
                if (x.length != itemSize) {
                    throw new IllegalArgumentException("item " + i + " has " + x.length + " values, expected "
                            + itemSize + " for shape " + Arrays.toString(itemShape));
                }
                System.arraycopy(x, 0, stacked, i * itemSize, itemSize);
            }
            long[] shape = new long[itemShape.length + 1];
            shape[0] = b;
            System.arraycopy(itemShape, 0, shape, 1, itemShape.length);
            try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(stacked), shape);
                 OrtSession.Result r = ModelCall.run(session, Map.of(input, t))) {
                OnnxTensor out = (OnnxTensor) r.get(output).orElseThrow(
                        () -> new IllegalStateException("no output '" + output + "'"));
                return split(out, b, output);
            }
        };
    }

    /** Splits a {@code [B, ...]} float tensor into B arrays; fails when its leading dimension is not B. */
    public static List<float[]> split(OnnxTensor out, int b, String name) throws OrtException {
        long[] shape = out.getInfo().getShape();
        if (shape.length < 1 || shape[0] != b) {
            throw new IllegalStateException("output '" + name + "' has shape " + Arrays.toString(shape)
                    + " for a batch of " + b);
        }
        FloatBuffer fb = out.getFloatBuffer();
        int per = fb.remaining() / b;
        List<float[]> res = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            float[] a = new float[per];
            fb.get(a);
            res.add(a);
        }
        return res;
    }
}
