package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.operators.config.MemoryAdmissionConfig;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.context.MemoryRing;
import dev.saaflink.operators.pipeline.FrameInProgress;

import java.util.HashMap;
import java.util.Map;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 2: the stream memory's admission gate in the keyed operator. Embeddings of C = 3 channels on a 2x2
 * grid over a 4x4 image; a memory of M = 4 frames of S = 4 patches (every cell once), q = 0.25 (k = 1: a cell's
 * score is its distance to the nearest patch of the whole memory), no pooling, no border band. The bottom-right
 * cell p3 is pixel 15 of the map, unchanged by the bilinear scaling.
 */
class StreamContextAdmissionTest {

    private static final StreamContextConfig CONTEXT = new StreamContextConfig(true, 4, 4, 0.25, 1, 1, 0);
    /** Median quantile, factor 1, at most half the patches left out. */
    private static final MemoryAdmissionConfig GATE = new MemoryAdmissionConfig(true, 0.5, 1, 16, 0.5);
    private static final float FP16_EPS = 0x1p-10f;

    /** One per gate setting; every operator it starts or restores has that setting. */
    private final Map<MemoryAdmissionConfig, StreamContextHarness> harnesses = new HashMap<>();

    @AfterEach
    void close() throws Exception {
        for (var h : harnesses.values()) {
            h.close();
        }
    }

    private StreamContextHarness of(MemoryAdmissionConfig gate) {
        return harnesses.computeIfAbsent(gate, g -> new StreamContextHarness(CONTEXT.withAdmission(g)));
    }

    private KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> harness(
            MemoryAdmissionConfig gate) throws Exception {
        return of(gate).start();
    }

    private KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> restored(
            OperatorSubtaskState state, MemoryAdmissionConfig gate) throws Exception {
        return of(gate).restored(state);
    }

    /** Cells p0..p3 as C-vectors, row-major. */
    private static SamEmbedding emb(float[]... cells) {
        float[] data = new float[3 * 4];
        for (int p = 0; p < 4; p++) {
            for (int k = 0; k < 3; k++) {
                data[k * 4 + p] = cells[p][k];
            }
        }
        return new SamEmbedding(data, 3, 2, 2, 4, 4, 32, 32, 32);
    }

    /**
     * A defect-free frame: cells in the x-y plane, two pairs of nearly equal directions (so that scored against
     * itself at warm-up every cell has a small positive score; scored against a memory of such frames, 0).
     */
    private static SamEmbedding normal() {
        return emb(new float[] {1, 0.3f, 0}, new float[] {0.3f, 1, 0}, new float[] {1, 0.35f, 0},
                new float[] {0.35f, 1, 0});
    }

    /** {@link #normal()} with a defect in p3: a direction (0, 0, 1) no defect-free cell has. */
    private static SamEmbedding defect() {
        return emb(new float[] {1, 0.3f, 0}, new float[] {0.3f, 1, 0}, new float[] {1, 0.35f, 0},
                new float[] {0, 0, 1});
    }

    /** Three of four cells orthogonal to every defect-free cell. */
    private static SamEmbedding odd() {
        return emb(new float[] {1, 0.3f, 0}, new float[] {0, 0, 1}, new float[] {0, 0, 2}, new float[] {0, 0, 3});
    }

    private FrameInProgress process(KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> h,
                                    String frameId, SamEmbedding embedding) throws Exception {
        return of(GATE).process(h, frameId, new RgbImage(4, 4, new byte[4 * 4 * 3]), embedding);
    }

    private MemoryRing ring(KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> h)
            throws Exception {
        return of(GATE).ring(h); // the ring's state descriptor is the same with every gate
    }

    private static Map<Integer, byte[]> slots(
            KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> h) throws Exception {
        AbstractStreamOperator<FrameInProgress> op = h.getOperator();
        op.setCurrentKey("cam-a\u0000mtd");
        Map<Integer, byte[]> out = new HashMap<>();
        for (Map.Entry<Integer, byte[]> e : op.getKeyedStateStore()
                .getMapState(StreamContextFunction.slotsDescriptor(CONTEXT)).entries()) {
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /**
     * A run of the same defect: without the gate the first defect frame enters the memory and the second one's
     * defect cell finds itself there (distance 0: the defect went unseen); with the gate the defect cell of the first
     * is left out of the memory, so the second still scores 1 (orthogonal to every remembered patch).
     */
    @Test
    void aRunOfTheSameDefectStaysVisibleWithTheGateAndFadesWithout() throws Exception {
        for (boolean gated : new boolean[] {false, true}) {
            var h = harness(gated ? GATE : MemoryAdmissionConfig.off());
            for (int i = 1; i <= 3; i++) {
                process(h, "n-" + i, normal());
            }
            FrameInProgress first = process(h, "d-1", defect());
            assertThat(first.saliency[15]).as("first defect, gate %s", gated).isCloseTo(1f, within(FP16_EPS));
            assertThat(first.saliency[0]).as("p0 is in the memory").isCloseTo(0f, within(FP16_EPS));
            FrameInProgress second = process(h, "d-2", defect());
            if (gated) {
                assertThat(second.saliency[15]).as("second defect, gated").isCloseTo(1f, within(FP16_EPS));
            } else {
                assertThat(second.saliency[15]).as("second defect, no gate").isCloseTo(0f, within(FP16_EPS));
            }
            assertThat(ring(h).added).as("every frame remembered (the defect ones without p3 when gated)")
                    .isEqualTo(5);
        }
    }

    /**
     * A frame whose patches mostly score above the threshold is scored and emitted but not remembered: no slot is
     * written and the history stays; only the ring counts the frame kept out.
     */
    @Test
    void aFrameMostlyAboveTheThresholdIsEmittedButNotRemembered() throws Exception {
        var h = harness(GATE);
        for (int i = 1; i <= 3; i++) {
            process(h, "n-" + i, normal());
        }
        MemoryRing before = ring(h);
        Map<Integer, byte[]> slotsBefore = slots(h);
        // Three cells orthogonal to the memory: 3 of 4 sampled patches above the threshold.
        FrameInProgress odd = process(h, "odd", odd());
        assertThat(odd.saliency[15]).isCloseTo(1f, within(FP16_EPS));
        MemoryRing after = ring(h);
        assertThat(after.added).isEqualTo(3);
        assertThat(after.leftOutInARow).isEqualTo(1);
        assertThat(after.admissionHistory).containsExactly(before.admissionHistory);
        Map<Integer, byte[]> slotsAfter = slots(h);
        assertThat(slotsAfter).containsOnlyKeys(slotsBefore.keySet());
        for (Integer s : slotsBefore.keySet()) {
            assertThat(slotsAfter.get(s)).as("slot %d not rewritten", s).isSameAs(slotsBefore.get(s));
        }
        // The next defect-free frame is remembered as usual.
        process(h, "n-4", normal());
        assertThat(ring(h).added).isEqualTo(4);
        assertThat(ring(h).leftOutInARow).isZero();
        assertThat(ring(h).admissionHistory).hasSize(4);
    }

    /**
     * Frames unlike the memory for longer than the gate's window are the scene changing, not a defect run: with a
     * window of 2, two odd frames are kept out, the third enters whole and the history starts over from it, so the
     * memory follows a new product or new light instead of freezing.
     */
    @Test
    void aWindowOfFramesKeptOutInARowLetsTheNextOneIn() throws Exception {
        MemoryAdmissionConfig gate = new MemoryAdmissionConfig(true, 0.5, 1, 2, 0.5);
        var h = harness(gate);
        process(h, "n-1", normal());
        process(h, "n-2", normal());
        process(h, "odd-1", odd());
        process(h, "odd-2", odd());
        assertThat(ring(h).added).isEqualTo(2);
        assertThat(ring(h).leftOutInARow).isEqualTo(2);
        process(h, "odd-3", odd());
        assertThat(ring(h).added).as("remembered whole").isEqualTo(3);
        assertThat(ring(h).leftOutInARow).isZero();
        assertThat(ring(h).admissionHistory).as("restarted from the odd frame").hasSize(1);
        // Its cells are in the memory now: the next odd frame finds them (0 everywhere but the cells it does not share).
        FrameInProgress next = process(h, "odd-4", odd());
        assertThat(next.saliency[15]).isCloseTo(0f, within(FP16_EPS));
    }

    /** The gate's history is keyed state: after a snapshot and restore the next frames are gated and scored alike. */
    @Test
    void theHistorySurvivesASnapshotAndRestore() throws Exception {
        var h = harness(GATE);
        for (int i = 1; i <= 3; i++) {
            process(h, "n-" + i, normal());
        }
        process(h, "d-1", defect());
        float[] history = ring(h).admissionHistory;
        assertThat(history).hasSize(4);
        var r = restored(h.snapshot(1L, 1L), GATE);
        assertThat(ring(r).admissionHistory).containsExactly(history);
        FrameInProgress original = process(h, "d-2", defect());
        FrameInProgress afterRestore = process(r, "d-2", defect());
        assertThat(afterRestore.saliency).containsExactly(original.saliency);
        assertThat(afterRestore.saliency[15]).isCloseTo(1f, within(FP16_EPS));
        assertThat(ring(r).admissionHistory).containsExactly(ring(h).admissionHistory);
    }
}
