package dev.saaflink.operators.flink;

import dev.saaflink.schemas.AvroBytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.decode.DeadLetters;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.pipeline.StageFailure;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.operators.saa.SegmentedRegion;
import dev.saaflink.schemas.DeadLetter;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** The split after the model stages: failures to the dead-letter side output, the rest on as FrameRegions. */
class SplitFailuresFunctionTest {

    private static final byte[] PAYLOAD = {(byte) 0xC3, 0x01, 9, 8, 7, 6, 5};

    static FrameInProgress frame(String cameraId, String frameId) {
        DecodedFrame f = new DecodedFrame();
        f.cameraId = cameraId;
        f.frameId = frameId;
        f.category = "mtd";
        f.captureTimeMillis = 123L;
        f.image = new RgbImage(5, 3, new byte[5 * 3 * 3]);
        f.source = new RawRecord("frames", 1, 99L, 456L, cameraId.getBytes(), PAYLOAD);
        FrameInProgress p = new FrameInProgress(f, InspectionConfigLoader.loadDefault().resolve("mtd"), 789L);
        p.stageMs.put("decode", 2.0);
        p.regions = List.of(new SegmentedRegion(new RegionCandidate(0, 0, 1, 1, 0.3, "x"), 1, 0.1, new int[] {0, 1, 14}));
        return p;
    }

    private static List<DeadLetter> deadLetters(OneInputStreamOperatorTestHarness<?, ?> harness) {
        List<DeadLetter> out = new ArrayList<>();
        if (harness.getSideOutput(DeadLetterOutput.TAG) != null) {
            for (StreamRecord<DeadLetter> r : harness.getSideOutput(DeadLetterOutput.TAG)) {
                out.add(r.getValue());
            }
        }
        return out;
    }


    @Test
    void aGoodFrameContinuesAsFrameRegions() throws Exception {
        FrameInProgress p = frame("cam-2", "f-1");
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameRegions> harness =
                     ProcessFunctionTestHarnesses.forProcessFunction(new SplitFailuresFunction())) {
            harness.processElement(p, 10L);

            assertThat(deadLetters(harness)).isEmpty();
            List<FrameRegions> out = harness.extractOutputValues();
            assertThat(out).hasSize(1);
            FrameRegions r = out.get(0);
            assertThat(r.cameraId).isEqualTo("cam-2");
            assertThat(r.frameId).isEqualTo("f-1");
            assertThat(r.category).isEqualTo("mtd");
            assertThat(r.configCategory).isEqualTo("mtd");
            assertThat(r.captureTimeMillis).isEqualTo(123L);
            assertThat(r.arrivalMillis).isEqualTo(789L);
            assertThat(r.width).isEqualTo(5);
            assertThat(r.height).isEqualTo(3);
            // The harness copies outputs through the serializer, so compare contents, not identity.
            assertThat(r.regions).singleElement().satisfies(region -> {
                assertThat(region.box.label).isEqualTo("x");
                assertThat(region.areaPixels).isEqualTo(1);
                assertThat(region.rleCounts).containsExactly(0, 1, 14);
            });
            assertThat(r.stageMs).containsExactlyEntriesOf(p.stageMs);
            // What a dead letter of fusion needs, without the value itself.
            assertThat(r.source.topic).isEqualTo("frames");
            assertThat(r.source.partition).isEqualTo(1);
            assertThat(r.source.offset).isEqualTo(99L);
            assertThat(r.source.key).isEqualTo("cam-2".getBytes());
            assertThat(r.source.payloadSize).isEqualTo(PAYLOAD.length);
            assertThat(r.source.payloadSha256).isEqualTo(DeadLetters.sha256(PAYLOAD));
        }
    }

    /** Issue 13: a model stage's dead letter keeps at most the configured bytes of the value. */
    @Test
    void aFailedFramesDeadLetterKeepsAtMostTheConfiguredPayload() throws Exception {
        FrameInProgress p = frame("cam-2", "f-5");
        p.failure = new StageFailure("samEncoder", RejectReason.MODEL_FAILED, new IllegalStateException("boom"));
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameRegions> harness =
                     ProcessFunctionTestHarnesses.forProcessFunction(new SplitFailuresFunction(3))) {
            harness.processElement(p, 10L);
            DeadLetter d = deadLetters(harness).get(0);
            assertThat(AvroBytes.toArray(d.getPayload())).containsExactly(0xC3, 0x01, 9);
            assertThat(d.getPayloadSize()).isEqualTo(PAYLOAD.length);
            assertThat(d.getPayloadTruncated()).isTrue();
            assertThat(d.getPayloadSha256()).isEqualTo(DeadLetters.sha256(PAYLOAD));
        }
    }

    @Test
    void aFailedFrameBecomesADeadLetter() throws Exception {
        FrameInProgress p = frame("cam-2", "f-2");
        p.failure = new StageFailure("segmentation", RejectReason.MODEL_FAILED, new IllegalStateException("boom"));
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameRegions> harness =
                     ProcessFunctionTestHarnesses.forProcessFunction(new SplitFailuresFunction())) {
            long before = System.currentTimeMillis();
            harness.processElement(p, 10L);

            assertThat(harness.extractOutputValues()).isEmpty();
            List<DeadLetter> letters = deadLetters(harness);
            assertThat(letters).hasSize(1);
            DeadLetter d = letters.get(0);
            assertThat(d.getStage()).isEqualTo("segmentation");
            assertThat(d.getReason()).isEqualTo("MODEL_FAILED");
            assertThat(d.getErrorClass()).isEqualTo("java.lang.IllegalStateException");
            assertThat(d.getMessage()).isEqualTo("boom");
            assertThat(d.getCameraId()).isEqualTo("cam-2");
            assertThat(d.getFrameId()).isEqualTo("f-2");
            assertThat(d.getSourceTopic()).isEqualTo("frames");
            assertThat(d.getPartition()).isEqualTo(1);
            assertThat(d.getOffset()).isEqualTo(99L);
            assertThat(AvroBytes.toArray(d.getKey())).isEqualTo("cam-2".getBytes());
            assertThat(AvroBytes.toArray(d.getPayload())).isEqualTo(PAYLOAD);
            assertThat(d.getTimeMillis()).isBetween(before, System.currentTimeMillis());
        }
    }

    @Test
    void aTimeoutKeepsItsReason() throws Exception {
        FrameInProgress p = frame("cam-4", "f-3");
        p.failure = new StageFailure("samEncoder", RejectReason.TIMEOUT, "java.util.concurrent.TimeoutException",
                "samEncoder did not finish within 5 ms");
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameRegions> harness =
                     ProcessFunctionTestHarnesses.forProcessFunction(new SplitFailuresFunction())) {
            harness.processElement(p, 10L);
            harness.processElement(frame("cam-4", "f-4"), 11L);

            assertThat(deadLetters(harness)).singleElement().satisfies(d -> {
                assertThat(d.getStage()).isEqualTo("samEncoder");
                assertThat(d.getReason()).isEqualTo("TIMEOUT");
                assertThat(d.getErrorClass()).isEqualTo("java.util.concurrent.TimeoutException");
                assertThat(d.getMessage()).isEqualTo("samEncoder did not finish within 5 ms");
            });
            assertThat(harness.extractOutputValues()).extracting(r -> r.frameId).containsExactly("f-4");
        }
    }
}
