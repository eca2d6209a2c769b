package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.context.MemoryRecords;
import dev.saaflink.operators.context.MemoryRing;
import dev.saaflink.operators.context.StreamContextScorer;
import dev.saaflink.operators.context.StreamMemory;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.pipeline.StageFailure;
import dev.saaflink.operators.saa.SaliencyBackend;

import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The keyed stream-context operator: one memory per camera and category, failed frames passed through, a broken
 * embedding failing only its frame, and the memory surviving a snapshot and restore.
 *
 * <p>Config: M = 4, S = 16, q = 0.5, warm-up 1, poolCells 1, no border, so a key's first frame is a warm-up frame
 * (scored against its own patches) and every later one is scored against the memory. Every frame has the same
 * embedding, C = 3 channels on a 2x2 grid covering a 4x4 image (all four cells valid), so the two cases tell apart by
 * their values: a frame scored against the memory matches exactly (a map of 0), a warm-up frame does not (see
 * {@link #embedding()}).
 */
class StreamContextFunctionTest {

    private static final ValueStateDescriptor<MemoryRing> RING =
            StreamContextFunction.ringDescriptor(new StreamContextConfig(true, 4, 16, 0.5, 1, 1, 0));
    private static final MapStateDescriptor<Integer, byte[]> SLOTS =
            StreamContextFunction.slotsDescriptor(new StreamContextConfig(true, 4, 16, 0.5, 1, 1, 0));
    private static final ValueStateDescriptor<StreamMemory> LEGACY =
            StreamContextFunction.memoryDescriptor(new StreamContextConfig(true, 4, 16, 0.5, 1, 1, 0));
    /** Heap state-table entries per key: the ring and the slot map (the map counts once per key). */
    private static final int ENTRIES_PER_KEY = 2;
    /** 1 − cos 45°. */
    private static final float A = (float) (1 - Math.sqrt(0.5));
    private static final float EPS = 1e-5f;
    /** A distance to an identical frame kept in fp16: 0 within 2^-10. */
    private static final float FP16_EPS = 0x1p-10f;

    private final List<KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress>> harnesses =
            new ArrayList<>();
    private long time;

    private static PipelineSettings settings() {
        return settings(new StreamContextConfig(true, 4, 16, 0.5, 1, 1, 0));
    }

    private static PipelineSettings settings(StreamContextConfig context) {
        PipelineSettings s = new PipelineSettings(InspectionConfigLoader.loadDefault().withStreamContext(context));
        s.saliencyBackend = SaliencyBackend.JAVA;
        return s;
    }

    /** The test config with an idle TTL of {@code ttlMillis} and room for {@code maxCameras} keys. */
    private static PipelineSettings bounded(long ttlMillis, int maxCameras) {
        return settings(new StreamContextConfig(true, 4, 16, 0.5, 1, 1, 0)
                .withKeyBounds(Duration.ofMillis(ttlMillis), maxCameras));
    }

    private KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> harness() throws Exception {
        return harness(settings());
    }

    private KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> harness(
            PipelineSettings settings) throws Exception {
        var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new StreamContextFunction(settings),
                StreamContextFunction::key, Types.STRING);
        harnesses.add(h);
        return h;
    }

    private KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> restored(
            OperatorSubtaskState state) throws Exception {
        return restored(state, settings());
    }

    private KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> restored(
            OperatorSubtaskState state, PipelineSettings settings) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new StreamContextFunction(settings)), StreamContextFunction::key,
                Types.STRING);
        harnesses.add(h);
        h.setup();
        h.initializeState(state);
        h.open();
        return h;
    }

    @AfterEach
    void close() throws Exception {
        for (var h : harnesses) {
            h.close();
        }
    }

    /**
     * Cells row-major: one along each axis, one at 45° and one along channel 0 again. Scored against itself (each cell
     * against the frame's other cells, S = 16 repeating each of the 4 cells): p0 (1,0,0) matches p3 (2,0,0) -> 0;
     * p1 (0,1,0) has p2 at 45° as its nearest -> 1 − 1/√2; p2 (1,1,0) is at 45° to all others -> 1 − 1/√2; p3 matches
     * p0 -> 0. Grid [[0, A], [A, 0]] with A = 1 − 1/√2.
     */
    private static SamEmbedding embedding() {
        float[] data = {
                1, 0, 1, 2,  // channel 0 of p0..p3
                0, 1, 1, 0,  // channel 1
                0, 0, 0, 0}; // channel 2
        return new SamEmbedding(data, 3, 2, 2, 4, 4, 32, 32, 32);
    }

    private static FrameInProgress frame(String cameraId, String frameId, String category) {
        DecodedFrame f = new DecodedFrame();
        f.cameraId = cameraId;
        f.frameId = frameId;
        f.category = category;
        f.image = new RgbImage(4, 4, new byte[4 * 4 * 3]);
        FrameInProgress p = new FrameInProgress(f, InspectionConfigLoader.loadDefault().resolve(category), 1L);
        p.embedding = embedding();
        return p;
    }

    private static FrameInProgress frame(String cameraId, String frameId) {
        return frame(cameraId, frameId, "mtd");
    }

    /** The frames emitted since the last call (copies made by the harness's serializer). */
    private static List<FrameInProgress> drain(
            KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> h) {
        List<FrameInProgress> out = h.extractOutputValues();
        h.getOutput().clear();
        return out;
    }

    private FrameInProgress process(KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> h,
                                    FrameInProgress p) throws Exception {
        h.processElement(p, ++time);
        List<FrameInProgress> out = drain(h);
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    /** The bookkeeping of the memory kept for a key, or null. */
    private static MemoryRing memory(KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> h,
                                     String cameraId, String category) throws Exception {
        AbstractStreamOperator<FrameInProgress> op = h.getOperator();
        op.setCurrentKey(cameraId + "\u0000" + category);
        return op.getKeyedStateStore().getState(RING).value();
    }

    /** The slots of a key's memory: slot index to the fp16 bytes of that frame. */
    private static Map<Integer, byte[]> slots(
            KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> h, String cameraId,
            String category) throws Exception {
        AbstractStreamOperator<FrameInProgress> op = h.getOperator();
        op.setCurrentKey(cameraId + "\u0000" + category);
        Map<Integer, byte[]> out = new HashMap<>();
        for (Map.Entry<Integer, byte[]> e : op.getKeyedStateStore().getMapState(SLOTS).entries()) {
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** Sets the harness's processing time and the state TTL's clock, which in a job are both the wall clock. */
    private static void clock(KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> h,
                              long millis) throws Exception {
        h.setStateTtlProcessingTime(millis); // first: the timers that setProcessingTime fires see the same time
        h.setProcessingTime(millis);
    }

    private static void assertRejectedAsOneCameraTooMany(FrameInProgress p) {
        assertThat(p.failed()).isTrue();
        assertThat(p.failure.reason).isEqualTo(RejectReason.TOO_MANY_CAMERAS);
        assertThat(p.failure.stage).isEqualTo("streamContext");
        assertThat(p.failure.message).contains("streamContext.maxCamerasPerSubtask");
        assertThat(p.saliency).isNull();
    }

    /**
     * Scored against the key's memory, which holds only frames with this same embedding: every cell has an exact
     * match, so the map is 0 everywhere, up to the memory's fp16 rounding (a cosine moves by less than 2^-10).
     */
    private static void assertScoredAgainstMemory(FrameInProgress p) {
        assertThat(p.failed()).isFalse();
        assertThat(p.saliency).as("scored: a map at image resolution").isNotNull().hasSize(4 * 4);
        for (float s : p.saliency) {
            assertThat(s).as("identical to the memory").isCloseTo(0f, within(FP16_EPS));
        }
        assertThat(p.stageMs).containsKey(StreamContextFunction.STAGE);
    }

    /**
     * A warm-up frame, scored against itself: the grid [[0, A], [A, 0]] at image resolution. Pixel centres sit at cell
     * coordinates 0, 0.25, 0.75, 1 (4 px image, 16 px cells in a 32 px frame, clamped), so the bilinear map is
     * A·(cx·(1 − cy) + (1 − cx)·cy).
     */
    private static void assertWarmUp(FrameInProgress p) {
        assertThat(p.failed()).isFalse();
        assertThat(p.saliency).as("warming up: scored against itself").isNotNull().hasSize(4 * 4);
        float[] s = p.saliency;
        assertThat(s[0]).as("(cx, cy) = (0, 0)").isCloseTo(0f, within(EPS));
        assertThat(s[3]).as("(1, 0)").isCloseTo(A, within(EPS));
        assertThat(s[12]).as("(0, 1)").isCloseTo(A, within(EPS));
        assertThat(s[15]).as("(1, 1)").isCloseTo(0f, within(EPS));
        assertThat(s[5]).as("(0.25, 0.25): 2·0.25·0.75 = 0.375").isCloseTo(0.375f * A, within(EPS));
        assertThat(p.stageMs).containsKey(StreamContextFunction.STAGE);
        assertThat(p.stageMs.get(StreamContextFunction.STAGE)).isGreaterThanOrEqualTo(0.0);
    }

    @Test
    void eachCameraAndCategoryHasItsOwnMemory() throws Exception {
        var h = harness();
        assertThat(StreamContextFunction.key(frame("cam-a", "x"))).isEqualTo("cam-a\u0000mtd");

        assertWarmUp(process(h, frame("cam-a", "a-1")));
        assertThat(memory(h, "cam-a", "mtd").count).isEqualTo(1);
        // cam-b does not see cam-a's frame: warming up too.
        assertWarmUp(process(h, frame("cam-b", "b-1")));
        // a-2 equals a-1 cell by cell: every cell has an exact match in memory, so the map is 0 everywhere.
        assertScoredAgainstMemory(process(h, frame("cam-a", "a-2")));
        // Same camera, another category config: a memory of its own, so warming up again.
        assertWarmUp(process(h, frame("cam-a", "a-3", "default")));

        assertThat(memory(h, "cam-a", "mtd").count).isEqualTo(2);
        assertThat(memory(h, "cam-b", "mtd").count).isEqualTo(1);
        assertThat(memory(h, "cam-a", "default").count).isEqualTo(1);
        assertThat(memory(h, "cam-c", "mtd")).isNull();
        assertThat(h.numKeyedStateEntries()).isEqualTo(3 * ENTRIES_PER_KEY);

        assertScoredAgainstMemory(process(h, frame("cam-b", "b-2")));
        assertThat(memory(h, "cam-b", "mtd").count).isEqualTo(2);
        assertThat(memory(h, "cam-a", "mtd").count).as("unchanged by cam-b").isEqualTo(2);
    }

    @Test
    void aFailedFramePassesThroughAndIsNotRemembered() throws Exception {
        var h = harness();
        FrameInProgress failed = frame("cam-a", "a-1");
        failed.failure = new StageFailure("samEncoder", RejectReason.MODEL_FAILED, "java.io.IOException", "boom");
        failed.stageMs.put("decode", 2.0);

        FrameInProgress out = process(h, failed);
        assertThat(out.frame.frameId).isEqualTo("a-1");
        assertThat(out.failure.stage).isEqualTo("samEncoder");
        assertThat(out.failure.reason).isEqualTo(RejectReason.MODEL_FAILED);
        assertThat(out.failure.message).isEqualTo("boom");
        assertThat(out.saliency).isNull();
        assertThat(out.stageMs).containsOnlyKeys("decode");
        assertThat(memory(h, "cam-a", "mtd")).as("nothing stored for the key").isNull();
        assertThat(h.numKeyedStateEntries()).isZero();

        // So the next good frame of that key is the first in memory: a warm-up frame.
        assertWarmUp(process(h, frame("cam-a", "a-2")));
        assertThat(memory(h, "cam-a", "mtd").count).isEqualTo(1);
    }

    @Test
    void theMemorySurvivesASnapshotAndRestore() throws Exception {
        var h = harness();
        assertWarmUp(process(h, frame("cam-a", "a-1")));
        assertScoredAgainstMemory(process(h, frame("cam-a", "a-2")));
        OperatorSubtaskState snapshot = h.snapshot(1L, 1L);

        var r = restored(snapshot);
        MemoryRing back = memory(r, "cam-a", "mtd");
        assertThat(back).isNotNull();
        assertThat(back.count).isEqualTo(2);
        assertThat(back.added).isEqualTo(2);
        assertThat(back.next).isEqualTo(2);
        assertThat(back.capacity).isEqualTo(4);
        assertThat(back.channels).isEqualTo(3);
        assertThat(back.perFrame).isEqualTo(16);
        assertThat(slots(r, "cam-a", "mtd")).containsOnlyKeys(0, 1);
        assertThat(slots(r, "cam-a", "mtd").get(0)).as("3 x 16 halves").hasSize(2 * 3 * 16);

        // The memory came back, so cam-a's next frame is scored against it at once; cam-b still starts from
        // nothing and warms up.
        assertScoredAgainstMemory(process(r, frame("cam-a", "a-3")));
        assertWarmUp(process(r, frame("cam-b", "b-1")));
        assertThat(memory(r, "cam-a", "mtd").count).isEqualTo(3);
        assertThat(memory(r, "cam-b", "mtd").count).isEqualTo(1);
    }

    @Test
    void aBrokenEmbeddingFailsOnlyItsFrame() throws Exception {
        var h = harness();
        assertWarmUp(process(h, frame("cam-a", "a-1")));

        // data shorter than channels x gridH x gridW (built without the checking constructor).
        FrameInProgress shortData = frame("cam-a", "a-2");
        SamEmbedding bad = new SamEmbedding();
        bad.data = new float[5];
        bad.channels = 3;
        bad.gridH = 2;
        bad.gridW = 2;
        bad.imageWidth = 4;
        bad.imageHeight = 4;
        bad.modelSize = 32;
        bad.resizedWidth = 32;
        bad.resizedHeight = 32;
        shortData.embedding = bad;
        FrameInProgress out = process(h, shortData);
        assertThat(out.failed()).isTrue();
        assertThat(out.failure.reason).isEqualTo(RejectReason.MODEL_FAILED);
        assertThat(out.failure.stage).isEqualTo(StreamContextFunction.STAGE).isEqualTo("streamContext");
        assertThat(out.saliency).isNull();
        assertThat(out.stageMs).doesNotContainKey(StreamContextFunction.STAGE);
        assertThat(memory(h, "cam-a", "mtd").count).as("the broken frame is not remembered").isEqualTo(1);

        // No embedding at all.
        FrameInProgress none = frame("cam-a", "a-3");
        none.embedding = null;
        out = process(h, none);
        assertThat(out.failed()).isTrue();
        assertThat(out.failure.reason).isEqualTo(RejectReason.MODEL_FAILED);
        assertThat(out.failure.stage).isEqualTo("streamContext");
        assertThat(memory(h, "cam-a", "mtd").count).isEqualTo(1);

        // The key goes on: the next good frame is scored against a-1 (not a warm-up frame) and remembered.
        assertScoredAgainstMemory(process(h, frame("cam-a", "a-4")));
        assertThat(memory(h, "cam-a", "mtd").count).isEqualTo(2);
    }

    /**
     * Issue 13: a key's memory expires after idleTtl without frames (the state TTL, processing time, refreshed by
     * every frame); the camera then warms up again, and a full snapshot leaves the expired memories out.
     */
    @Test
    void anIdleMemoryExpiresAndTheCameraWarmsUpAgain() throws Exception {
        var h = harness(bounded(1000, 64));
        clock(h, 0);
        assertWarmUp(process(h, frame("cam-a", "a-1")));
        assertWarmUp(process(h, frame("cam-b", "b-1")));
        clock(h, 999);
        assertScoredAgainstMemory(process(h, frame("cam-a", "a-2"))); // 999 ms idle: still there, and refreshed
        clock(h, 1998);
        assertScoredAgainstMemory(process(h, frame("cam-a", "a-3"))); // 999 ms after a-2, 1998 after b-1
        assertThat(slots(h, "cam-b", "mtd")).as("cam-b's slots cleared by its idle timer").isEmpty();
        assertThat(memory(h, "cam-b", "mtd")).as("cam-b's ring expired: invisible").isNull();

        OperatorSubtaskState snapshot = h.snapshot(1L, 1998L);
        var r = restored(snapshot, bounded(1000, 64));
        assertThat(r.numKeyedStateEntries()).as("the full snapshot left cam-b's expired memory out").isEqualTo(ENTRIES_PER_KEY);
        clock(r, 1998);
        assertWarmUp(process(r, frame("cam-b", "b-2")));

        clock(h, 3000);
        assertThat(memory(h, "cam-a", "mtd")).as("1002 ms after a-3").isNull();
        assertWarmUp(process(h, frame("cam-a", "a-4")));
        assertThat(memory(h, "cam-a", "mtd").count).isEqualTo(1);
    }

    /**
     * Turning the TTL on (or off) keeps the memories: a snapshot written without a TTL restores into state with one,
     * which is what a job upgraded to this version, or one whose idleTtl changes from 0, meets.
     */
    @Test
    void memoriesWrittenWithoutATtlRestoreIntoStateWithOne() throws Exception {
        var h = harness(bounded(0, 64));
        clock(h, 0);
        assertWarmUp(process(h, frame("cam-a", "a-1")));
        OperatorSubtaskState noTtl = h.snapshot(1L, 1L);

        var r = restored(noTtl, bounded(1000, 64));
        clock(r, 10);
        assertScoredAgainstMemory(process(r, frame("cam-a", "a-2")));
        OperatorSubtaskState withTtl = r.snapshot(2L, 10L);

        var back = restored(withTtl, bounded(0, 64));
        assertScoredAgainstMemory(process(back, frame("cam-a", "a-3")));
        assertThat(memory(back, "cam-a", "mtd").count).isEqualTo(3);
    }

    /** idleTtl 0 keeps memories forever. */
    @Test
    void aZeroTtlKeepsMemoriesForever() throws Exception {
        var h = harness(bounded(0, 64));
        clock(h, 0);
        assertWarmUp(process(h, frame("cam-a", "a-1")));
        clock(h, 365L * 24 * 3600 * 1000);
        assertScoredAgainstMemory(process(h, frame("cam-a", "a-2")));
    }

    /**
     * Issue 13: past maxCamerasPerSubtask keys, a new camera's frames fail with TOO_MANY_CAMERAS and allocate nothing;
     * admitted cameras go on; a key idle for idleTtl frees its place; the admitted keys survive a snapshot and restore.
     */
    @Test
    void newCamerasPastTheCapAreRejectedUntilAnIdleOneExpires() throws Exception {
        var h = harness(bounded(1000, 2));
        clock(h, 0);
        assertWarmUp(process(h, frame("cam-a", "a-1")));
        assertWarmUp(process(h, frame("cam-b", "b-1")));
        assertRejectedAsOneCameraTooMany(process(h, frame("cam-c", "c-1")));
        assertRejectedAsOneCameraTooMany(process(h, frame("cam-a", "a-x", "default"))); // another key of cam-a
        assertThat(memory(h, "cam-c", "mtd")).isNull();
        assertThat(h.numKeyedStateEntries()).as("no memory for the rejected keys").isEqualTo(2 * ENTRIES_PER_KEY);
        assertScoredAgainstMemory(process(h, frame("cam-a", "a-2")));

        clock(h, 500);
        assertScoredAgainstMemory(process(h, frame("cam-a", "a-3")));
        clock(h, 1000);
        // cam-b idle since 0: its memory expired and its place is free.
        assertWarmUp(process(h, frame("cam-c", "c-2")));
        assertRejectedAsOneCameraTooMany(process(h, frame("cam-d", "d-1")));
        assertRejectedAsOneCameraTooMany(process(h, frame("cam-b", "b-2")));
        assertScoredAgainstMemory(process(h, frame("cam-a", "a-4")));

        OperatorSubtaskState snapshot = h.snapshot(1L, 1000L);
        var r = restored(snapshot, bounded(1000, 2));
        clock(r, 1100);
        assertRejectedAsOneCameraTooMany(process(r, frame("cam-e", "e-1")));
        assertScoredAgainstMemory(process(r, frame("cam-c", "c-3")));
        clock(r, 2000);
        assertWarmUp(process(r, frame("cam-e", "e-2"))); // cam-a idle since 1000
    }

    // ------------------------------------------------------------------ issue 14: slot layout, rescale, time bound

    /** An embedding like {@link #embedding()}'s shape (C = 3, 2 x 2 cells) with random values. */
    private static SamEmbedding randomEmbedding(Random random) {
        float[] data = new float[3 * 2 * 2];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return new SamEmbedding(data, 3, 2, 2, 4, 4, 32, 32, 32);
    }

    private static FrameInProgress frame(String cameraId, String frameId, SamEmbedding embedding) {
        FrameInProgress p = frame(cameraId, frameId);
        p.embedding = embedding;
        return p;
    }

    /**
     * Issue 14: a frame writes its own slot and the ring, nothing else. On the heap backend without a TTL (whose reads
     * re-wrap every entry with a new timestamp) a slot that is not written keeps the very byte array it held, so the
     * identity of every other slot's bytes shows it was not rewritten.
     */
    @Test
    void aFrameWritesOnlyItsOwnSlot() throws Exception {
        var h = harness(bounded(0, 64));
        Random random = new Random(1);
        for (int i = 0; i < 4; i++) {
            process(h, frame("cam-a", "a-" + i, randomEmbedding(random)));
            assertThat(slots(h, "cam-a", "mtd")).as("filling up").hasSize(i + 1);
        }
        for (int i = 4; i < 7; i++) {
            Map<Integer, byte[]> before = slots(h, "cam-a", "mtd");
            int expectedSlot = i % 4;
            assertThat(memory(h, "cam-a", "mtd").next).isEqualTo(expectedSlot);
            process(h, frame("cam-a", "a-" + i, randomEmbedding(random)));
            Map<Integer, byte[]> after = slots(h, "cam-a", "mtd");
            assertThat(after).containsOnlyKeys(0, 1, 2, 3);
            for (int s = 0; s < 4; s++) {
                if (s == expectedSlot) {
                    assertThat(after.get(s)).as("the oldest frame's slot, overwritten").isNotSameAs(before.get(s))
                            .isNotEqualTo(before.get(s));
                } else {
                    assertThat(after.get(s)).as("slot %d untouched", s).isSameAs(before.get(s));
                }
            }
            assertThat(memory(h, "cam-a", "mtd").added).isEqualTo(i + 1);
            assertThat(memory(h, "cam-a", "mtd").count).isEqualTo(4);
        }
    }

    /**
     * Issue 14: the memory after a snapshot and restore is the memory before it, bit for bit: frames with random
     * embeddings, then the same next frame scored by the original and by the restored operator give the same map.
     */
    @Test
    void aRestoredMemoryScoresTheNextFrameExactlyAsWithoutTheRestore() throws Exception {
        var h = harness();
        Random random = new Random(2);
        for (int i = 0; i < 6; i++) {
            process(h, frame("cam-a", "a-" + i, randomEmbedding(random)));
        }
        OperatorSubtaskState snapshot = h.snapshot(1L, 1L);
        var r = restored(snapshot);
        SamEmbedding next = randomEmbedding(random);
        FrameInProgress original = process(h, frame("cam-a", "a-6", next));
        FrameInProgress afterRestore = process(r, frame("cam-a", "a-6", next));
        assertThat(original.failed()).isFalse();
        assertThat(original.saliency).as("scored against a memory of random frames: not all 0")
                .satisfies(s -> assertThat(max(s)).isGreaterThan(0.01f));
        assertThat(afterRestore.saliency).containsExactly(original.saliency);
        assertThat(memory(r, "cam-a", "mtd").added).isEqualTo(7);
    }

    private static float max(float[] values) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    /**
     * Issue 14: a memory of the layout before (one {@code StreamMemory} value under "stream-memory", as an older
     * savepoint holds it) is moved into slots on its key's first frame after the restore, and the old value is
     * cleared: the frame is scored against the old memory, not warmed up.
     */
    @Test
    void aMemoryOfTheOldLayoutIsMovedIntoSlots() throws Exception {
        StreamContextConfig config = new StreamContextConfig(true, 4, 16, 0.5, 1, 1, 0);
        StreamMemory old;
        try (StreamContextScorer scorer = StreamContextScorer.open(config, SaliencyBackend.JAVA, null)) {
            old = scorer.apply(frame("cam-a", "a-1"), null);
        }
        var h = harness();
        AbstractStreamOperator<FrameInProgress> op = h.getOperator();
        op.setCurrentKey(StreamContextFunction.key(frame("cam-a", "x")));
        op.getKeyedStateStore().getState(LEGACY).update(old);
        OperatorSubtaskState snapshot = h.snapshot(1L, 1L);

        var r = restored(snapshot);
        assertScoredAgainstMemory(process(r, frame("cam-a", "a-2")));
        assertThat(memory(r, "cam-a", "mtd").count).isEqualTo(2);
        assertThat(memory(r, "cam-a", "mtd").added).isEqualTo(2);
        assertThat(slots(r, "cam-a", "mtd")).containsOnlyKeys(0, 1);
        AbstractStreamOperator<FrameInProgress> rop = r.getOperator();
        rop.setCurrentKey(StreamContextFunction.key(frame("cam-a", "x")));
        assertThat(rop.getKeyedStateStore().getState(LEGACY).value()).as("the old value is cleared").isNull();
    }

    private KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> subtask(
            int maxParallelism, int parallelism, int index) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new StreamContextFunction(settings())), StreamContextFunction::key,
                Types.STRING, maxParallelism, parallelism, index);
        harnesses.add(h);
        return h;
    }

    /**
     * Issue 14: rescaling from 1 to 2 subtasks, each camera's memory (ring and slots) moves with its key group to the
     * subtask that now owns the key, and scores that camera's next frame there exactly as before the rescale.
     */
    @Test
    void rescalingKeepsEachCamerasMemory() throws Exception {
        int maxParallelism = 128;
        var one = subtask(maxParallelism, 1, 0);
        one.open();
        Random random = new Random(3);
        List<String> cameras = List.of("cam-a", "cam-b", "cam-c", "cam-d", "cam-e", "cam-f");
        for (int i = 0; i < 3; i++) {
            for (String cam : cameras) {
                process(one, frame(cam, cam + "-" + i, randomEmbedding(random)));
            }
        }
        OperatorSubtaskState snapshot = one.snapshot(1L, 1L);
        Map<String, SamEmbedding> next = new HashMap<>();
        Map<String, float[]> expected = new HashMap<>();
        for (String cam : cameras) {
            next.put(cam, randomEmbedding(random));
            expected.put(cam, process(one, frame(cam, cam + "-3", next.get(cam))).saliency);
        }

        List<KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress>> two = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            var h = subtask(maxParallelism, 2, i);
            h.setup();
            h.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(snapshot, maxParallelism,
                    1, 2, i));
            h.open();
            two.add(h);
        }
        int[] perSubtask = new int[2];
        for (String cam : cameras) {
            int owner = KeyGroupRangeAssignment.assignKeyToParallelOperator(cam + "\u0000mtd", maxParallelism, 2);
            perSubtask[owner]++;
            var h = two.get(owner);
            assertThat(memory(h, cam, "mtd").count).as(cam + " on subtask " + owner).isEqualTo(3);
            FrameInProgress out = process(h, frame(cam, cam + "-3", next.get(cam)));
            assertThat(out.failed()).isFalse();
            assertThat(out.saliency).as(cam).containsExactly(expected.get(cam));
        }
        assertThat(perSubtask[0]).as("the test's cameras spread over both subtasks").isPositive();
        assertThat(perSubtask[1]).isPositive();
    }

    /**
     * Issue 14 item 4: a scoring that runs past streamContextTimeoutMillis is cancelled on the task thread: the frame
     * becomes a TIMEOUT dead letter of stage streamContext soon after the bound, the memory is left as it was, and
     * the camera's next frame is scored normally. The slow scoring is real work: a 64 x 64-cell frame against a memory
     * frame of 8192 patches of 256 channels in plain Java (8.6 G multiply-adds, seconds on any CPU), bounded at 1 s.
     */
    @Test
    void aScoringPastTheTimeBoundBecomesATimeoutAndLeavesTheMemoryAlone() throws Exception {
        PipelineSettings s = settings(new StreamContextConfig(true, 2, 8192, 0.5, 1, 1, 0));
        s.streamContextTimeoutMillis = 1000;
        var h = harness(s);
        Random random = new Random(4);
        FrameInProgress small = frame("cam-a", "a-1", randomEmbedding(random, 256, 2));
        FrameInProgress first = process(h, small);
        assertThat(first.failed()).as("%s %s %s", first.failure == null ? null : first.failure.reason, first.failure == null ? null : first.failure.message, first.failure == null ? null : first.failure.stage).isFalse();
        Map<Integer, byte[]> before = slots(h, "cam-a", "mtd");

        long t0 = System.nanoTime();
        FrameInProgress out = process(h, frame("cam-a", "a-2", randomEmbedding(random, 256, 64)));
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(out.failed()).isTrue();
        assertThat(out.failure.reason).isEqualTo(RejectReason.TIMEOUT);
        assertThat(out.failure.stage).isEqualTo("streamContext");
        assertThat(out.failure.message).contains("1000 ms");
        assertThat(out.saliency).isNull();
        assertThat(millis).as("cancelled soon after the 1 s bound").isLessThan(4000);
        assertThat(memory(h, "cam-a", "mtd").count).as("memory unchanged").isEqualTo(1);
        assertThat(memory(h, "cam-a", "mtd").added).isEqualTo(1);
        assertThat(slots(h, "cam-a", "mtd")).containsOnlyKeys(0);
        assertThat(slots(h, "cam-a", "mtd").get(0)).isSameAs(before.get(0));

        FrameInProgress next = process(h, frame("cam-a", "a-3", randomEmbedding(random, 256, 2)));
        assertThat(next.failed()).isFalse();
        assertThat(next.saliency).isNotNull();
        assertThat(memory(h, "cam-a", "mtd").count).isEqualTo(2);
    }

    /** A random embedding of {@code channels} channels on a {@code side} x {@code side} grid, all cells valid. */
    private static SamEmbedding randomEmbedding(Random random, int channels, int side) {
        float[] data = new float[channels * side * side];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return new SamEmbedding(data, channels, side, side, 4, 4, 16 * side, 16 * side, 16 * side);
    }

    /**
     * Issue 14: the slots carry no TTL (a TTL refreshed on read would rewrite every slot on every frame); an idle
     * timer clears them once the ring expired. Timer times are rounded to a sixteenth of idleTtl, so a camera sending
     * a frame every millisecond for 5 TTLs holds at most 17 pending timers, and its memory stays alive throughout.
     */
    @Test
    void idleTimersPerCameraAreBounded() throws Exception {
        var h = harness(bounded(1600, 64));
        for (long t = 0; t < 8000; t += 7) {
            clock(h, t);
            process(h, frame("cam-a", "a-" + t));
            assertThat(h.numProcessingTimeTimers()).isLessThanOrEqualTo(17);
        }
        assertThat(memory(h, "cam-a", "mtd").count).as("never expired while frames came").isEqualTo(4);
        clock(h, 7994 + 1600 + 100);
        assertThat(memory(h, "cam-a", "mtd")).isNull();
        assertThat(slots(h, "cam-a", "mtd")).isEmpty();
        assertThat(h.numProcessingTimeTimers()).isZero();
    }

    /** Issue 13: an OutOfMemoryError is the JVM's trouble, not the frame's: it fails the task. */
    @Test
    void anOutOfMemoryErrorIsNotSwallowed() throws Exception {
        // 256 frames x 16384 patches x 300 channels (5 GB) for a new key's memory: a real OutOfMemoryError.
        var h = harness(settings(new StreamContextConfig(true, 256, 16384, 0.5, 1, 1, 0)));
        FrameInProgress p = frame("cam-a", "a-1");
        float[] data = new float[300];
        java.util.Arrays.fill(data, 1f);
        p.embedding = new SamEmbedding(data, 300, 1, 1, 4, 4, 32, 32, 32);
        assertThatThrownBy(() -> h.processElement(p, 1L)).isInstanceOf(OutOfMemoryError.class);
    }

    /**
     * Which throwables are the frame's (a dead letter) and which the JVM's (the task fails): a stack overflow is one
     * frame's too-deep recursion, unwound by the time it is caught; out of memory and a broken classpath are not.
     */
    @Test
    void onlyTheJvmsOwnErrorsAreFatal() {
        assertThat(FatalErrors.isFatal(new StackOverflowError())).isFalse();
        assertThat(FatalErrors.isFatal(new OutOfMemoryError())).isTrue();
        assertThat(FatalErrors.isFatal(new NoClassDefFoundError())).isTrue();
        assertThat(FatalErrors.isFatal(new IllegalStateException())).isFalse();
    }

    // ------------------------------------------------------------------ issue 14 item 3: seed and reset records

    /** A seed record of the test embedding: {@code saa.memory=seed}. */
    private static FrameInProgress seed(String cameraId, String frameId) {
        FrameInProgress p = frame(cameraId, frameId);
        p.frame.attributes = new HashMap<>(Map.of(MemoryRecords.ATTRIBUTE, MemoryRecords.SEED));
        return p;
    }

    /** A reset record as the decoder passes it on: no image, and the encoder left it without an embedding. */
    private static FrameInProgress reset(String cameraId, String category) {
        FrameInProgress p = frame(cameraId, "reset-" + cameraId, category);
        p.frame.attributes = new HashMap<>(Map.of(MemoryRecords.ATTRIBUTE, MemoryRecords.RESET));
        p.frame.image = null;
        p.embedding = null;
        return p;
    }

    /** Processes a record that must not be emitted. */
    private void processSilently(KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> h,
                                 FrameInProgress p) throws Exception {
        h.processElement(p, ++time);
        assertThat(drain(h)).as("no output for " + p.frame.frameId).isEmpty();
    }

    @Test
    void aSeedEntersTheMemoryEmitsNothingAndTheFirstInspectedFrameIsNotAWarmUp() throws Exception {
        var h = harness();
        processSilently(h, seed("cam-a", "s-1"));
        assertThat(memory(h, "cam-a", "mtd").count).isEqualTo(1);
        assertThat(slots(h, "cam-a", "mtd")).hasSize(1);
        // warmupFrames = 1: with one seed in the memory, the first inspected frame is scored against it.
        assertScoredAgainstMemory(process(h, frame("cam-a", "a-1")));
        assertThat(memory(h, "cam-a", "mtd").count).isEqualTo(2);
        // Without a seed the same frame is a warm-up frame (another camera).
        assertWarmUp(process(h, frame("cam-b", "b-1")));
        // Seeds of one key do not reach another category's memory.
        assertWarmUp(process(h, frame("cam-a", "a-2", "default")));
    }

    @Test
    void aResetClearsOnlyItsKeysMemoryAndItsNextFrameWarmsUp() throws Exception {
        var h = harness();
        assertWarmUp(process(h, frame("cam-a", "a-1")));
        assertScoredAgainstMemory(process(h, frame("cam-a", "a-2")));
        assertWarmUp(process(h, frame("cam-b", "b-1")));
        assertWarmUp(process(h, frame("cam-a", "d-1", "default")));

        processSilently(h, reset("cam-a", "mtd"));
        assertThat(memory(h, "cam-a", "mtd")).isNull();
        assertThat(slots(h, "cam-a", "mtd")).isEmpty();
        assertThat(memory(h, "cam-b", "mtd").count).as("another camera keeps its memory").isEqualTo(1);
        assertThat(memory(h, "cam-a", "default").count).as("another category keeps its memory").isEqualTo(1);
        assertThat(h.numKeyedStateEntries()).isEqualTo(2 * ENTRIES_PER_KEY);

        assertWarmUp(process(h, frame("cam-a", "a-3")));
        assertScoredAgainstMemory(process(h, frame("cam-a", "a-4")));
        assertScoredAgainstMemory(process(h, frame("cam-b", "b-2")));
    }

    @Test
    void aResetOfAnUnknownCameraIsANoOpAndTakesNoPlace() throws Exception {
        var h = harness(bounded(1000, 1));
        clock(h, 0);
        processSilently(h, reset("cam-z", "mtd"));
        assertThat(h.numKeyedStateEntries()).isZero();
        // The only place on the subtask is still free.
        assertWarmUp(process(h, frame("cam-a", "a-1")));
    }

    @Test
    void seedsPastTheCameraCapAreDeadLettersAndAResetFreesThePlace() throws Exception {
        var h = harness(bounded(1000, 1));
        clock(h, 0);
        assertWarmUp(process(h, frame("cam-a", "a-1")));
        FrameInProgress rejected = process(h, seed("cam-b", "s-1"));
        assertRejectedAsOneCameraTooMany(rejected);
        assertThat(memory(h, "cam-b", "mtd")).isNull();

        processSilently(h, reset("cam-a", "mtd"));
        processSilently(h, seed("cam-b", "s-2"));
        assertScoredAgainstMemory(process(h, frame("cam-b", "b-1")));
        assertRejectedAsOneCameraTooMany(process(h, frame("cam-a", "a-2")));
    }

    @Test
    void aFailedSeedOrResetPassesThroughAsADeadLetterAndChangesNothing() throws Exception {
        var h = harness();
        assertWarmUp(process(h, frame("cam-a", "a-1")));
        FrameInProgress s = seed("cam-a", "s-1");
        s.failure = new StageFailure("samEncoder", RejectReason.MODEL_FAILED, "x", "broken");
        assertThat(process(h, s).failure.reason).isEqualTo(RejectReason.MODEL_FAILED);
        FrameInProgress r = reset("cam-a", "mtd");
        r.failure = new StageFailure("samEncoder", RejectReason.TIMEOUT, "x", "late");
        assertThat(process(h, r).failure.reason).isEqualTo(RejectReason.TIMEOUT);
        assertThat(memory(h, "cam-a", "mtd").count).as("neither the failed seed nor the failed reset acted")
                .isEqualTo(1);
    }

    @Test
    void seedsSurviveASnapshotAndResetsToo() throws Exception {
        var h = harness();
        processSilently(h, seed("cam-a", "s-1"));
        processSilently(h, seed("cam-b", "s-2"));
        processSilently(h, reset("cam-b", "mtd"));
        var r = restored(h.snapshot(1L, 1L));
        assertScoredAgainstMemory(process(r, frame("cam-a", "a-1")));
        assertWarmUp(process(r, frame("cam-b", "b-1")));
    }
}
