package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.kafka.KafkaTopics;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Map;

/**
 * Whether and how a publishing command creates its topic ({@code ingest}, {@code camera}); add it with
 * {@code @Mixin TopicCreationOptions topicCreation;}. A topic created here gets the project's 16 MB message limit
 * ({@link KafkaTopics#MAX_MESSAGE_BYTES}); an existing topic is left as it is.
 */
public final class TopicCreationOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--create-topic", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Create the topic (16 MB max.message.bytes) when it does not exist (default: true).")
    boolean createTopic;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "1",
            description = "Partitions of a topic this command creates (default: ${DEFAULT-VALUE}).")
    int partitions;

    /** Usage error for a partition count the broker would refuse. */
    void validate() {
        if (partitions < 1) {
            throw new ParameterException(mixee.commandLine(), "--partitions must be 1 or more, got " + partitions);
        }
    }

    /** Creates {@code topic} unless told not to or it exists; says so on {@code err} when it did. */
    void ensure(String bootstrapServers, String topic, Map<String, String> clientProperties, PrintWriter err) {
        if (createTopic && KafkaTopics.createIfMissing(bootstrapServers, topic, partitions, (short) -1,
                clientProperties)) {
            err.println("created topic '" + topic + "' with " + partitions + " partition(s)");
        }
    }
}
