package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.embedded.TopicTail;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code saa inspect} survives its own death: the process (a separate JVM, started as {@code ./saa} starts it) is
 * killed with SIGKILL in the middle of a stream, after at least one checkpoint completed, and started again with
 * {@code --resume latest}; it is stopped once it has caught up. A read_committed reader then sees exactly one event
 * per frame, and the camera's stream memory came back with the checkpoint: every frame, those after the resume
 * included, scores as in a run of the same frames without a crash, while the same frames scored with an empty
 * memory do not. (Before, every start checkpointed into a new temporary folder, so a restart began from the group's
 * committed offsets: in this test that meant the frames before the kill came out twice.)
 */
class InspectResumeITCase {

    private static final int FRAMES = 8;
    /** Events committed before the kill: at least one checkpoint completed, and frames are left for the resume. */
    private static final int EVENTS_BEFORE_KILL = 2;
    /** Scores of the same frames in two JVMs: the same models and memory, float rounding aside. */
    private static final double SCORE_TOLERANCE = 1e-4;

    private static final long CHECKPOINT_INTERVAL_MS = 1000;

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @Test
    void aKilledJobResumesFromItsLatestCheckpointWithItsStreamMemory(@TempDir Path tmp) throws Exception {
        Path samples = Samples.mtd();
        assumeTrue(samples != null, "samples/mtd not found");
        assumeTrue(Files.isRegularFile(REPO.resolve("jobs/target/launcher.classpath")),
                "jobs/target/launcher.classpath not built (mvn package)");
        List<Frame> frames = SampleFrames.of(samples, FRAMES, "f");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            for (String run : List.of("ref", "crash")) {
                kafka.createTopic(run + "-frames", 1);
                kafka.createTopic(run + "-events", 1);
                kafka.createTopic(run + "-dead-letters", 1);
                SampleFrames.publish(bootstrap, Map.of(), run + "-frames", frames);
            }

            // the reference: the same frames, no crash (in this JVM)
            StringWriter err = new StringWriter();
            assertThat(cli(err, concat(inspect(bootstrap, "ref", tmp.resolve("ref-checkpoints")), "--bounded")))
                    .as(err.toString()).isZero();
            Map<String, Double> reference = scores(bootstrap, "ref-events");
            assertThat(reference).hasSize(FRAMES);

            // killed mid-stream once some events are committed (so a checkpoint completed), then resumed
            Path checkpoints = tmp.resolve("crash-checkpoints");
            Process first = saaInspect(tmp.resolve("first.log"), inspect(bootstrap, "crash", checkpoints));
            List<String> seen;
            try {
                seen = awaitEvents(bootstrap, first, EVENTS_BEFORE_KILL);
            } finally {
                first.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no cancellation, no final commit
                first.waitFor(30, TimeUnit.SECONDS);
            }
            assertThat(seen).as(log(tmp.resolve("first.log"))).hasSizeGreaterThanOrEqualTo(EVENTS_BEFORE_KILL);
            assertThat(seen).as("killed before the end of the stream").hasSizeLessThan(FRAMES);
            Path retained = LocalCheckpoints.latest(checkpoints).orElse(null);
            assertThat(retained).as("a retained checkpoint").isNotNull();

            // Not --bounded: a bounded Kafka source restored from state never ends (FLINK-31006), which the command
            // refuses; this run is stopped once every frame's event is visible and a few checkpoints went by.
            Process second = saaInspect(tmp.resolve("second.log"),
                    concat(inspect(bootstrap, "crash", checkpoints), "--resume", "latest"));
            try {
                awaitEvents(bootstrap, second, FRAMES);
                Thread.sleep(3 * CHECKPOINT_INTERVAL_MS); // room for a duplicate to show up, were there one
                assertThat(second.isAlive()).as(log(tmp.resolve("second.log"))).isTrue();
            } finally {
                second.destroy();
                if (!second.waitFor(30, TimeUnit.SECONDS)) {
                    second.destroyForcibly();
                }
            }
            assertThat(log(tmp.resolve("second.log"))).contains("inspect: resuming from " + retained);
            // the resumed run claimed the crashed run's checkpoint and deleted it once it had a newer one
            assertThat(retained.resolve("_metadata")).doesNotExist();

            List<String> ids = new ArrayList<>();
            for (byte[] value : TopicTail.readAll(bootstrap, Map.of(), "crash-events")) {
                ids.add(AnomalyEvent.getDecoder().decode(ByteBuffer.wrap(value)).getFrameId());
            }
            ids.sort(null);
            assertThat(ids).as("exactly one event per frame").containsExactlyElementsOf(reference.keySet());
            Map<String, Double> resumed = scores(bootstrap, "crash-events");

            // The check is sharp: the first two frames the resumed job had to score, scored by a job with an empty
            // memory (what a restart without the checkpoint did), differ from the reference.
            List<Frame> afterKill = frames.stream().filter(f -> !seen.contains(f.getFrameId().toString()))
                    .limit(2).toList();
            kafka.createTopic("cold-frames", 1);
            kafka.createTopic("cold-events", 1);
            kafka.createTopic("cold-dead-letters", 1);
            SampleFrames.publish(bootstrap, Map.of(), "cold-frames", afterKill);
            assertThat(cli(err, concat(inspect(bootstrap, "cold", tmp.resolve("cold-checkpoints")), "--bounded")))
                    .as(err.toString()).isZero();
            Map<String, Double> cold = scores(bootstrap, "cold-events");
            assertThat(cold).hasSize(afterKill.size());
            assertThat(cold.entrySet()).as("with an empty memory, frames score differently: %s vs %s", cold, reference)
                    .anySatisfy(e -> assertThat(Math.abs(e.getValue() - reference.get(e.getKey())))
                            .isGreaterThan(10 * SCORE_TOLERANCE));
            System.out.printf("InspectResumeITCase: killed after %d of %d events, resumed from %s; scores without "
                    + "crash %s, with crash and resume %s, with an empty memory %s%n", seen.size(), FRAMES, retained,
                    reference, resumed, cold);
            for (Map.Entry<String, Double> e : reference.entrySet()) {
                assertThat(resumed.get(e.getKey())).as("score of %s (reference %s, after the crash %s)", e.getKey(),
                        reference, resumed).isCloseTo(e.getValue(), within(SCORE_TOLERANCE));
            }
        }
    }

    /**
     * One frame in flight per model stage: the frames reach the stream memory in topic order, so that two runs
     * remember the same frames in the same order.
     */
    private static String[] inspect(String bootstrap, String run, Path checkpoints) {
        return new String[] {"inspect", "--bootstrap-servers", bootstrap, "--frames-topic", run + "-frames",
                "--events-topic", run + "-events", "--dead-letter-topic", run + "-dead-letters",
                "--async-capacity", "1", "--checkpoint-interval-ms", String.valueOf(CHECKPOINT_INTERVAL_MS),
                "--checkpoint-dir", checkpoints.toString()};
    }

    /** Waits (at most 4 minutes) until {@code count} events are visible to read_committed or the process ended. */
    private static List<String> awaitEvents(String bootstrap, Process process, int count) throws IOException {
        try (TopicTail tail = new TopicTail(bootstrap, Map.of(), "crash-events")) {
            long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
            while (tail.records().size() < count && process.isAlive() && System.nanoTime() < deadline) {
                tail.poll(Duration.ofMillis(200));
            }
            List<String> ids = new ArrayList<>();
            for (byte[] value : tail.values("crash-events")) {
                ids.add(AnomalyEvent.getDecoder().decode(ByteBuffer.wrap(value)).getFrameId());
            }
            return ids;
        }
    }

    /** {@code ./saa inspect ...} in its own JVM, with the build that is there. */
    private static Process saaInspect(Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", REPO.resolve("saa").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(REPO.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SAA_SKIP_BUILD", "1");
        pb.environment().put("JAVA_OPTS", "-Xmx2g");
        String cache = System.getProperty("saa.model.cache");
        if (cache != null) {
            pb.environment().put("SAA_MODEL_CACHE", cache);
        }
        return pb.start();
    }

    private static Map<String, Double> scores(String bootstrap, String topic) throws IOException {
        Map<String, Double> scores = new TreeMap<>();
        for (byte[] value : TopicTail.readAll(bootstrap, Map.of(), topic)) {
            AnomalyEvent e = AnomalyEvent.getDecoder().decode(ByteBuffer.wrap(value));
            scores.put(e.getFrameId(), e.getImageScore());
        }
        return scores;
    }

    private static String log(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no output)";
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    private static int cli(StringWriter err, String... args) {
        CommandLine cli = SaaCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }
}
