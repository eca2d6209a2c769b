package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.operators.decode.DeadLetters;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.pipeline.DetectedRegions;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.FramePart;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.pipeline.SaliencyGrid;
import dev.saaflink.operators.pipeline.StageFailure;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.schemas.DeadLetter;
import dev.saaflink.operators.config.InspectionConfigLoader;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

/**
 * The fan-out's join on small graphs of parts, driven by a test harness with processing time in hand: a frame whose
 * parts all arrive leaves once with every branch's output; a missing part, a failing branch and a timed-out frame each
 * give exactly one failed frame (one dead letter downstream) and never an event too; late parts are dropped and
 * counted; a checkpoint taken halfway through a join restores into a join that completes exactly once; and the state
 * goes back to zero.
 */
class FrameJoinFunctionTest {

    private static final long TIMEOUT_MS = 1_000;
    private static final List<String> BRANCHES = List.of("samEncoder", "detector", "features");

    private static PipelineSettings settings() {
        PipelineSettings s = new PipelineSettings(InspectionConfigLoader.loadDefault());
        s.joinTimeoutMillis = TIMEOUT_MS;
        return s.validate();
    }

    private static FrameJoinFunction join() {
        return new FrameJoinFunction(settings(), BRANCHES);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, FramePart, FrameInProgress> harness(
            FrameJoinFunction join) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(join), FramePart::key,
                Types.STRING);
    }

    private static FrameInProgress frame(String id) {
        FrameInProgress p = SplitFailuresFunctionTest.frame("cam-1", id);
        p.regions = null;
        return p;
    }

    /** The encoder's part: the whole frame, with an embedding stand-in (the image is enough to tell it apart). */
    private static FramePart encoder(String id) {
        FrameInProgress p = frame(id);
        p.stageMs.put("samEncoder", 30.0);
        return FramePart.carrier("samEncoder", p);
    }

    private static FramePart detector(String id) {
        FrameInProgress p = frame(id);
        p.detected = new DetectedRegions(List.of(new RegionCandidate(0, 0, 4, 2, 0.9, "mtd")), 0.5,
                List.of(new RegionCandidate(1, 1, 2, 2, 0.4, "crack")));
        p.stageMs.put("detector", 20.0);
        return FramePart.output("detector", p);
    }

    private static FramePart features(String id) {
        FrameInProgress p = frame(id);
        p.featureGrid = new SaliencyGrid(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 2, 2);
        p.stageMs.put("saliency", 10.0);
        return FramePart.output("features", p);
    }

    private static FramePart failed(FramePart part, String stage) {
        part.frame.failure = new StageFailure(stage, RejectReason.MODEL_FAILED, new IOException("model exploded"));
        return part;
    }

    @Test
    void aFrameLeavesOnceWithEveryBranchesOutputWhateverTheOrder() throws Exception {
        FrameJoinFunction join = join();
        try (var h = harness(join)) {
            h.open();
            h.processElement(detector("f-1"), 0);
            h.processElement(features("f-1"), 0);
            assertThat(h.extractOutputValues()).as("two of three parts: not yet").isEmpty();
            h.processElement(encoder("f-1"), 0);
            h.processElement(encoder("f-2"), 0);
            h.processElement(features("f-2"), 0);
            h.processElement(detector("f-2"), 0);

            List<FrameInProgress> out = h.extractOutputValues();
            assertThat(out).extracting(p -> p.frame.frameId).containsExactly("f-1", "f-2");
            assertThat(out).allSatisfy(p -> {
                assertThat(p.failed()).isFalse();
                assertThat(p.frame.image).as("the carrier's frame, with its pixels").isNotNull();
                assertThat(p.frame.source.value).as("and the record's bytes").isNotNull();
                assertThat(p.detected.candidates).extracting(c -> c.label).containsExactly("crack");
                assertThat(p.detected.objectArea).isEqualTo(0.5);
                assertThat(p.featureGrid.values).containsExactly(0.1f, 0.2f, 0.3f, 0.4f);
                assertThat(p.stageMs).containsEntry("samEncoder", 30.0).containsEntry("detector", 20.0)
                        .containsEntry("saliency", 10.0).containsEntry("decode", 2.0);
            });
            // The deadline timers went with the completed joins: nothing more when time passes.
            h.setProcessingTime(10 * TIMEOUT_MS);
            assertThat(h.extractOutputValues()).hasSize(2);
            assertThat(join.timedOutFrames()).isZero();
        }
    }

    @Test
    void aMissingPartTimesTheFrameOutIntoOneDeadLetter() throws Exception {
        FrameJoinFunction join = join();
        try (var h = harness(join)) {
            h.open();
            h.setProcessingTime(100);
            h.processElement(encoder("f-1"), 0);
            h.processElement(features("f-1"), 0);
            h.setProcessingTime(100 + TIMEOUT_MS - 1);
            assertThat(h.extractOutputValues()).isEmpty();
            h.setProcessingTime(100 + TIMEOUT_MS);

            List<FrameInProgress> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            FrameInProgress p = out.get(0);
            assertThat(p.failure.stage).isEqualTo("join");
            assertThat(p.failure.reason).isEqualTo(RejectReason.TIMEOUT);
            assertThat(p.failure.message).contains("no part from detector").doesNotContain("features");
            DeadLetter letter = DeadLetters.of(p.frame.source, p.failure.stage, p.failure.reason,
                    p.failure.errorClass, p.failure.message, p.frame.cameraId, p.frame.frameId, 0L, 1 << 20);
            assertThat(letter.getPayloadSize()).as("the carrier came: the record's bytes are kept")
                    .isEqualTo(p.frame.source.value.length).isPositive();
            assertThat(join.timedOutFrames()).isEqualTo(1);
        }
    }

    @Test
    void withoutTheCarrierTheTimedOutFramesDeadLetterKeepsItsCoordinates() throws Exception {
        try (var h = harness(join())) {
            h.open();
            h.processElement(detector("f-1"), 0);
            h.setProcessingTime(TIMEOUT_MS);

            FrameInProgress p = h.extractOutputValues().get(0);
            assertThat(p.failure.reason).isEqualTo(RejectReason.TIMEOUT);
            assertThat(p.failure.message).contains("samEncoder, features").contains("only its coordinates");
            assertThat(p.frame.image).as("the image never travelled with the detector's part").isNull();
            assertThat(p.frame.source.value).isNull();
            assertThat(p.frame.source.offset).isEqualTo(99L);
            assertThat(p.frame.cameraId).isEqualTo("cam-1");
        }
    }

    @Test
    void latePartsAreDroppedAndCountedAndNeverMakeASecondFrame() throws Exception {
        FrameJoinFunction join = join();
        try (var h = harness(join)) {
            h.open();
            // f-1 completes, then a duplicate detector part comes.
            h.processElement(encoder("f-1"), 0);
            h.processElement(detector("f-1"), 0);
            h.processElement(features("f-1"), 0);
            h.processElement(detector("f-1"), 0);
            // f-2 times out without its features part, which then comes late.
            h.processElement(encoder("f-2"), 0);
            h.processElement(detector("f-2"), 0);
            h.setProcessingTime(TIMEOUT_MS);
            h.processElement(features("f-2"), 0);

            List<FrameInProgress> out = h.extractOutputValues();
            assertThat(out).extracting(p -> p.frame.frameId).containsExactly("f-1", "f-2");
            assertThat(out.get(0).failed()).isFalse();
            assertThat(out.get(1).failure.reason).isEqualTo(RejectReason.TIMEOUT);
            assertThat(join.latePartsDropped()).isEqualTo(2);
            // Until the tombstones go, further late parts are still dropped rather than opening a new join.
            h.setProcessingTime(TIMEOUT_MS + TIMEOUT_MS / 2);
            h.processElement(encoder("f-2"), 0);
            h.setProcessingTime(10 * TIMEOUT_MS);
            assertThat(h.extractOutputValues()).hasSize(2);
            assertThat(join.latePartsDropped()).isEqualTo(3);
        }
    }

    @Test
    void aFailingBranchGivesOneDeadLetterAndNoEvent() throws Exception {
        FrameJoinFunction join = join();
        try (var h = harness(join)) {
            h.open();
            // The detector fails before the carrier comes: the frame waits for the carrier so the dead letter keeps
            // the record's bytes, then leaves once, as the detector's failure.
            h.processElement(failed(detector("f-1"), "detector"), 0);
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement(encoder("f-1"), 0);
            h.processElement(features("f-1"), 0);
            // Both the carrier and another branch fail on f-2: still one failed frame, the first failure.
            h.processElement(failed(encoder("f-2"), "samEncoder"), 0);
            h.processElement(failed(features("f-2"), "features"), 0);
            h.processElement(detector("f-2"), 0);
            h.setProcessingTime(10 * TIMEOUT_MS);

            List<FrameInProgress> out = h.extractOutputValues();
            assertThat(out).extracting(p -> p.frame.frameId).containsExactly("f-1", "f-2");
            assertThat(out).allSatisfy(p -> assertThat(p.failed()).isTrue());
            assertThat(out.get(0).failure.stage).isEqualTo("detector");
            assertThat(out.get(0).failure.reason).isEqualTo(RejectReason.MODEL_FAILED);
            assertThat(out.get(0).frame.source.value).as("the carrier's record").isNotNull();
            assertThat(out.get(1).failure.stage).isEqualTo("samEncoder");
            assertThat(join.timedOutFrames()).isZero();
        }
    }

    @Test
    void aBranchFailureWithoutTheCarrierLeavesAtTheTimeoutAsThatFailure() throws Exception {
        try (var h = harness(join())) {
            h.open();
            h.processElement(failed(features("f-1"), "features"), 0);
            h.setProcessingTime(TIMEOUT_MS);
            List<FrameInProgress> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).failure.stage).isEqualTo("features");
            assertThat(out.get(0).failure.reason).isEqualTo(RejectReason.MODEL_FAILED);
        }
    }

    @Test
    void aCheckpointTakenHalfwayThroughAJoinRestoresIntoOneCompleteFrame() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(join())) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(encoder("f-1"), 0);
            h.processElement(detector("f-1"), 0);
            h.processElement(encoder("f-2"), 0);
            snapshot = h.snapshot(1L, 1L);
            // What happens after the checkpoint is lost with the failure.
            h.processElement(features("f-1"), 0);
            assertThat(h.extractOutputValues()).hasSize(1);
        }
        FrameJoinFunction restored = join();
        try (var h = harness(restored)) {
            h.setup();
            h.initializeState(snapshot);
            h.open();
            h.setProcessingTime(0);
            // The sources replay from the checkpoint: f-1's missing part, then f-2's.
            h.processElement(features("f-1"), 0);
            h.processElement(detector("f-2"), 0);
            h.processElement(features("f-2"), 0);
            h.setProcessingTime(10 * TIMEOUT_MS);

            List<FrameInProgress> out = h.extractOutputValues();
            assertThat(out).extracting(p -> p.frame.frameId).containsExactly("f-1", "f-2");
            assertThat(out).allSatisfy(p -> {
                assertThat(p.failed()).as("failure: %s", p.failure).isFalse();
                assertThat(p.frame.image).as("the carrier's frame came back from the checkpoint").isNotNull();
                assertThat(p.detected).isNotNull();
                assertThat(p.featureGrid).isNotNull();
            });
            assertThat(restored.timedOutFrames()).isZero();
        }
    }

    @Test
    void aRestoredIncompleteFrameStillTimesOutOnce() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(join())) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(encoder("f-1"), 0);
            snapshot = h.snapshot(1L, 1L);
        }
        try (var h = harness(join())) {
            h.setup();
            h.initializeState(snapshot);
            h.open();
            h.setProcessingTime(TIMEOUT_MS);
            h.setProcessingTime(10 * TIMEOUT_MS);
            List<FrameInProgress> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).failure.stage).isEqualTo("join");
        }
    }

    @Test
    void theStateGoesBackToZeroOnceTheTombstonesExpire() throws Exception {
        try (var h = harness(join())) {
            h.open();
            h.setProcessingTime(0);
            for (int i = 0; i < 20; i++) {
                h.processElement(encoder("f-" + i), 0);
                if (i % 2 == 0) {
                    h.processElement(detector("f-" + i), 0);
                    h.processElement(features("f-" + i), 0);
                }
            }
            assertThat(h.numKeyedStateEntries()).isEqualTo(20);
            h.setProcessingTime(TIMEOUT_MS);
            assertThat(h.extractOutputValues()).hasSize(20);
            h.setProcessingTime(2 * TIMEOUT_MS);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }

    /** Parts cross the keyBy into the join and the join's state is checkpointed: both as Flink POJOs, whole. */
    @Test
    void partsAndTheJoinStateAreFlinkPojosThatComeBackWhole() throws Exception {
        for (Class<?> c : List.of(FramePart.class, FrameJoinFunction.Pending.class, DetectedRegions.class,
                SaliencyGrid.class)) {
            assertThat(TypeInformation.of(c)).as(c.getSimpleName()).isInstanceOf(PojoTypeInfo.class);
        }
        FramePart part = detector("f-1");
        TypeSerializer<FramePart> serializer = TypeInformation.of(FramePart.class)
                .createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(1024);
        serializer.serialize(part, out);
        FramePart back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back.branch).isEqualTo("detector");
        assertThat(back.frame.detected.candidates).extracting(c -> c.label).containsExactly("crack");
        assertThat(back.frame.detected.objectBoxes).extracting(c -> c.x2).containsExactly(4);
        assertThat(FramePart.key(back)).isEqualTo(FramePart.key(part));
        assertThat(back.frame.frame.image).isNull();
        assertThat(out.length()).as("the detector's part leaves the pixels and the record's bytes behind")
                .isLessThan(4096);
    }

    @Test
    void framesThatReuseAnIdButCameFromOtherRecordsJoinApart() {
        FramePart a = encoder("f-1");
        FramePart b = encoder("f-1");
        b.frame.frame.source.offset = 100L;
        assertThat(FramePart.key(a)).isNotEqualTo(FramePart.key(b));
        assertThat(FramePart.key(a)).isEqualTo(FramePart.key(detector("f-1")));
    }
}
