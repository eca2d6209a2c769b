package dev.saaflink.jobs;

import dev.saaflink.jobs.cli.SaaCli;
import dev.saaflink.jobs.embedded.TopicTail;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.jobs.ingest.FramePublisher;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.DeadLetter;
import dev.saaflink.schemas.Frame;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live category configs on the whole job (MiniCluster at parallelism 2, in-process broker, real SAM model, the
 * committed MTD samples): frames first use the file config; a config published with {@code saa config publish}
 * is applied without a restart and events carry its version; a bad config record is rejected with one dead letter
 * on the config-errors topic and the config in force stays; every frame gets exactly one event.
 */
class LiveConfigITCase {

    private static final Path SAMPLES = Path.of("..").toAbsolutePath().normalize().resolve("samples/mtd");
    private static final Duration WAIT = Duration.ofSeconds(120);

    private static final String MTD_V2 = """
            version: x-v2
            objectPrompt: mtd
            topK: 1
            areaRatio: 0.9
            anomalyThreshold: 0.11
            generalPrompts: true
            """;

    @TempDir
    Path dir;

    private final List<DatasetItem> items = new DatasetScanner().scan(SAMPLES, "mtd");
    private final FrameFactory factory = new FrameFactory("cam-live", false);
    private final List<AnomalyEvent> events = new ArrayList<>();
    private final List<DeadLetter> configErrors = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private int published;

    @Test
    void categoryConfigsChangeWhileTheJobRuns() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            for (String t : List.of("frames", "events", "dead-letters", "config-errors")) {
                kafka.createTopic(t, 1);
            }
            // The config topic comes from the first 'saa config publish'; until then the source waits for it.
            KafkaEndpoints endpoints = new KafkaEndpoints(bootstrap, Map.of());
            PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault());
            settings.anomalyMapSize = 0;
            settings.ortIntraOpThreads = 1;
            InspectionJob job = new InspectionJob(
                    endpoints.framesSource("frames", "live-config-it", false),
                    endpoints.eventsSink("events", "live-it-events"),
                    endpoints.deadLetterSink("dead-letters", "live-it-dead-letters"),
                    settings)
                    .withLiveConfig(endpoints.configSource("configs", false),
                            endpoints.deadLetterSink("config-errors", "live-it-config-errors"));
            assertThat(publishConfig(bootstrap, "--category", "ksdd2", "--delete")).as(err.toString()).isZero();

            StreamExecutionEnvironment env = LocalFlink.localEnvironment(2, 500, Files.createDirectory(dir.resolve("cp")));
            job.build(env);
            JobClient client = env.executeAsync("live-config-it");
            try (FramePublisher frames = FramePublisher.builder(bootstrap, "frames").build();
                 FramePublisher configs = FramePublisher.builder(bootstrap, "configs").build();
                 TopicTail tail = new TopicTail(bootstrap, Map.of(), "events", "config-errors", "dead-letters")) {

                // 1. The file config: mtd, version "1", threshold 0.04.
                publishFrame(frames);
                publishFrame(frames);
                awaitEvents(tail, 2);
                assertThat(events).allSatisfy(e -> {
                    assertThat(e.getConfigVersion()).isEqualTo("1");
                    assertThat(e.getThreshold()).isEqualTo(0.04);
                });

                // 2. A new mtd config, published as a user would; applied without a restart.
                Path file = Files.writeString(dir.resolve("mtd-v2.yaml"), MTD_V2);
                assertThat(publishConfig(bootstrap, "--category", "mtd", "--file", file.toString()))
                        .as(err.toString()).isZero();
                assertThat(out.toString()).contains("published category 'mtd' version x-v2");
                assertThat(cleanupPolicy(bootstrap, "configs")).isEqualTo("compact");
                AnomalyEvent applied = null;
                for (int i = 0; i < 8 && applied == null; i++) {
                    publishFrame(frames);
                    AnomalyEvent e = awaitEvents(tail, events.size() + 1).get(events.size() - 1);
                    applied = e.getConfigVersion().equals("x-v2") ? e : null;
                }
                assertThat(applied).as("an event computed with x-v2 within 8 frames").isNotNull();
                assertThat(applied.getThreshold()).as("the new config is used, not only its label").isEqualTo(0.11);
                assertThat(applied.getRegions().size()).as("topK 1").isLessThanOrEqualTo(1);

                // 3. A bad config: refused by the CLI, and when sent anyway, rejected by the job; x-v2 stays.
                String bad = MTD_V2.replace("x-v2", "x-v3").replace("topK: 1", "topK: 0");
                Path badFile = Files.writeString(dir.resolve("mtd-bad.yaml"), bad);
                assertThat(publishConfig(bootstrap, "--category", "mtd", "--file", badFile.toString())).isEqualTo(2);
                assertThat(err.toString()).contains("categories.mtd.topK: must be >= 1, got 0");
                RecordMetadata badAt = configs.publishRaw("mtd".getBytes(StandardCharsets.UTF_8),
                        bad.getBytes(StandardCharsets.UTF_8));
                await(tail, () -> !configErrors.isEmpty(), "a config dead letter");
                DeadLetter error = configErrors.get(0);
                assertThat(error.getStage()).isEqualTo("config");
                assertThat(error.getReason()).isEqualTo("CONFIG_INVALID");
                assertThat(error.getMessage()).isEqualTo("categories.mtd.topK: must be >= 1, got 0");
                assertThat(error.getSourceTopic()).isEqualTo("configs");
                assertThat(error.getOffset()).isEqualTo(badAt.offset());
                assertThat(StandardCharsets.UTF_8.decode(error.getPayload()).toString()).isEqualTo(bad);

                int before = events.size();
                publishFrame(frames);
                publishFrame(frames);
                awaitEvents(tail, before + 2);
                assertThat(events.subList(before, events.size())).extracting(AnomalyEvent::getConfigVersion)
                        .containsOnly("x-v2");

                // Exactly one event per frame (read_committed), one config dead letter for one bad record at
                // parallelism 2, and no frame dead letters.
                client.cancel().get(60, TimeUnit.SECONDS);
                tail.drainToEnd(Duration.ofSeconds(30));
                collect(tail);
                Map<String, Long> perFrame = events.stream()
                        .collect(Collectors.groupingBy(AnomalyEvent::getFrameId, Collectors.counting()));
                assertThat(perFrame).hasSize(published);
                assertThat(perFrame.values()).allMatch(n -> n == 1);
                assertThat(configErrors).hasSize(1);
                assertThat(deadLetters).isEmpty();
            } finally {
                if (!client.getJobExecutionResult().isDone()) {
                    client.cancel().get(60, TimeUnit.SECONDS);
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int publishConfig(String bootstrap, String... args) {
        CommandLine cli = SaaCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("config", "publish", "--bootstrap-servers", bootstrap,
                "--topic", "configs"));
        all.addAll(List.of(args));
        return cli.execute(all.toArray(String[]::new));
    }

    private void publishFrame(FramePublisher frames) throws InterruptedException {
        Frame frame = factory.create(items.get(published % items.size()));
        frame.setFrameId("live-" + published);
        published++;
        frames.publish(frame);
        frames.flush();
    }

    private List<AnomalyEvent> awaitEvents(TopicTail tail, int n) {
        await(tail, () -> events.size() >= n, n + " events");
        return events;
    }

    private void await(TopicTail tail, java.util.function.BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(deadline);
            tail.poll(Duration.ofMillis(200));
            collect(tail);
        }
    }

    private int seen;

    /** Decodes the records the tail read since the last call. */
    private void collect(TopicTail tail) {
        List<ConsumerRecord<byte[], byte[]>> records = tail.records();
        for (; seen < records.size(); seen++) {
            ConsumerRecord<byte[], byte[]> r = records.get(seen);
            try {
                switch (r.topic()) {
                    case "events" -> events.add(AnomalyEvent.getDecoder().decode(ByteBuffer.wrap(r.value())));
                    case "config-errors" -> configErrors.add(DeadLetter.getDecoder().decode(ByteBuffer.wrap(r.value())));
                    default -> deadLetters.add(DeadLetter.getDecoder().decode(ByteBuffer.wrap(r.value())));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String cleanupPolicy(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r).get("cleanup.policy").value();
        }
    }
}
