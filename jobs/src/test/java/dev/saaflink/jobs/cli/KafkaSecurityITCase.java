package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.embedded.TopicTail;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.jobs.kafka.KafkaClientSettings;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.DeadLetter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Kafka security end to end: a broker whose client listener takes SASL_PLAINTEXT (PLAIN) on loopback refuses a
 * client without the right credentials; {@code saa ingest} with credentials from the environment
 * ({@code SAA_KAFKA_*}) publishes frames; {@code saa inspect --bounded} with credentials from {@code --kafka-config}
 * runs the job (frames source, events and dead-letter sinks) against it; and the password appears neither in
 * anything logged (log4j at INFO for every logger, which includes the Kafka clients' config dumps) or printed
 * (stdout, stderr, the command line's writers), nor in any event or dead letter.
 */
class KafkaSecurityITCase {

    private static final String USER = "saa-job";
    private static final String PASSWORD = "s3cr3t-Pa55-for-test";

    private final StringWriter cliErr = new StringWriter();
    private final StringWriter cliOut = new StringWriter();

    @Test
    void theJobAndTheToolsTalkToASaslBrokerWithoutLeakingThePassword(@TempDir Path tmp) throws Exception {
        Path samples = Samples.mtd();
        assumeTrue(samples != null, "samples/mtd not found");
        Capture logs = new Capture();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        Restore restoreLogging = logs.attach();
        System.setOut(new PrintStream(tee(stdout, console), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(tee(stderr, console), true, StandardCharsets.UTF_8));
        try (EmbeddedKafka kafka = EmbeddedKafka.startWithSaslPlain(USER, PASSWORD)) {
            String bootstrap = kafka.bootstrapServers();
            Map<String, String> credentials = kafka.clientProperties();
            kafka.createTopic("frames", 1);
            kafka.createTopic("events", 1);
            kafka.createTopic("dead-letters", 1);

            // (a) the broker enforces authentication
            Map<String, String> wrong = EmbeddedKafka.saslClientProperties(USER, "not-the-password");
            assertThatThrownBy(() -> listTopics(bootstrap, wrong))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
            assertThatThrownBy(() -> listTopics(bootstrap, Map.of()))
                    .as("a PLAINTEXT client gets no answer from a SASL listener").isInstanceOf(Exception.class);
            assertThat(listTopics(bootstrap, credentials)).contains("frames", "events", "dead-letters");

            // (b) ingest, credentials from the environment
            Map<String, String> env = new HashMap<>();
            credentials.forEach((k, v) -> env.put(KafkaClientSettings.environmentVariable(k), v));
            env.put("PATH", "/usr/bin");
            var previous = KafkaOptions.environment;
            KafkaOptions.environment = () -> env;
            try {
                assertThat(cli("ingest", "--bootstrap-servers", bootstrap, "--topic", "frames", "--dataset",
                        samples.toString(), "--category", "mtd", "--limit", "2", "--no-create-topic"))
                        .as(cliErr.toString()).isZero();
            } finally {
                KafkaOptions.environment = previous;
            }
            assertThat(cliOut.toString()).contains("published 2 frames");
            assertThat(cliErr.toString()).contains("sasl.jaas.config=" + KafkaClientSettings.MASK);
            // one record that is not a frame, for a dead letter
            Map<String, Object> producer = new HashMap<>(credentials);
            producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producer, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                p.send(new ProducerRecord<>("frames", "cam".getBytes(StandardCharsets.UTF_8),
                        "not a frame".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }

            // (c) the job, credentials from --kafka-config
            Path clientConfig = tmp.resolve("client.properties");
            Properties file = new Properties();
            file.putAll(credentials);
            try (var writer = Files.newBufferedWriter(clientConfig)) {
                file.store(writer, null);
            }
            assertThat(cli("inspect", "--bootstrap-servers", bootstrap, "--kafka-config", clientConfig.toString(),
                    "--frames-topic", "frames", "--events-topic", "events", "--dead-letter-topic", "dead-letters",
                    "--bounded", "--checkpoint-interval-ms", "500", "--checkpoint-dir", tmp.resolve("cp").toString()))
                    .as(cliErr.toString()).isZero();

            List<byte[]> events = TopicTail.readAll(bootstrap, credentials, "events");
            List<byte[]> deadLetters = TopicTail.readAll(bootstrap, credentials, "dead-letters");
            assertThat(events).hasSize(2);
            assertThat(deadLetters).hasSize(1);
            for (byte[] e : events) {
                assertThat(AnomalyEvent.getDecoder().decode(ByteBuffer.wrap(e)).getCategory()).isEqualTo("mtd");
            }
            DeadLetter deadLetter = DeadLetter.getDecoder().decode(ByteBuffer.wrap(deadLetters.get(0)));
            assertThat(deadLetter.toString()).doesNotContain(PASSWORD).doesNotContain("sasl");

            // (d) no secret anywhere
            for (byte[] record : concat(events, deadLetters)) {
                String text = new String(record, StandardCharsets.ISO_8859_1);
                assertThat(text).doesNotContain(PASSWORD).doesNotContain("sasl.jaas");
            }
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
            restoreLogging.run();
        }
        String logged = logs.text();
        String printed = console.toString(StandardCharsets.UTF_8) + cliOut + cliErr;
        assertThat(logged).as("the capture saw the Kafka clients' config dumps")
                .contains("sasl.jaas.config = [hidden]");
        assertThat(logged).doesNotContain(PASSWORD);
        assertThat(printed).contains("inspect: Kafka client settings:").doesNotContain(PASSWORD);
    }

    private static List<byte[]> concat(List<byte[]> a, List<byte[]> b) {
        List<byte[]> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static java.util.Set<String> listTopics(String bootstrap, Map<String, String> client) throws Exception {
        Map<String, Object> p = new HashMap<>(client);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "4000");
        try (Admin admin = Admin.create(p)) {
            return admin.listTopics().names().get(10, TimeUnit.SECONDS);
        }
    }

    private int cli(String... args) {
        CommandLine cli = SaaCli.commandLine();
        cli.setErr(new PrintWriter(cliErr, true));
        cli.setOut(new PrintWriter(cliOut, true));
        return cli.execute(args);
    }

    private static OutputStream tee(OutputStream a, OutputStream b) {
        return new OutputStream() {
            @Override
            public void write(int c) throws java.io.IOException {
                a.write(c);
                synchronized (b) {
                    b.write(c);
                }
            }

            @Override
            public void write(byte[] buf, int off, int len) throws java.io.IOException {
                a.write(buf, off, len);
                synchronized (b) {
                    b.write(buf, off, len);
                }
            }
        };
    }

    interface Restore extends Runnable {}

    /**
     * Every log event at INFO and above, of every logger, as text with its stack trace. The test classpath's log4j
     * configuration keeps most loggers quiet; for the duration of the test the root logger goes to INFO and only to
     * this appender.
     */
    static final class Capture extends AbstractAppender {
        private final StringBuffer text = new StringBuffer();

        Capture() {
            super("kafka-security-capture", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            StringBuilder line = new StringBuilder().append(event.getLevel()).append(' ').append(event.getLoggerName())
                    .append(" - ").append(event.getMessage().getFormattedMessage()).append('\n');
            if (event.getThrown() != null) {
                StringWriter trace = new StringWriter();
                event.getThrown().printStackTrace(new PrintWriter(trace));
                line.append(trace);
            }
            text.append(line);
        }

        String text() {
            return text.toString();
        }

        Restore attach() {
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            Configuration config = context.getConfiguration();
            LoggerConfig root = config.getRootLogger();
            Level level = root.getLevel();
            Map<String, Appender> appenders = Map.copyOf(root.getAppenders());
            start();
            config.addAppender(this);
            appenders.keySet().forEach(root::removeAppender);
            root.addAppender(this, Level.INFO, null);
            root.setLevel(Level.INFO);
            context.updateLoggers();
            return () -> {
                root.removeAppender(getName());
                appenders.values().forEach(a -> root.addAppender(a, null, null));
                root.setLevel(level);
                context.updateLoggers();
                stop();
            };
        }
    }
}
