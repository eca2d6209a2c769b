package dev.saaflink.jobs.cluster;

import dev.saaflink.jobs.cli.SaaCli;
import dev.saaflink.jobs.embedded.TopicTail;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.jobs.ingest.FramePublisher;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.DeadLetter;
import dev.saaflink.schemas.Frame;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job on a real standalone Flink cluster: a JobManager and two TaskManagers, each its own JVM, started by
 * {@code deploy/standalone/cluster.sh}; the shaded job jar submitted with {@code saa submit} over the REST API; the
 * test's in-process Kafka broker; the real SAM model loaded in the TaskManagers. Frames are published continuously
 * while the job is stopped with a savepoint and resumed with another config, and while a TaskManager is killed with
 * SIGKILL. A read_committed consumer then sees exactly one output (event or dead letter) per frame.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterITCase {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern JOB_ID = Pattern.compile("submitted job ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT = Pattern.compile("stopped with savepoint (\\S+)");
    private static final Duration OUTPUT_TIMEOUT = Duration.ofMinutes(5);
    private static final List<String> WANTED_METRICS = List.of(
            ".sam-encoder.saa.model.samEncoder.inferenceMillis_max",
            ".saliency-regions-sam-decoder.saa.model.samDecoder.inferenceMillis_max",
            ".rescore-topk-fusion.saa.captureToEventMillis_max",
            ".sam-encoder.saa.model.samEncoder.batchSize_max",
            ".sam-encoder.saa.stage.samEncoder.inFlight",
            ".sam-encoder.saa.stage.samEncoder.timeouts",
            ".decode.saa.reason.NOT_AVRO.deadLetters",
            ".split-failures.saa.reason.TIMEOUT.deadLetters",
            ".decode.saa.unknownCategories");

    @TempDir
    static Path temp;

    private static EmbeddedKafka kafka;
    private static StandaloneClusterFixture cluster;
    private static FlinkRestClient flink;
    private static Path jobJar;
    private static List<DatasetItem> samples;

    @BeforeAll
    static void startClusterAndBroker() throws IOException {
        try (Stream<Path> files = Files.list(REPO.resolve("jobs/target"))) {
            jobJar = files.filter(p -> p.getFileName().toString().matches("saa-jobs-.*-job\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no jobs/target/saa-jobs-*-job.jar; run package first"));
        }
        samples = new DatasetScanner().scan(REPO.resolve("samples/mtd"), "mtd");
        kafka = EmbeddedKafka.start();
        cluster = StandaloneClusterFixture.start(REPO, temp.resolve("cluster"), 2, 2);
        flink = new FlinkRestClient(cluster.restUrl());
    }

    @AfterAll
    static void stopClusterAndBroker() {
        if (cluster != null) {
            cluster.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** A failed test must not leave its job holding slots that the next test needs. */
    @AfterEach
    void cancelRunningJobs() throws IOException, InterruptedException {
        for (JsonNode job : flink.jobsOverview().path("jobs")) {
            if (!FlinkRestClient.TERMINAL_STATES.contains(job.path("state").asText())) {
                String id = job.path("jid").asText();
                flink.cancel(id);
                flink.awaitState(id, "CANCELED", Duration.ofMinutes(1));
            }
        }
    }

    /**
     * Stop with a savepoint while frames keep arriving, resume from it with a changed inspection config: every frame
     * has exactly one event, frames decoded after the resume carry the new config version, and the resumed job
     * reports the savepoint as its restore point.
     */
    @Test
    @Order(1)
    void stopWithSavepointAndResumeWithAChangedConfig() throws Exception {
        Topics t = Topics.create("savepoint");
        Path v1 = configVersion("it-v1", 5);
        Path v2 = configVersion("it-v2", 3);
        int frames = 12;

        try (Feeder feeder = new Feeder(t.frames, 1.0); Output out = new Output(t)) {
            String first = submit(t, v1, null);
            feeder.feed(6);
            await("3 events of the first job", () -> out.poll().events.size() >= 3);
            assertThat(flink.completedCheckpoints(first)).isPositive();
            assertStageMetrics(first);

            String savepoint = stop(first);
            assertThat(flink.jobState(first)).isEqualTo("FINISHED");
            Map<String, String> versionsBeforeStop = out.poll().versions();
            int publishedBeforeStopEnded = feeder.published();
            feeder.feed(3);            // frames keep coming while no job runs
            feeder.awaitPublished();

            String second = submit(t, v2, savepoint);
            feeder.feed(frames - 9);
            out.awaitAll(feeder, frames);

            assertThat(flink.checkpoints(second).path("latest").path("restored").path("external_path").asText())
                    .as("the resumed job restored the savepoint").isEqualTo(savepoint);
            out.assertExactlyOncePerFrame(feeder);
            assertThat(out.deadLetters).isEmpty();
            Map<String, String> versions = out.versions();
            assertThat(versionsBeforeStop.values()).containsOnly("it-v1");
            versionsBeforeStop.forEach((frame, version) -> assertThat(versions).containsEntry(frame, version));
            for (int i = publishedBeforeStopEnded; i < frames; i++) {
                assertThat(versions.get(feeder.ids.get(i))).as("frame %d, published after the stop", i)
                        .isEqualTo("it-v2");
            }
            for (AnomalyEvent e : out.events) {
                assertThat(e.getRegions().size()).isLessThanOrEqualTo(e.getConfigVersion().equals("it-v2") ? 3 : 5);
            }
        }
    }

    /**
     * SIGKILL one of the two TaskManagers mid-stream: the job restarts from its last checkpoint on the surviving one
     * (two slots each, parallelism 2), and the transactional sinks leave exactly one committed output per frame.
     */
    @Test
    @Order(2)
    void killingATaskManagerLosesAndDuplicatesNothing() throws Exception {
        Topics t = Topics.create("kill");
        int frames = 16;
        try (Feeder feeder = new Feeder(t.frames, 1.0); Output out = new Output(t)) {
            String job = submit(t, configVersion("it-kill", 5), null);
            feeder.feed(8);
            await("a completed checkpoint and 3 events", () -> {
                try {
                    return flink.completedCheckpoints(job) > 0 && out.poll().events.size() >= 3;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            List<Long> pids = cluster.taskManagerPids();
            assertThat(pids).hasSize(2);
            int eventsBeforeKill = out.events.size();
            feeder.awaitPublished();
            cluster.killTaskManager(pids.get(0));
            assertThat(out.poll().events.size()).as("the kill happened mid-stream: frames were in flight")
                    .isLessThan(8);
            feeder.feed(frames - 8);   // and more arrive while the job recovers
            out.awaitAll(feeder, frames);
            long checkpoints = flink.completedCheckpoints(job);
            await("two more checkpoints after the last output", () -> {
                try {
                    return flink.completedCheckpoints(job) >= checkpoints + 2;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            out.poll();
            out.assertExactlyOncePerFrame(feeder);
            assertThat(out.events.size() + out.deadLetters.size()).isEqualTo(frames);
            assertThat(out.events.size()).isGreaterThan(eventsBeforeKill);
            var restored = flink.checkpoints(job).path("latest").path("restored");
            assertThat(restored.path("id").asLong(-1)).as("the job restarted from a checkpoint: %s", restored)
                    .isPositive();
            assertThat(restored.path("is_savepoint").asBoolean(true)).isFalse();
            assertThat(flink.jobState(job)).isEqualTo("RUNNING");
            assertThat(cluster.taskManagerPids()).hasSize(1);
        }
    }

    /**
     * The job's own metrics, as the cluster reports them: through the REST API (every vertex's metric ids, values of
     * the model and latency histograms) and through a TaskManager's Prometheus endpoint.
     */
    private static void assertStageMetrics(String jobId) throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        await("the job's metrics in the REST API", () -> {
            try {
                values.clear();
                for (String vertex : flink.vertexIds(jobId).values()) {
                    List<String> ids = flink.vertexMetricIds(jobId, vertex).stream()
                            .filter(id -> WANTED_METRICS.stream().anyMatch(id::endsWith)).toList();
                    values.putAll(flink.vertexMetrics(jobId, vertex, ids));
                }
                // the dashboard's metric fetcher refreshes every few seconds: wait for values, not only names
                return WANTED_METRICS.stream().allMatch(m -> values.keySet().stream().anyMatch(id -> id.endsWith(m)))
                        && metric(values, ".rescore-topk-fusion.saa.captureToEventMillis_max") > 0
                        && metric(values, ".sam-encoder.saa.model.samEncoder.inferenceMillis_max") > 0
                        && metric(values, ".saliency-regions-sam-decoder.saa.model.samDecoder.inferenceMillis_max") > 0;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(metric(values, ".sam-encoder.saa.model.samEncoder.inferenceMillis_max")).isPositive();
        assertThat(metric(values, ".saliency-regions-sam-decoder.saa.model.samDecoder.inferenceMillis_max")).isPositive();
        assertThat(metric(values, ".rescore-topk-fusion.saa.captureToEventMillis_max")).isPositive();
        assertThat(metric(values, ".sam-encoder.saa.model.samEncoder.batchSize_max")).isEqualTo(1.0);
        assertThat(metric(values, ".sam-encoder.saa.stage.samEncoder.inFlight")).isBetween(0.0, 4.0);
        assertThat(metric(values, ".sam-encoder.saa.stage.samEncoder.timeouts")).isZero();
        assertThat(metric(values, ".decode.saa.reason.NOT_AVRO.deadLetters")).isZero();
        assertThat(metric(values, ".split-failures.saa.reason.TIMEOUT.deadLetters")).isZero();
        assertThat(metric(values, ".decode.saa.unknownCategories")).isZero();

        String scraped = null;
        for (int port = 9250; port <= 9260 && scraped == null; port++) {
            try {
                String text = new String(java.net.URI.create("http://localhost:" + port + "/metrics").toURL()
                        .openStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (text.contains("flink_taskmanager_job_task_operator_saa_model_inferenceMillis{")) {
                    scraped = text;
                }
            } catch (IOException notThere) {
                // not a reporter port of this cluster's TaskManagers
            }
        }
        assertThat(scraped).as("a TaskManager's Prometheus endpoint exports the job's metrics").isNotNull()
                .containsPattern("flink_taskmanager_job_task_operator_saa_model_inferenceMillis\\{[^}]*model=\"samEncoder\"")
                .contains("flink_taskmanager_job_task_operator_saa_stage_inFlight{");
    }

    /** The largest value over subtasks of the metric whose id (after the subtask index) ends with {@code suffix}. */
    private static double metric(Map<String, String> values, String suffix) {
        List<Double> found = values.entrySet().stream().filter(e -> e.getKey().endsWith(suffix))
                .map(e -> Double.parseDouble(e.getValue())).toList();
        assertThat(found).as("metric *%s among %s", suffix, values.keySet()).isNotEmpty();
        return found.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    /** Submits the job jar the way users do, through {@code saa submit}, and returns the job id it printed. */
    private static String submit(Topics t, Path config, String savepoint) {
        List<String> args = new ArrayList<>(List.of("submit", "--rest-url", cluster.restUrl(),
                "--jar", jobJar.toString()));
        if (savepoint != null) {
            args.addAll(List.of("--from-savepoint", savepoint));
        }
        args.addAll(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--frames-topic", t.frames,
                "--events-topic", t.events, "--dead-letter-topic", t.deadLetters, "--group-id", t.frames + "-job",
                "--transactional-id-prefix", t.frames + "-job", "--checkpoint-interval-ms", "1000",
                "--parallelism", "2", "--config", config.toString()));
        Matcher m = JOB_ID.matcher(cli(args));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    /** Stops the job with a savepoint through {@code saa stop} and returns the savepoint path it printed. */
    private static String stop(String jobId) {
        Matcher m = SAVEPOINT.matcher(cli(List.of("stop", jobId, "--rest-url", cluster.restUrl(),
                "--savepoint-dir", temp.resolve("savepoints").toUri().toString())));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static String cli(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SaaCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(args.toArray(String[]::new));
        System.out.println("saa " + String.join(" ", args) + "\n" + out + err);
        assertThat(code).as("saa %s: %s\n%s", args.get(0), err, cluster.logTails(30)).isZero();
        return out.toString();
    }

    /** The bundled default config with another version and top-K, as a file the cluster can read. */
    private static Path configVersion(String version, int topK) throws IOException {
        String yaml = Files.readString(REPO.resolve("operators/src/main/resources/inspection.yaml"))
                .replaceFirst("(?m)^version: .*$", "version: \"" + version + "\"")
                .replaceAll("(?m)^(\\s+)topK: \\d+", "$1topK: " + topK);
        Path file = temp.resolve("inspection-" + version + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + OUTPUT_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "\n" + cluster.logTails(60));
            }
            Thread.sleep(500);
        }
    }

    private record Topics(String frames, String events, String deadLetters) {
        static Topics create(String name) {
            Topics t = new Topics(name + "-frames", name + "-events", name + "-dead-letters");
            kafka.createTopic(t.frames, 2);
            kafka.createTopic(t.events, 1);
            kafka.createTopic(t.deadLetters, 1);
            return t;
        }
    }

    /**
     * Publishes the committed MTD samples round-robin on two cameras at a fixed rate, each with a unique frame id, on
     * a thread of its own: {@link #feed} asks for more frames, {@link #awaitPublished} waits until they are out.
     */
    private static final class Feeder implements AutoCloseable {
        final List<String> ids = new CopyOnWriteArrayList<>();
        private final FramePublisher publisher;
        private final Thread thread;
        private final AtomicInteger published = new AtomicInteger();
        private final AtomicInteger target = new AtomicInteger();

        Feeder(String topic, double framesPerSecond) {
            this.publisher = FramePublisher.builder(kafka.bootstrapServers(), topic).ratePerSecond(framesPerSecond)
                    .build();
            this.thread = new Thread(this::run, "frame-feeder-" + topic);
            this.thread.setDaemon(true);
            this.thread.start();
        }

        void feed(int frames) {
            target.addAndGet(frames);
        }

        int published() {
            return published.get();
        }

        void awaitPublished() throws InterruptedException {
            await("frames published", () -> published.get() >= target.get());
        }

        private void run() {
            List<FrameFactory> cameras = List.of(new FrameFactory("cam-0", false), new FrameFactory("cam-1", false));
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    int i = published.get();
                    if (i >= target.get()) {
                        Thread.sleep(50);
                        continue;
                    }
                    DatasetItem item = samples.get(i % samples.size());
                    Frame frame = cameras.get(i % 2).create(item);
                    frame.setFrameId(item.frameId() + "#" + i);
                    publisher.publish(frame);
                    publisher.flush();
                    ids.add(frame.getFrameId().toString());
                    published.incrementAndGet();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join(10_000);
            publisher.close();
        }
    }

    /** What a read_committed consumer sees on the events and dead-letter topics. */
    private static final class Output implements AutoCloseable {
        final List<AnomalyEvent> events = new ArrayList<>();
        final List<DeadLetter> deadLetters = new ArrayList<>();
        private final Topics topics;
        private final TopicTail tail;
        private int read;

        Output(Topics topics) {
            this.topics = topics;
            this.tail = new TopicTail(kafka.bootstrapServers(), Map.of(), topics.events, topics.deadLetters);
        }

        Output poll() {
            tail.poll(Duration.ofMillis(200));
            List<ConsumerRecord<byte[], byte[]>> records = tail.records();
            for (; read < records.size(); read++) {
                ConsumerRecord<byte[], byte[]> r = records.get(read);
                try {
                    if (r.topic().equals(topics.events)) {
                        events.add(AnomalyEvent.getDecoder().decode(r.value()));
                    } else {
                        deadLetters.add(DeadLetter.getDecoder().decode(r.value()));
                    }
                } catch (IOException e) {
                    throw new IllegalStateException("undecodable output record at " + r.topic() + "@" + r.offset(), e);
                }
            }
            return this;
        }

        void awaitAll(Feeder feeder, int frames) throws InterruptedException {
            await(frames + " outputs", () -> feeder.published() == frames
                    && poll().events.size() + deadLetters.size() >= frames);
        }

        /** Frame id to the config version of its event(s); a frame with two events keeps the later one. */
        Map<String, String> versions() {
            Map<String, String> v = new LinkedHashMap<>();
            events.forEach(e -> v.put(e.getFrameId().toString(), e.getConfigVersion().toString()));
            return v;
        }

        void assertExactlyOncePerFrame(Feeder feeder) {
            Map<String, Long> perFrame = Stream.concat(
                            events.stream().map(e -> e.getFrameId().toString()),
                            deadLetters.stream().map(d -> String.valueOf(d.getFrameId())))
                    .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
            assertThat(perFrame.keySet()).as("one output per published frame").containsExactlyInAnyOrderElementsOf(feeder.ids);
            assertThat(perFrame).as("no output twice").allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1L));
        }

        @Override
        public void close() {
            tail.close();
        }
    }
}
