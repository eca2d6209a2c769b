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

import picocli.CommandLine.Option;

/**
 * The Kafka connection options shared by the commands that talk to an external cluster; add it to a command
 * with {@code @Mixin KafkaOptions kafka;}. Client settings (security, timeouts) come from a properties file
 * and/or repeated {@code --kafka-property}, the latter winning.
 */
public final class KafkaOptions {

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Properties file with extra Kafka client settings (e.g. security.protocol, sasl.*).")
    Path configFile;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka client setting; repeatable, overrides --kafka-config.")
    Map<String, String> properties = new LinkedHashMap<>();

    public String bootstrapServers() {
        return bootstrapServers;
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
