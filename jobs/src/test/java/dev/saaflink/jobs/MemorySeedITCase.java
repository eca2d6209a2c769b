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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Issue 14 item 3 on a running job (MiniCluster, in-process broker, real SAM model, the committed MTD samples):
 * {@code saa memory seed} fills a camera's memory while the job runs, so that camera's first inspected frame is
 * scored against the good parts and not against itself (its score differs from the same image on an unseeded
 * camera); {@code saa memory reset} clears it, so the next frame is a warm-up again (its score equals the unseeded
 * camera's, bit for bit up to float noise). Seed and reset records produce no event and no dead letter; every
 * inspected frame gets exactly one event.
 */
class MemorySeedITCase {

    private static final Path SAMPLES = Path.of("..").toAbsolutePath().normalize().resolve("samples/mtd");
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private final List<AnomalyEvent> events = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void seedAndResetACamerasMemoryWhileTheJobRuns() throws Exception {
        DatasetItem defect = new DatasetScanner().scan(SAMPLES, "mtd").stream()
                .filter(i -> i.subset().equals("blowhole")).findFirst().orElseThrow();
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            for (String t : List.of("frames", "events", "dead-letters")) {
                kafka.createTopic(t, 1);
            }
            KafkaEndpoints endpoints = new KafkaEndpoints(bootstrap, Map.of());
            PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault());
            assertThat(settings.inspection.getStreamContext().isEnabled()).isTrue();
            assertThat(settings.inspection.getStreamContext().getWarmupFrames()).isEqualTo(1);
            settings.anomalyMapSize = 0;
            settings.ortIntraOpThreads = 1;
            InspectionJob job = new InspectionJob(
                    endpoints.framesSource("frames", "memory-seed-it", false),
                    endpoints.eventsSink("events", "memory-it-events"),
                    endpoints.deadLetterSink("dead-letters", "memory-it-dead-letters"),
                    settings);
            StreamExecutionEnvironment env = LocalFlink.localEnvironment(1, 500,
                    Files.createDirectory(dir.resolve("cp")));
            job.build(env);
            JobClient client = env.executeAsync("memory-seed-it");
            try (FramePublisher frames = FramePublisher.builder(bootstrap, "frames").build();
                 TopicTail tail = new TopicTail(bootstrap, Map.of(), "events", "dead-letters")) {

                // 1. Seed cam-s with the two good samples, as an operator would, while the job runs.
                assertThat(memory(bootstrap, "seed", "--camera", "cam-s", "--category", "mtd",
                        "--dataset", SAMPLES.toString(), "--subset", "free")).as(err.toString()).isZero();
                assertThat(out.toString()).contains("published 2 seed frames of camera 'cam-s'");

                // 2. The same defect image on the seeded camera and on an unseeded one.
                publish(frames, defect, "cam-s", "s-1");
                publish(frames, defect, "cam-u", "u-1");
                awaitEvents(tail, 2);
                double seeded = score("s-1");
                double warmUp = score("u-1");
                assertThat(Math.abs(seeded - warmUp)).as("seeded %s vs warm-up %s: the seeded frame was scored "
                        + "against the good parts, not against itself", seeded, warmUp).isGreaterThan(1e-4);

                // 3. A reset of cam-s: its next frame warms up again, exactly like the unseeded camera's first.
                assertThat(memory(bootstrap, "reset", "--camera", "cam-s", "--category", "mtd"))
                        .as(err.toString()).isZero();
                publish(frames, defect, "cam-s", "s-2");
                awaitEvents(tail, 3);
                assertThat(score("s-2")).as("after the reset: a warm-up frame").isCloseTo(warmUp, within(1e-5));

                client.cancel().get(60, TimeUnit.SECONDS);
                tail.drainToEnd(Duration.ofSeconds(30));
                collect(tail);
                assertThat(events).extracting(AnomalyEvent::getFrameId)
                        .as("one event per inspected frame; none for the 2 seeds and the reset")
                        .containsExactlyInAnyOrder("s-1", "u-1", "s-2");
                assertThat(deadLetters).isEmpty();
            } finally {
                try {
                    if (!client.getJobExecutionResult().isDone()) {
                        client.cancel().get(60, TimeUnit.SECONDS);
                    }
                } catch (IllegalStateException e) {
                    // the MiniCluster is down already (the job ended): keep the test's own failure
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private int memory(String bootstrap, String command, String... args) {
        CommandLine cli = SaaCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("memory", command, "--bootstrap-servers", bootstrap,
                "--topic", "frames"));
        all.addAll(List.of(args));
        return cli.execute(all.toArray(String[]::new));
    }

    private static void publish(FramePublisher frames, DatasetItem item, String camera, String frameId)
            throws InterruptedException {
        Frame frame = new FrameFactory(camera, false).create(item);
        frame.setFrameId(frameId);
        frames.publish(frame);
        frames.flush();
    }

    private double score(String frameId) {
        return events.stream().filter(e -> e.getFrameId().equals(frameId)).findFirst().orElseThrow().getImageScore();
    }

    private void awaitEvents(TopicTail tail, int n) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (events.size() < n) {
            assertThat(deadLetters).as("no dead letters").isEmpty();
            assertThat(System.nanoTime()).as("timed out waiting for " + n + " events").isLessThan(deadline);
            tail.poll(Duration.ofMillis(200));
            collect(tail);
        }
    }

    private int seen;

    private void collect(TopicTail tail) {
        List<ConsumerRecord<byte[], byte[]>> records = tail.records();
        for (; seen < records.size(); seen++) {
            ConsumerRecord<byte[], byte[]> r = records.get(seen);
            try {
                if (r.topic().equals("events")) {
                    events.add(AnomalyEvent.getDecoder().decode(ByteBuffer.wrap(r.value())));
                } else {
                    deadLetters.add(DeadLetter.getDecoder().decode(ByteBuffer.wrap(r.value())));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
