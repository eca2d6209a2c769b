package dev.saaflink.jobs.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;

import dev.saaflink.jobs.kafka.KafkaClientSettings;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The Kafka connection options shared by the commands that talk to an external cluster; add it to a command
 * with {@code @Mixin KafkaOptions kafka;}. Client settings (security, timeouts) come from the environment
 * ({@code SAA_KAFKA_<PROPERTY>}, see {@link KafkaClientSettings}), a properties file and repeated
 * {@code --kafka-property}, each overriding the one before. Their values are never printed: use
 * {@link KafkaClientSettings#describe} to show them.
 *
 * <p>For a job submitted to a cluster ({@code saa submit}, {@link dev.saaflink.jobs.InspectionJobMain}) the job's main
 * runs in the JobManager, so the environment read is the JobManager's, once, when the job graph is built; the values
 * end up in the job graph's source and sink properties (on Kubernetes: JobManager environment from a Secret).
 */
public final class KafkaOptions {

    /** The command this is mixed into, for its usage errors. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    // Not required by picocli: eval takes either a dataset or a topic; the commands that always talk to Kafka
    // get the same usage error from bootstrapServers().
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Properties file with extra Kafka client settings (e.g. security.protocol, sasl.*).")
    Path configFile;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka client setting; repeatable, overrides --kafka-config.")
    Map<String, String> properties = new LinkedHashMap<>();

    /** Where {@code SAA_KAFKA_*} variables are read from: the process environment; tests in this package swap it. */
    static volatile Supplier<Map<String, String>> environment = System::getenv;

    /** The bootstrap servers; a usage error when the option was not given. */
    public String bootstrapServers() {
        if (!given()) {
            throw new ParameterException(mixee.commandLine(), "Missing required option: '--bootstrap-servers'");
        }
        return bootstrapServers;
    }

    /** Whether --bootstrap-servers was given. */
    public boolean given() {
        return bootstrapServers != null && !bootstrapServers.isBlank();
    }

    /**
     * The extra client settings: the environment's ({@code SAA_KAFKA_*}), overridden by the file's, overridden by
     * the command line's.
     */
    public Map<String, String> clientProperties() {
        Map<String, String> file = new LinkedHashMap<>();
        if (configFile != null) {
            Properties loaded = new Properties();
            try (Reader reader = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                loaded.load(reader);
            } catch (IOException e) {
                // the exception's own message names the file only, never its contents
                throw new UncheckedIOException("cannot read Kafka client settings from " + configFile, e);
            }
            loaded.stringPropertyNames().stream().sorted().forEach(k -> file.put(k, loaded.getProperty(k)));
        }
        return KafkaClientSettings.merge(KafkaClientSettings.fromEnvironment(environment.get()), file, properties);
    }
}
