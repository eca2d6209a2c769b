package dev.saaflink.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

class KafkaOptionsTest {

    @Test
    void clientSettingsComeFromTheEnvironmentTheFileAndTheCommandLineInThatOrder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n");
        Supplier<Map<String, String>> previous = KafkaOptions.environment;
        KafkaOptions.environment = () -> Map.of(
                "SAA_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "SAA_KAFKA_SASL_JAAS_CONFIG", "from-env",
                "SAA_KAFKA_CLIENT_ID", "env-client");
        try {
            Holder holder = new Holder();
            new CommandLine(holder).parseArgs("--bootstrap-servers", "b:9092", "--kafka-config", file.toString(),
                    "--kafka-property", "sasl.mechanism=PLAIN");
            assertThat(holder.kafka.clientProperties())
                    .containsEntry("sasl.jaas.config", "from-env")
                    .containsEntry("client.id", "env-client")
                    .containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", "PLAIN")
                    .hasSize(4);
        } finally {
            KafkaOptions.environment = previous;
        }
    }

    @CommandLine.Command(name = "holder")
    static final class Holder {
        @CommandLine.Mixin
        KafkaOptions kafka;
    }
}
