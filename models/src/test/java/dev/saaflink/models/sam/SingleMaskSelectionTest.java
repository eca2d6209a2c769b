package dev.saaflink.models.sam;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.saaflink.models.runtime.OrtSessions;
import dev.saaflink.models.testutil.TinyOnnx;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The selection tail of SAM's single-mask export, built as a tiny graph and run with ONNX Runtime. */
class SingleMaskSelectionTest {

    static final float[] IOU = {0.9f, 0.1f, 0.5f, 0.2f}; // token 0 has the best predicted IoU

    static long chosen(byte[] model, int numPoints) throws OrtException {
        try (OrtSession s = OrtSessions.environment().createSession(model, new OrtSession.SessionOptions());
             OnnxTensor pc = OnnxTensor.createTensor(OrtSessions.environment(),
                     FloatBuffer.wrap(new float[numPoints * 2]), new long[] {1, numPoints, 2});
             OnnxTensor iou = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(IOU),
                     new long[] {1, 4});
             OrtSession.Result r = s.run(Map.of("point_coords", pc, "iou", iou))) {
            return ((long[]) r.get(0).getValue())[0];
        }
    }

    @Test
    void exportedRuleSkipsTokenZeroForTwoPoints() throws Exception {
        byte[] model = TinyOnnx.singleMaskSelection(2.5f);
        assertThat(chosen(model, 2)).isEqualTo(2); // token 0 pushed down by 500: best of 1..3 is token 2
        assertThat(chosen(model, 3)).isEqualTo(0); // padding point: token 0 pushed up by 500
    }

    @Test
    void findsTheChainAndPatchedGraphAlwaysPicksTokenZero() throws Exception {
        byte[] model = TinyOnnx.singleMaskSelection(2.5f);
        Optional<SingleMaskSelection.Finding> f = SingleMaskSelection.find(model);
        assertThat(f).isPresent();
        assertThat(f.get().threshold()).isEqualTo(2.5f);
        assertThat(f.get().subNode()).isEqualTo("/Sub_2");
        assertThat(f.get().argMaxNode()).isEqualTo("/ArgMax");

        byte[] patched = SingleMaskSelection.patch(model).orElseThrow();
        assertThat(patched).hasSameSizeAs(model);
        int differing = 0;
        for (int i = 0; i < model.length; i++) {
            if (model[i] != patched[i]) {
                differing++;
            }
        }
        assertThat(differing).isBetween(1, 4); // only the float's bytes changed
        assertThat(SingleMaskSelection.find(patched).orElseThrow().threshold()).isEqualTo(0f);
        assertThat(chosen(patched, 1)).isEqualTo(0);
        assertThat(chosen(patched, 2)).isEqualTo(0);
        assertThat(chosen(patched, 3)).isEqualTo(0);
    }

    @Test
    void graphsWithoutTheChainAreLeftAlone() {
        assertThat(SingleMaskSelection.find(TinyOnnx.identity())).isEmpty();
        assertThat(SingleMaskSelection.patch(TinyOnnx.identity())).isEmpty();
        assertThat(SingleMaskSelection.patch(TinyOnnx.singleMaskSelection(1.5f))).isEmpty(); // unexpected value
        assertThat(SingleMaskSelection.find(new byte[] {1, 2, 3, 4})).isEmpty();
    }
}
