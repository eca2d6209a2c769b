package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.kafka.KafkaTopics;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.config.InvalidConfigException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code saa config publish}: puts one category config on the live config topic of a running job
 * ({@code saa inspect --config-topic}), or removes it with a tombstone. The file is validated here first, with the
 * job's own rules, so a typo is caught before it reaches the job (which would reject it to its config-errors topic).
 */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Live category configs of a running inspection job (see 'saa inspect --config-topic').",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = ConfigCommand.Publish.class)
public final class ConfigCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command (publish)");
    }

    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = {"Publish one category's config to the live config topic (key = category, value = the "
                    + "file's text), or a tombstone with --delete (the category goes back to the job's --config "
                    + "file). Creates the topic, compacted, when it does not exist.",
                    "The file is one category block as under 'categories:' in the config file, plus a 'version:' "
                            + "that events computed with it will carry."},
            footer = {"", "Example:",
                    "  saa config publish --bootstrap-servers localhost:9092 --topic inspection-config "
                            + "--category mtd --file mtd-v2.yaml"})
    static final class Publish implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        KafkaOptions kafka;

        @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The live config topic.")
        String topic;

        @Option(names = "--category", required = true, paramLabel = "C", description = "Category name (the key).")
        String category;

        @ArgGroup(multiplicity = "1")
        What what;

        static final class What {
            @Option(names = {"--file", "--value-file"}, paramLabel = "FILE",
                    description = "YAML of the category block, with 'version:'.")
            Path file;

            @Option(names = "--delete", description = "Publish a tombstone: remove the category's live config.")
            boolean delete;
        }

        @Override
        public Integer call() throws Exception {
            kafka.bootstrapServers();
            if (category.isBlank()) {
                throw new ParameterException(spec.commandLine(), "--category must not be empty");
            }
            String yaml = what.delete ? null : readAndValidate();
            Map<String, String> client = kafka.clientProperties();
            ensureTopic(client);

            Map<String, Object> props = new HashMap<>(client);
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            props.put(ProducerConfig.CLIENT_ID_CONFIG, "saa-config-publisher");
            try (KafkaProducer<String, String> producer =
                         new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
                RecordMetadata m = producer.send(new ProducerRecord<>(topic, category, yaml)).get(60, TimeUnit.SECONDS);
                String at = m.topic() + "-" + m.partition() + "@" + m.offset();
                spec.commandLine().getOut().println(yaml == null
                        ? "config: published a tombstone for category '" + category + "' at " + at
                        + "; it goes back to the job's config file"
                        : "config: published category '" + category + "' version "
                        + InspectionConfigLoader.parseLiveCategory(category, yaml).version() + " at " + at);
            }
            return 0;
        }

        private String readAndValidate() {
            String yaml;
            try {
                yaml = Files.readString(what.file, StandardCharsets.UTF_8);
            } catch (CharacterCodingException e) {
                throw new ParameterException(spec.commandLine(), "--file " + what.file + ": not UTF-8 text");
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), "--file " + what.file + ": cannot read: " + e);
            }
            try {
                InspectionConfigLoader.parseLiveCategory(category, yaml);
                return yaml;
            } catch (InvalidConfigException e) {
                throw new ParameterException(spec.commandLine(), "--file " + what.file + ": " + e.getMessage());
            }
        }

        /** Creates the topic compacted (one partition) when missing; warns when an existing one is not compacted. */
        private void ensureTopic(Map<String, String> client) throws Exception {
            Map<String, Object> props = new HashMap<>(client);
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (Admin admin = Admin.create(props)) {
                boolean created = KafkaTopics.createIfMissing(admin, topic, 1, (short) -1,
                        Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                if (created) {
                    spec.commandLine().getErr().println("created topic '" + topic + "' (cleanup.policy=compact)");
                    return;
                }
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                Config config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
                var policy = config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
                if (policy == null || !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
                    spec.commandLine().getErr().println("warning: topic '" + topic + "' is not compacted (cleanup.policy="
                            + (policy == null ? "?" : policy.value()) + "): a job starting from scratch may miss "
                            + "configs that retention deleted");
                }
            }
        }
    }
}
