package dev.saaflink.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.jobs.kafka.KafkaTopics;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

/** {@code saa view}'s refusals: bad options are usage errors, a missing topic a one-line failure. */
class ViewCommandTest {

    @Test
    void refusesBadBounds() {
        StringWriter err = new StringWriter();
        int code = SaaCli.commandLine().setErr(new PrintWriter(err)).execute("view", "--bootstrap-servers",
                "localhost:1", "--events-topic", "e", "--frames-topic", "f", "--max-cameras", "0");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("max cameras must be at least 1");
    }

    @Test
    void refusesAMissingTopicWithoutCreatingIt() {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            KafkaTopics.createIfMissing(kafka.bootstrapServers(), "events", 1, (short) -1, kafka.clientProperties());
            StringWriter err = new StringWriter();
            int code = SaaCli.commandLine().setErr(new PrintWriter(err)).execute("view", "--bootstrap-servers",
                    kafka.bootstrapServers(), "--events-topic", "events", "--frames-topic", "framez", "--port", "0");
            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).contains("topic 'framez' does not exist");
            assertThat(KafkaTopics.createIfMissing(kafka.bootstrapServers(), "framez", 1, (short) -1,
                    kafka.clientProperties())).as("the view did not create the topic").isTrue();
        }
    }
}
