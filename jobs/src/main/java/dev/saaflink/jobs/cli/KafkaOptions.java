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

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The Kafka connection options shared by the commands that talk to an external cluster; add it to a command
 * with {@code @Mixin KafkaOptions kafka;}. Client settings (security, timeouts) come from a properties file
 * and/or repeated {@code --kafka-property}, the latter winning.
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

    /** The extra client settings: the file's first, then the command line's. */
    public Map<String, String> clientProperties() {
        Map<String, String> merged = new LinkedHashMap<>();
        if (configFile != null) {
            Properties file = new Properties();
            try (Reader reader = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                file.load(reader);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read Kafka client settings from " + configFile, e);
            }
            file.stringPropertyNames().stream().sorted().forEach(k -> merged.put(k, file.getProperty(k)));
        }
        merged.putAll(properties);
        return merged;
    }
}
