package dev.saaflink.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.saaflink.jobs.embedded.TopicInspection;
import dev.saaflink.jobs.embedded.TopicTail;
import dev.saaflink.jobs.eval.EvalRunner;
import dev.saaflink.jobs.eval.RunEnvironment;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.jobs.ingest.FramePublisher;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.DeadLetter;
import dev.saaflink.schemas.Frame;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./saa soak}: a bounded overload run on loopback. The whole job (in-process Kafka, Flink MiniCluster,
 * checkpointing, transactional sinks; {@link TopicInspection}, as every embedded run) reads a topic that a publisher
 * fills at a fixed rate above the job's capacity for a fixed time (the burst); then the job drains the backlog.
 * Every second it samples frames published, outputs visible to a read_committed consumer (events + dead letters),
 * the job's committed source offset, heap and RSS. It passes when every published frame has exactly one output
 * within a bounded drain time.
 *
 * <p>Backpressure shows as: the frames the job holds (committed source offset minus outputs) stay within its
 * async capacity plus buffers while the lag grows at about rate minus throughput, and the live heap does not grow
 * with the lag; the backlog waits in Kafka, not in the JVM.
 */
public final class SoakRunner {

    static final String FRAMES = "soak-frames";
    static final String EVENTS = "soak-events";
    static final String DEAD_LETTERS = "soak-dead-letters";
    /** The job's run id, which is also its source's consumer group: its committed offset is what it has read. */
    static final String RUN_ID = "saa-soak";
    static final long CHECKPOINT_INTERVAL_MS = 2_000;
    /** The drain may always take this long, however fast the job seemed. */
    static final Duration MIN_DRAIN_WAIT = Duration.ofMinutes(5);

    /** Columns of the per-second series in soak.json, in {@link Sample#row()} order. */
    static final List<String> SERIES_COLUMNS = List.of("t", "published", "outputs", "lag", "kafkaLag", "inFlight",
            "heapMb", "rssMb");

    /**
     * One per-second sample. {@code published}: acknowledged by the broker; {@code outputs}: events + dead letters
     * visible to a read_committed consumer; {@code consumed}: the job's committed source offset (-1 before its
     * first checkpoint).
     */
    record Sample(double t, String phase, long published, long outputs, long consumed, double heapMb, double rssMb) {
        /** Frames published but without an output yet: waiting in Kafka or inside the job. */
        long lag() {
            return Math.max(0, published - outputs);
        }

        /** Published but not yet read by the job as of its last checkpoint (Kafka consumer lag). */
        long kafkaLag() {
            return Math.max(0, published - Math.max(0, consumed));
        }

        /** Read by the job (at its last checkpoint) but without an output: what the job holds. -1: unknown. */
        long inFlight() {
            return consumed < 0 ? -1 : Math.max(0, consumed - outputs);
        }

        List<Object> row() {
            return List.of(BenchRunner.round(t, 1), published, outputs, lag(), kafkaLag(), inFlight(), heapMb, rssMb);
        }
    }

    record Peaks(long lag, long kafkaLag, long inFlight, double heapMb, double rssMb) {}

    /** Maximum of each measure over the samples (0 / NaN-free where there are none). */
    static Peaks peaks(List<Sample> samples) {
        long lag = 0;
        long kafkaLag = 0;
        long inFlight = -1;
        double heap = 0;
        double rss = 0;
        for (Sample s : samples) {
            lag = Math.max(lag, s.lag());
            kafkaLag = Math.max(kafkaLag, s.kafkaLag());
            inFlight = Math.max(inFlight, s.inFlight());
            heap = Math.max(heap, s.heapMb());
            if (!Double.isNaN(s.rssMb())) {
                rss = Math.max(rss, s.rssMb());
            }
        }
        return new Peaks(lag, kafkaLag, inFlight, heap, rss);
    }

    /** How the outputs compare with the published frame ids: each published id must have exactly one output. */
    record OutputCheck(int published, int outputs, int lost, int duplicates, int unexpected) {
        boolean passed() {
            return lost == 0 && duplicates == 0 && unexpected == 0 && outputs == published;
        }
    }

    static OutputCheck checkOutputs(Collection<String> publishedIds, List<String> outputIds) {
        Set<String> published = new HashSet<>(publishedIds);
        Map<String, Integer> counts = new HashMap<>();
        for (String id : outputIds) {
            counts.merge(id, 1, Integer::sum);
        }
        int duplicates = 0;
        int unexpected = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            duplicates += e.getValue() - 1;
            if (!published.contains(e.getKey())) {
                unexpected++;
            }
        }
        int lost = 0;
        for (String id : published) {
            if (!counts.containsKey(id)) {
                lost++;
            }
        }
        return new OutputCheck(published.size(), outputIds.size(), lost, duplicates, unexpected);
    }

    /** The drain's time limit: {@link #MIN_DRAIN_WAIT}, or twice the backlog at the measured rate if longer. */
    static Duration drainAllowance(long backlog, double outputFps) {
        if (!(outputFps > 0) || Double.isInfinite(outputFps)) {
            return MIN_DRAIN_WAIT;
        }
        Duration expected = Duration.ofMillis((long) (2 * backlog / outputFps * 1000));
        return expected.compareTo(MIN_DRAIN_WAIT) > 0 ? expected : MIN_DRAIN_WAIT;
    }

    /** Least-squares slope of the lag over time (frames/s); NaN with fewer than two samples. */
    static double lagSlope(List<Sample> samples) {
        int n = samples.size();
        if (n < 2) {
            return Double.NaN;
        }
        double mt = samples.stream().mapToDouble(Sample::t).average().orElse(0);
        double ml = samples.stream().mapToDouble(Sample::lag).average().orElse(0);
        double num = 0;
        double den = 0;
        for (Sample s : samples) {
            num += (s.t() - mt) * (s.lag() - ml);
            den += (s.t() - mt) * (s.t() - mt);
        }
        return den == 0 ? Double.NaN : num / den;
    }

    private final PipelineSettings settings;
    private final PrintStream out;

    public SoakRunner(PipelineSettings settings, PrintStream out) {
        this.settings = settings.validate();
        this.out = out;
    }

    /** Runs the soak; returns the report (also written to {@code outDir/soak.json}); throws when it failed. */
    public Map<String, Object> run(Path dataset, String category, double minutes, double rate, Path outDir)
            throws Exception {
        // A benchmark measures images: files of the folder that are not images (which the scanner lists too) stay out.
        List<DatasetItem> items = new DatasetScanner().scan(dataset, category).stream()
                .filter(DatasetItem::namedLikeImage).toList();
        if (items.isEmpty()) {
            throw new IllegalArgumentException("no images under " + dataset);
        }
        int total = (int) Math.round(minutes * 60 * rate);
        if (total < 1) {
            throw new IllegalArgumentException("--minutes x --rate gives no frame at all");
        }
        out.printf("soak: %d frames (%s min at %s frames/s, %d images cycled) into the job; then the drain%n",
                total, minutes, rate, items.size());
        FrameFactory factory = new FrameFactory(FrameFactory.DEFAULT_CAMERA_ID, false);
        TopicPartition framesPartition = new TopicPartition(FRAMES, 0);

        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            kafka.createTopic(FRAMES, 1);
            kafka.createTopic(EVENTS, 1);
            kafka.createTopic(DEAD_LETTERS, 1);
            ExecutorService threads = Executors.newFixedThreadPool(2);
            Set<String> publishedIds = ConcurrentHashMap.newKeySet();
            AtomicLong maxLateMillis = new AtomicLong();
            AtomicLong burstEndMillis = new AtomicLong();
            List<String> outputIds = new ArrayList<>();
            List<Long> outputMillis = new ArrayList<>();
            List<Double> visibleSeconds = new ArrayList<>();
            List<Sample> series = new ArrayList<>();
            Map<String, Object> liveHeap = new LinkedHashMap<>();
            try (TopicTail watch = new TopicTail(bootstrap, Map.of(), EVENTS, DEAD_LETTERS);
                 FramePublisher publisher = FramePublisher.builder(bootstrap, FRAMES).ratePerSecond(rate).build();
                 Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                Future<TopicInspection.Result> job = threads.submit(() -> new TopicInspection(bootstrap, Map.of(), settings)
                        .checkpointInterval(CHECKPOINT_INTERVAL_MS)
                        .run(FRAMES, Map.of(framesPartition, (long) total), EVENTS, DEAD_LETTERS, RUN_ID, total));
                long start = System.currentTimeMillis();
                Future<?> publishing = threads.submit(() -> {
                    for (int i = 0; i < total; i++) {
                        Frame frame = factory.create(items.get(i % items.size()));
                        frame.setFrameId(frame.getFrameId() + "#" + i);
                        publishedIds.add(frame.getFrameId());
                        publisher.publish(frame);
                        // behind the camera's schedule after the send: the producer (or broker) pushed back
                        long late = System.currentTimeMillis() - (start + (long) (i * 1000 / rate));
                        maxLateMillis.accumulateAndGet(late, Math::max);
                    }
                    publisher.flush();
                    burstEndMillis.set(System.currentTimeMillis());
                    return null;
                });

                long firstOutputMillis = -1;
                boolean burstOver = false;
                long backlogAtBurstEnd = 0;
                long consumed = -1;
                long nextTick = start + 1000;
                while (true) {
                    long now;
                    while ((now = System.currentTimeMillis()) < nextTick) {
                        watch.poll(Duration.ofMillis(Math.max(1, nextTick - now)));
                        long seen = System.currentTimeMillis();
                        for (ConsumerRecord<byte[], byte[]> r : watch.takeRecords()) {
                            if (r.topic().equals(EVENTS)) {
                                AnomalyEvent e = AnomalyEvent.getDecoder().decode(r.value());
                                outputIds.add(e.getFrameId());
                                visibleSeconds.add((seen - e.getCaptureTimeMillis()) / 1000.0);
                            } else {
                                DeadLetter d = DeadLetter.getDecoder().decode(r.value());
                                outputIds.add(String.valueOf(d.getFrameId()));
                            }
                            outputMillis.add(seen);
                        }
                    }
                    nextTick += 1000;
                    if (firstOutputMillis < 0 && !outputIds.isEmpty()) {
                        firstOutputMillis = outputMillis.get(0);
                        liveHeap.put("afterWarmUp", liveHeapMb());
                    }
                    if (publishing.isDone() && !burstOver) {
                        publishing.get(); // surfaces a failed send
                        burstOver = true;
                    }
                    // a lookup that fails under load keeps the last known offset rather than reading as "none yet"
                    consumed = Math.max(consumed, committedOffset(admin, framesPartition));
                    Sample s = new Sample((now - start) / 1000.0, burstOver ? "drain" : "burst", publisher.acknowledged(),
                            outputIds.size(), consumed, heapUsedMb(),
                            BenchRunner.rssMb());
                    series.add(s);
                    boolean burstJustEnded = burstOver && !liveHeap.containsKey("atBurstEnd");
                    if (burstJustEnded) {
                        backlogAtBurstEnd = s.lag();
                        liveHeap.put("atBurstEnd", liveHeapMb());
                    }
                    if (series.size() % 10 == 0 || burstJustEnded) {
                        out.printf("soak: t=%4.0fs %-5s published %d  outputs %d  lag %d  kafkaLag %d  inFlight %d  "
                                        + "heap %.0f MB  rss %.0f MB%n", s.t(), s.phase(), s.published(), s.outputs(),
                                s.lag(), s.kafkaLag(), s.inFlight(), s.heapMb(), s.rssMb());
                    }
                    if (burstOver && new HashSet<>(outputIds).size() >= total) {
                        break;
                    }
                    if (job.isDone()) {
                        job.get(); // surfaces the job's failure
                        if (outputIds.size() < total) {
                            watch.poll(Duration.ofSeconds(5));
                            throw failure(outDir, series, "the job ended after " + outputIds.size() + " of " + total
                                    + " outputs");
                        }
                    }
                    if (burstOver) {
                        double fps = firstOutputMillis < 0 || now <= firstOutputMillis ? Double.NaN
                                : outputIds.size() * 1000.0 / (now - firstOutputMillis);
                        Duration allowed = drainAllowance(backlogAtBurstEnd, fps);
                        if (now - burstEndMillis.get() > allowed.toMillis()) {
                            throw failure(outDir, series, String.format("drain not done within %ds: %d of %d outputs, "
                                            + "lag %d, output rate %.3f frames/s", allowed.toSeconds(), outputIds.size(),
                                    total, s.lag(), fps));
                        }
                    }
                }
                long drainEnd = outputMillis.get(outputMillis.size() - 1);
                liveHeap.put("atEnd", liveHeapMb());
                // the job stops at the last offset after a final checkpoint; anything more it wrote (a duplicate)
                // would be visible by then
                TopicInspection.Result result = job.get(2, TimeUnit.MINUTES);
                int jobOutputs = result.events().size() + result.deadLetters().size();

                OutputCheck check = checkOutputs(publishedIds, outputIds);
                if (jobOutputs != outputIds.size()) {
                    check = new OutputCheck(check.published(), Math.max(jobOutputs, outputIds.size()), check.lost(),
                            check.duplicates() + Math.max(0, jobOutputs - outputIds.size()), check.unexpected());
                }
                Map<String, Object> report = report(dataset, minutes, rate, total, start, burstEndMillis.get(),
                        firstOutputMillis, drainEnd, outputMillis, visibleSeconds, series, liveHeap, check,
                        maxLateMillis.get(), result.deadLetters().size());
                write(outDir, report);
                printTable(report);
                if (!check.passed()) {
                    throw new IllegalStateException("soak failed: " + check);
                }
                return report;
            } finally {
                threads.shutdownNow();
                threads.awaitTermination(1, TimeUnit.MINUTES);
            }
        }
    }

    private Map<String, Object> report(Path dataset, double minutes, double rate, int total, long start, long burstEnd,
                                       long firstOutput, long drainEnd, List<Long> outputMillis,
                                       List<Double> visibleSeconds, List<Sample> series, Map<String, Object> liveHeap,
                                       OutputCheck check, long maxLateMillis, int deadLetters) {
        Peaks peaks = peaks(series);
        long[] times = outputMillis.stream().mapToLong(Long::longValue).toArray();
        double sustained = times.length >= 4 ? BenchRunner.steadyStateFps(times) : Double.NaN;
        List<Sample> burst = series.stream().filter(s -> s.phase().equals("burst") && s.t() * 1000 >= firstOutput - start)
                .toList();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("passed", check.passed());
        summary.put("framesPublished", check.published());
        summary.put("outputs", check.outputs());
        summary.put("deadLetters", deadLetters);
        summary.put("lost", check.lost());
        summary.put("duplicates", check.duplicates());
        summary.put("unexpected", check.unexpected());
        summary.put("inputRateFps", BenchRunner.round(total * 1000.0 / Math.max(1, burstEnd - start), 3));
        summary.put("sustainedOutputFps", BenchRunner.round(sustained, 4));
        summary.put("burstSeconds", BenchRunner.round((burstEnd - start) / 1000.0, 1));
        summary.put("warmUpSeconds", BenchRunner.round((firstOutput - start) / 1000.0, 1));
        summary.put("drainSeconds", BenchRunner.round((drainEnd - burstEnd) / 1000.0, 1));
        summary.put("lagGrowthFps", BenchRunner.round(lagSlope(burst), 3));
        summary.put("rateMinusThroughputFps", BenchRunner.round(rate - sustained, 3));
        summary.put("peakLag", peaks.lag());
        summary.put("peakKafkaLag", peaks.kafkaLag());
        summary.put("peakInFlight", peaks.inFlight());
        summary.put("asyncCapacity", settings.asyncCapacity);
        summary.put("peakHeapUsedMb", BenchRunner.round(peaks.heapMb(), 1));
        summary.put("peakHeapPoolsMb", BenchRunner.peakHeapMb());
        summary.put("peakSampledRssMb", peaks.rssMb());
        summary.put("peakRssMb", BenchRunner.peakRssMb());
        summary.put("liveHeapMb", liveHeap);
        summary.put("maxHeapMb", BenchRunner.round(Runtime.getRuntime().maxMemory() / 1024.0 / 1024.0, 0));
        summary.put("publisherMaxLateMs", maxLateMillis);
        summary.put("visibleLatencySecondsP50", visibleSeconds.isEmpty() ? Double.NaN
                : BenchRunner.round(EvalRunner.percentile(visibleSeconds, 50), 1));
        summary.put("visibleLatencySecondsMax", BenchRunner.round(
                visibleSeconds.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN), 1));

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("summary", summary);
        report.put("dataset", dataset.toString());
        report.put("minutes", minutes);
        report.put("rateFps", rate);
        report.put("settings", Map.of("asyncCapacity", settings.asyncCapacity,
                "modelWorkerThreads", settings.modelWorkerThreads, "ortIntraOpThreads", settings.ortIntraOpThreads,
                "parallelism", 1, "checkpointIntervalMs", CHECKPOINT_INTERVAL_MS));
        report.put("definitions", Map.of(
                "lag", "frames acknowledged by the broker without an output (event or dead letter) visible to a "
                        + "read_committed consumer: waiting in Kafka or inside the job",
                "kafkaLag", "frames acknowledged minus the job's committed source offset (advances on checkpoints)",
                "inFlight", "committed source offset minus outputs: what the job holds; both advance on checkpoints",
                "sustainedOutputFps", "outputs per second after the first quarter of them (as bench's endToEndFps)",
                "lagGrowthFps", "least-squares slope of the lag during the burst, from the first output on",
                "liveHeapMb", "heap used right after System.gc(): after warm-up (first output), at the end of the "
                        + "burst (about the peak lag) and at the end of the drain",
                "publisherMaxLateMs", "largest delay of a send behind the camera's schedule: producer/broker pushback",
                "drainSeconds", "from the last frame acknowledged to the last output visible",
                "peakRssMb", "VmHWM of the whole process (broker, Flink, models), start-up included"));
        report.put("seriesColumns", SERIES_COLUMNS);
        report.put("series", series.stream().map(Sample::row).toList());
        report.put("machine", RunEnvironment.machine());
        report.put("versions", RunEnvironment.versions());
        report.put("time", Instant.now().toString());
        return report;
    }

    @SuppressWarnings("unchecked")
    private void printTable(Map<String, Object> report) {
        Map<String, Object> summary = (Map<String, Object>) report.get("summary");
        out.println("soak summary:");
        summary.forEach((k, v) -> out.printf("  %-26s %s%n", k, v));
    }

    private IllegalStateException failure(Path outDir, List<Sample> series, String message) throws IOException {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("summary", Map.of("passed", false, "failure", message, "peaks", peaks(series)));
        report.put("seriesColumns", SERIES_COLUMNS);
        report.put("series", series.stream().map(Sample::row).toList());
        write(outDir, report);
        return new IllegalStateException("soak failed: " + message);
    }

    private static void write(Path outDir, Map<String, Object> report) throws IOException {
        Files.createDirectories(outDir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(outDir.resolve("soak.json").toFile(), report);
    }

    /** The job's committed offset on the frames partition; -1 before its first checkpoint or when the lookup fails. */
    private static long committedOffset(Admin admin, TopicPartition partition) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(RUN_ID)
                    .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
            OffsetAndMetadata o = offsets.get(partition);
            return o == null ? -1 : o.offset();
        } catch (Exception e) {
            return -1;
        }
    }

    private static double heapUsedMb() {
        return BenchRunner.round(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024.0 / 1024.0, 1);
    }

    /** Heap used right after a full collection: the live data, without garbage not yet collected. */
    private static double liveHeapMb() {
        System.gc();
        return heapUsedMb();
    }
}
