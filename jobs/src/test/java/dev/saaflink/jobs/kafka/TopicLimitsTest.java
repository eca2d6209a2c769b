package dev.saaflink.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saaflink.jobs.cli.SaaCli;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.decode.DeadLetters;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.flink.AvroValueSerializer;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.DeadLetter;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Issue 13: the start check of the output topics' message limits, against a real in-process broker whose topics were
 * created with other limits than the project's 16 MB (as operations may create them: the broker's 1 MB default).
 */
class TopicLimitsTest {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
        kafka.createTopic("events-16m", 1);
        kafka.createTopic("events-500k", 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "500000"));
        kafka.createTopic("dead-letters-1m", 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "1048588"));
        kafka.createTopic("dead-letters-100k", 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "100000"));
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    private static PipelineSettings settings(int payloadMaxBytes) {
        PipelineSettings s = new PipelineSettings(InspectionConfigLoader.loadDefault());
        s.deadLetterPayloadMaxBytes = payloadMaxBytes;
        return s.validate();
    }

    private static List<String> check(PipelineSettings s, String events, String deadLetters, String configErrors) {
        return TopicLimits.check(kafka.bootstrapServers(), Map.of(),
                TopicLimits.requirements(s, events, deadLetters, configErrors));
    }

    @Test
    void theDefaultsFitTopicsWithTheBrokersOneMegabyteDefault() {
        assertThat(check(settings(DeadLetters.DEFAULT_PAYLOAD_MAX_BYTES), "events-16m", "dead-letters-1m", null))
                .as("no warnings").isEmpty();
        assertThat(TopicLimits.maxDeadLetterBytes(DeadLetters.DEFAULT_PAYLOAD_MAX_BYTES))
                .as("256 KiB of payload plus the capped rest").isBetween(262_144L + 20_000, 262_144L + 40_000);
    }

    @Test
    void refusesADeadLetterTopicBelowTheTrimmedDeadLetter() {
        assertThatThrownBy(() -> check(settings(DeadLetters.DEFAULT_PAYLOAD_MAX_BYTES), "events-16m",
                "dead-letters-100k", null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dead-letter topic 'dead-letters-100k' accepts records up to 100000 bytes "
                        + "(its max.message.bytes)")
                .hasMessageContaining("a dead letter can take up to "
                        + TopicLimits.maxDeadLetterBytes(DeadLetters.DEFAULT_PAYLOAD_MAX_BYTES) + " bytes")
                .hasMessageContaining("max.message.bytes to at least")
                .hasMessageContaining("or lower --dead-letter-payload-max-bytes")
                .hasMessageNotContaining("events topic");
        // The same topic holds dead letters of at most 50 000 payload bytes.
        assertThat(check(settings(50_000), "events-16m", "dead-letters-100k", null)).isEmpty();
        // The config-errors topic is held to the same bound.
        assertThatThrownBy(() -> check(settings(DeadLetters.DEFAULT_PAYLOAD_MAX_BYTES), "events-16m",
                "dead-letters-1m", "dead-letters-100k"))
                .hasMessageContaining("config-errors topic 'dead-letters-100k' accepts records up to 100000 bytes");
    }

    @Test
    void refusesAnEventsTopicBelowTheLargestEvent() {
        PipelineSettings s = settings(DeadLetters.DEFAULT_PAYLOAD_MAX_BYTES);
        assertThatThrownBy(() -> check(s, "events-500k", "dead-letters-1m", null))
                .hasMessageContaining("events topic 'events-500k' accepts records up to 500000 bytes")
                .hasMessageContaining("an event can take up to " + TopicLimits.maxEventBytes(s) + " bytes")
                .hasMessageContaining("anomaly map 256x256 at 8 bits");
        // A 4096 x 4096 map at 16 bits is 32 MiB: more than any producer here may send.
        PipelineSettings huge = settings(DeadLetters.DEFAULT_PAYLOAD_MAX_BYTES);
        huge.anomalyMapSize = 4096;
        huge.anomalyMapBits = 16;
        assertThatThrownBy(() -> check(huge, "events-16m", "dead-letters-1m", null))
                .hasMessageContaining("more than the producers' max.request.size of 16777216 bytes");
    }

    @Test
    void aTopicThatDoesNotExistYetIsHeldToTheBrokersLimit() {
        // The embedded broker's message.max.bytes is 16 MiB: the largest dead letter fits.
        assertThat(check(settings(PipelineSettings.MAX_DEAD_LETTER_PAYLOAD_BYTES), "events-16m", "not-created-yet",
                null)).isEmpty();
        List<TopicLimits.Requirement> needs = List.of(new TopicLimits.Requirement("not-created-yet", "dead-letter",
                20_000_000L, "needs 20000000", "or less"));
        // 20 MB is above the producer's 16 MiB as well as the broker's; the producer is named first.
        assertThatThrownBy(() -> TopicLimits.check(kafka.bootstrapServers(), Map.of(), needs))
                .hasMessageContaining("max.request.size");
    }

    /** The bound is a bound: the worst case the caps allow, serialized as the sink does, fits it. */
    @Test
    void theDeadLetterBoundHoldsForTheWorstCase() {
        byte[] value = new byte[3 * 1024 * 1024];
        String huge = "\u20ac".repeat(1_000_000);
        DeadLetter d = DeadLetters.of(new RawRecord("frames", 1, 2L, 0L, new byte[1_000_000], value), huge,
                null, huge, huge, huge, huge, 3L, DeadLetters.DEFAULT_PAYLOAD_MAX_BYTES);
        int bytes = new AvroValueSerializer<>(DeadLetter.class).serialize(d).length + d.getKey().remaining();
        assertThat((long) bytes).isLessThanOrEqualTo(TopicLimits.maxDeadLetterBytes(DeadLetters.DEFAULT_PAYLOAD_MAX_BYTES));
    }

    /** {@code saa inspect} (and the cluster entry point, which runs the same command) refuses to start. */
    @Test
    void inspectRefusesToStartWithAClearMessage() {
        StringWriter err = new StringWriter();
        CommandLine cli = SaaCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("inspect", "--bootstrap-servers", kafka.bootstrapServers(), "--frames-topic", "frames",
                "--events-topic", "events-16m", "--dead-letter-topic", "dead-letters-100k", "--bounded");
        assertThat(code).as(err.toString()).isEqualTo(1);
        assertThat(err.toString()).contains("saa inspect: error: the job would not get past a record too large for "
                + "its topic; not starting: dead-letter topic 'dead-letters-100k' accepts records up to 100000 bytes");
    }
}
