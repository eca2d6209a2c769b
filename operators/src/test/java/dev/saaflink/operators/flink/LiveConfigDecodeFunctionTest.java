package dev.saaflink.operators.flink;

import static dev.saaflink.operators.flink.DecodeFrameFunctionTest.encode;
import static dev.saaflink.operators.flink.DecodeFrameFunctionTest.png;
import static dev.saaflink.operators.flink.DecodeFrameFunctionTest.twoColours;
import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.DeadLetter;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The decode operator with the live config input: frames take the live config of their category (and its version)
 * when there is one and the file config otherwise; a bad config record leaves the config in force and gives one dead
 * letter, from subtask 0 only; a tombstone goes back to the file; the accepted configs survive a restore.
 */
class LiveConfigDecodeFunctionTest {

    private static final String MTD_V2 = """
            version: x-v2
            objectPrompt: mtd
            topK: 2
            areaRatio: 0.5
            anomalyThreshold: 0.4
            """;

    private final List<BroadcastOperatorTestHarness<RawRecord, RawRecord, FrameInProgress>> harnesses = new ArrayList<>();
    private long offset;

    private BroadcastOperatorTestHarness<RawRecord, RawRecord, FrameInProgress> harness(int parallelism, int subtask,
                                                                                       OperatorSubtaskState restore)
            throws Exception {
        PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault());
        BroadcastOperatorTestHarness<RawRecord, RawRecord, FrameInProgress> h = new BroadcastOperatorTestHarness<>(
                new CoBroadcastWithNonKeyedOperator<>(new LiveConfigDecodeFunction(settings),
                        List.of(LiveConfigDecodeFunction.CONFIG_STATE)), parallelism, parallelism, subtask);
        h.setup();
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        harnesses.add(h);
        return h;
    }

    @AfterEach
    void close() throws Exception {
        for (var h : harnesses) {
            h.close();
        }
    }

    private RawRecord config(String category, String yaml) {
        return new RawRecord("configs", 0, offset++, 1L, category == null ? null : category.getBytes(StandardCharsets.UTF_8),
                yaml == null ? null : yaml.getBytes(StandardCharsets.UTF_8));
    }

    private static RawRecord frame(String category) throws IOException {
        return DecodeFrameFunctionTest.record(encode(category, png(twoColours())));
    }

    /** The frames emitted since the last call. */
    private static List<FrameInProgress> drain(BroadcastOperatorTestHarness<RawRecord, RawRecord, FrameInProgress> h) {
        List<FrameInProgress> out = h.extractOutputValues();
        h.getOutput().clear();
        return out;
    }

    private static List<DeadLetter> side(BroadcastOperatorTestHarness<?, ?, ?> h, OutputTag<DeadLetter> tag) {
        List<DeadLetter> out = new ArrayList<>();
        if (h.getSideOutput(tag) != null) {
            for (StreamRecord<DeadLetter> r : h.getSideOutput(tag)) {
                out.add(r.getValue());
            }
        }
        return out;
    }

    @Test
    void framesUseTheLiveConfigOfTheirCategoryUntilItIsRemoved() throws Exception {
        var h = harness(1, 0, null);

        h.processElement(frame("mtd"), 1L);
        FrameInProgress before = drain(h).get(0);
        assertThat(before.config.getTopK()).isEqualTo(5);
        assertThat(before.configVersion).isEqualTo("1");

        h.processBroadcastElement(config("mtd", MTD_V2), 2L);
        h.processElement(frame("mtd"), 3L);
        h.processElement(frame("ksdd2"), 4L);
        List<FrameInProgress> after = drain(h);
        assertThat(after.get(0).config.getTopK()).isEqualTo(2);
        assertThat(after.get(0).config.getAreaRatio()).isEqualTo(0.5);
        assertThat(after.get(0).configVersion).isEqualTo("x-v2");
        assertThat(after.get(0).configCategory).isEqualTo("mtd");
        assertThat(after.get(0).knownCategory).isTrue();
        assertThat(after.get(1).configVersion).as("other categories keep the file config").isEqualTo("1");

        h.processBroadcastElement(config("mtd", null), 5L); // tombstone
        h.processElement(frame("mtd"), 6L);
        FrameInProgress restored = drain(h).get(0);
        assertThat(restored.config.getTopK()).isEqualTo(5);
        assertThat(restored.configVersion).isEqualTo("1");

        assertThat(side(h, DeadLetterOutput.CONFIG_ERRORS)).isEmpty();
        assertThat(side(h, DeadLetterOutput.TAG)).isEmpty();
    }

    @Test
    void aBadRecordLeavesTheConfigInForceAndBecomesOneConfigDeadLetter() throws Exception {
        var h = harness(1, 0, null);
        h.processBroadcastElement(config("mtd", MTD_V2), 1L);
        RawRecord bad = config("mtd", MTD_V2.replace("version: x-v2", "version: x-v3").replace("topK: 2", "topK: 0"));
        h.processBroadcastElement(bad, 2L);
        h.processElement(frame("mtd"), 3L);

        FrameInProgress p = drain(h).get(0);
        assertThat(p.configVersion).as("the old live config stays").isEqualTo("x-v2");
        assertThat(p.config.getTopK()).isEqualTo(2);

        List<DeadLetter> errors = side(h, DeadLetterOutput.CONFIG_ERRORS);
        assertThat(errors).singleElement().satisfies(d -> {
            assertThat(d.getStage()).isEqualTo("config");
            assertThat(d.getReason()).isEqualTo("CONFIG_INVALID");
            assertThat(d.getMessage()).isEqualTo("categories.mtd.topK: must be >= 1, got 0");
            assertThat(d.getErrorClass()).endsWith("InvalidConfigException");
            assertThat(d.getSourceTopic()).isEqualTo("configs");
            assertThat(d.getOffset()).isEqualTo(bad.offset);
            assertThat(StandardCharsets.UTF_8.decode(d.getKey()).toString()).isEqualTo("mtd");
            assertThat(StandardCharsets.UTF_8.decode(d.getPayload()).toString()).contains("topK: 0");
            assertThat(d.getCameraId()).isNull();
        });
        assertThat(side(h, DeadLetterOutput.TAG)).as("frames' dead letters are a separate output").isEmpty();
    }

    @Test
    void keyAndValueProblemsAreRejectedToo() throws Exception {
        var h = harness(1, 0, null);
        h.processBroadcastElement(config(null, MTD_V2), 1L);
        h.processBroadcastElement(config("", MTD_V2), 2L);
        h.processBroadcastElement(config("", null), 3L);
        h.processBroadcastElement(config("mtd", ""), 4L);
        h.processBroadcastElement(config("mtd", "objectPrompt: [unclosed"), 5L);
        h.processBroadcastElement(new RawRecord("configs", 0, 6L, 1L, "mtd".getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xC3, 0x28}), 6L);
        h.processBroadcastElement(config("mtd", MTD_V2.replace("version: x-v2\n", "")), 7L);

        assertThat(side(h, DeadLetterOutput.CONFIG_ERRORS)).extracting(DeadLetter::getMessage).satisfiesExactly(
                m -> assertThat(m).startsWith("key: missing"),
                m -> assertThat(m).isEqualTo("key: must be the category name, got an empty key"),
                m -> assertThat(m).isEqualTo("key: must be the category name, got an empty key"),
                m -> assertThat(m).startsWith("categories.mtd: the value is empty"),
                m -> assertThat(m).startsWith("categories.mtd: not valid YAML"),
                m -> assertThat(m).startsWith("value: not valid UTF-8"),
                m -> assertThat(m).isEqualTo("categories.mtd.version: is required"));
        h.processElement(frame("mtd"), 8L);
        assertThat(drain(h).get(0).configVersion).isEqualTo("1");
    }

    @Test
    void unknownCategoriesUseTheLiveDefaultAndNewCategoriesTheirOwn() throws Exception {
        var h = harness(1, 0, null);
        h.processBroadcastElement(config("default", """
                version: d-2
                objectPrompt: object
                topK: 1
                areaRatio: 0.2
                anomalyThreshold: 0.9
                """), 1L);
        h.processBroadcastElement(config("gizmo", """
                version: g-1
                objectPrompt: gizmo
                topK: 4
                areaRatio: 0.6
                anomalyThreshold: 0.5
                """), 2L);
        h.processElement(frame("widget"), 3L);
        h.processElement(frame("gizmo"), 4L);
        List<FrameInProgress> out = drain(h);
        assertThat(out.get(0).configCategory).isEqualTo("default");
        assertThat(out.get(0).knownCategory).isFalse();
        assertThat(out.get(0).configVersion).isEqualTo("d-2");
        assertThat(out.get(0).config.getTopK()).isEqualTo(1);
        assertThat(out.get(1).configCategory).isEqualTo("gizmo");
        assertThat(out.get(1).knownCategory).isTrue();
        assertThat(out.get(1).configVersion).isEqualTo("g-1");
    }

    @Test
    void onlySubtaskZeroEmitsTheConfigDeadLetterButEverySubtaskAppliesTheConfig() throws Exception {
        var first = harness(2, 0, null);
        var second = harness(2, 1, null);
        for (var h : List.of(first, second)) {
            h.processBroadcastElement(config("mtd", MTD_V2.replace("areaRatio: 0.5", "areaRatio: 2")), 1L);
            h.processBroadcastElement(config("ksdd2", MTD_V2.replace("objectPrompt: mtd", "objectPrompt: ksdd2")), 2L);
            h.processElement(frame("ksdd2"), 3L);
            assertThat(drain(h).get(0).configVersion).isEqualTo("x-v2");
        }
        assertThat(side(first, DeadLetterOutput.CONFIG_ERRORS)).extracting(DeadLetter::getMessage)
                .containsExactly("categories.mtd.areaRatio: must be in (0, 1], got 2.0");
        assertThat(side(second, DeadLetterOutput.CONFIG_ERRORS)).isEmpty();
    }

    @Test
    void acceptedConfigsSurviveARestore() throws Exception {
        var h = harness(1, 0, null);
        h.processBroadcastElement(config("mtd", MTD_V2), 1L);
        h.processBroadcastElement(config("ksdd2", MTD_V2.replace("objectPrompt: mtd", "objectPrompt: ksdd2")
                .replace("x-v2", "k-9")), 2L);
        h.processBroadcastElement(config("ksdd2", null), 3L);
        OperatorSubtaskState snapshot = h.snapshot(1L, 10L);

        var restored = harness(1, 0, snapshot);
        restored.processElement(frame("mtd"), 4L);
        restored.processElement(frame("ksdd2"), 5L);
        List<FrameInProgress> out = drain(restored);
        assertThat(out.get(0).configVersion).isEqualTo("x-v2");
        assertThat(out.get(0).config.getTopK()).isEqualTo(2);
        assertThat(out.get(1).configVersion).as("removed before the snapshot").isEqualTo("1");
    }

    @Test
    void badFramesStillBecomeFrameDeadLetters() throws Exception {
        var h = harness(1, 0, null);
        h.processElement(DecodeFrameFunctionTest.record("not a frame".getBytes(StandardCharsets.UTF_8)), 1L);
        assertThat(drain(h)).isEmpty();
        assertThat(side(h, DeadLetterOutput.TAG)).extracting(DeadLetter::getReason).containsExactly("NOT_AVRO");
        assertThat(side(h, DeadLetterOutput.CONFIG_ERRORS)).isEmpty();
    }
}
