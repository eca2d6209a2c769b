package dev.saaflink.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class KafkaClientSettingsTest {

    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"u\" password=\"pw-123\";";

    @Test
    void environmentVariablesNameClientProperties() {
        Map<String, String> env = Map.of(
                "SAA_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "SAA_KAFKA_SASL_JAAS_CONFIG", JAAS,
                "SAA_KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka/truststore.jks",
                "SAA_KAFKA_", "ignored: no name",
                "SAA_FLINK_REST", "not a Kafka setting",
                "PATH", "/usr/bin");
        assertThat(KafkaClientSettings.fromEnvironment(env)).containsExactly(
                Map.entry("sasl.jaas.config", JAAS),
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("ssl.truststore.location", "/etc/kafka/truststore.jks"));
        assertThat(KafkaClientSettings.environmentVariable("sasl.jaas.config")).isEqualTo("SAA_KAFKA_SASL_JAAS_CONFIG");
        assertThat(KafkaClientSettings.propertyName("SAA_KAFKA_SASL_MECHANISM")).isEqualTo("sasl.mechanism");
    }

    @Test
    void theCommandLineOverridesTheFileWhichOverridesTheEnvironment() {
        Map<String, String> merged = KafkaClientSettings.merge(
                Map.of("security.protocol", "env", "sasl.mechanism", "env", "client.id", "env"),
                Map.of("security.protocol", "file", "sasl.mechanism", "file"),
                Map.of("security.protocol", "cli"));
        assertThat(merged).containsEntry("security.protocol", "cli").containsEntry("sasl.mechanism", "file")
                .containsEntry("client.id", "env");
    }

    @Test
    void secretValuesAreMasked() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sasl.jaas.config", JAAS);
        p.put("ssl.keystore.password", "pw-123");
        p.put("ssl.key.password", "pw-123");
        p.put("ssl.truststore.password", "pw-123");
        p.put("sasl.oauthbearer.token.endpoint.url", "https://idp/token");
        p.put("basic.auth.user.info.credentials", "u:pw-123");
        p.put("client.secret", "pw-123");
        p.put("ssl.keystore.key", "-----BEGIN PRIVATE KEY-----pw-123");
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", "PLAIN");
        p.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        p.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");

        Map<String, String> redacted = KafkaClientSettings.redact(p);
        assertThat(redacted.toString()).doesNotContain("pw-123");
        assertThat(redacted).containsEntry("sasl.jaas.config", KafkaClientSettings.MASK)
                .containsEntry("ssl.key.password", KafkaClientSettings.MASK)
                .containsEntry("basic.auth.user.info.credentials", KafkaClientSettings.MASK)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer")
                .containsEntry("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        assertThat(KafkaClientSettings.describe(Map.of("sasl.jaas.config", JAAS, "acks", "all")))
                .isEqualTo("acks=all, sasl.jaas.config=[redacted]");
    }

    @Test
    void secretKafkaPropertiesAreMaskedInACommandLine() {
        String[] shown = KafkaClientSettings.redactArguments("inspect", "--kafka-property", "sasl.jaas.config=" + JAAS,
                "--kafka-property=ssl.key.password=pw-123", "--kafka-property", "security.protocol=SASL_SSL",
                "--frames-topic", "f");
        assertThat(String.join(" ", shown)).doesNotContain("pw-123")
                .contains("--kafka-property sasl.jaas.config=[redacted]")
                .contains("--kafka-property=ssl.key.password=[redacted]")
                .contains("security.protocol=SASL_SSL").contains("--frames-topic f");
    }
}
