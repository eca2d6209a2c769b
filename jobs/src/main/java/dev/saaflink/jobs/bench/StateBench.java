package dev.saaflink.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.saaflink.jobs.LocalFlink;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.eval.EvalRunner;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.sam.SamEncoder;
import dev.saaflink.models.sam.SamModelFiles;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.context.Fp16;
import dev.saaflink.operators.context.StreamContextScorer;
import dev.saaflink.operators.context.StreamMemory;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.flink.SamEncoderFunction;
import dev.saaflink.operators.flink.StreamContextFunction;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code saa bench --cameras N,...}: what the stream-context memory costs in Flink state and checkpoints as the
 * number of cameras grows (issue 14). The whole job cannot reach a steady state here: 64 cameras × 16 memory frames
 * need 1024 frames before the first memory is full, hours of SAM on a CPU. So the benchmark encodes a few real frames
 * of the dataset with the SAM encoder once, then replays their embeddings round-robin over N camera ids through the
 * job's own keyed stream-context operator ({@link StreamContextFunction}) in a MiniCluster with the job's state
 * backend (RocksDB, incremental checkpoints, {@link LocalFlink#rocksDbIncremental}) and a checkpoint every second.
 * Each frame does the operator's state work (read the ring and every slot, write its slot and the ring); the scoring
 * itself is skipped (it does not touch state, and at full memory it costs seconds per frame on a CPU).
 *
 * <p>Per N, from the checkpoint statistics of the JobManager (the numbers the REST API serves under
 * {@code /jobs/:id/checkpoints}), over the checkpoints triggered once every camera's memory is full (steady state):
 * {@code checkpointBytesMean}/{@code checkpointBytesMax} (what a checkpoint wrote: the incremental size),
 * {@code checkpointMsP99} (end to end), {@code stateBytesTotal} (the full state the last checkpoint refers to);
 * {@code heapPeakMb} (heap pools' peak, reset per N) and {@code framesPerSecond} (steady-state frames over their
 * time).
 */
public final class StateBench {

    /** Checkpoint interval of the benchmark job. */
    static final long CHECKPOINT_MILLIS = 1000;

    /** The frames to replay; set before each job, read by {@link FrameAt} in the MiniCluster (same JVM). */
    private static volatile List<FrameInProgress> templates = List.of();
    /** When the frame that completes every memory was emitted (steady state starts); 0 before. */
    private static volatile long steadyFromMillis;

    private final PipelineSettings settings;
    private final PrintStream out;
    /** Also log state changes (Flink's changelog state backend over the RocksDB one), materialised every 10 min. */
    private boolean changelog;

    public StateBench(PipelineSettings settings, PrintStream out) {
        this.settings = settings.validate();
        this.out = out;
    }

    /** Seconds between materialisations of the changelog backend; 0: Flink's default (10 min). */
    private long materializeSeconds;

    /** Runs with the changelog state backend on top of RocksDB (checkpoints carry the state changes). */
    public StateBench withChangelog(boolean on, long materializeSeconds) {
        this.changelog = on;
        this.materializeSeconds = materializeSeconds;
        return this;
    }

    /**
     * @param steadyFps frames per second in steady state (0: as fast as the operator goes); the fill before it always
     *     runs unpaced. A paced run shows what a checkpoint writes for a given number of frames per interval.
     */
    public Map<String, Object> run(Path dataset, String category, int distinctFrames, List<Integer> cameraCounts,
                                   double steadyFps, Path outDir) throws Exception {
        List<DatasetItem> items = BenchRunner.images(dataset, category, distinctFrames);
        if (items.isEmpty()) {
            throw new IllegalArgumentException("no images under " + dataset);
        }
        out.printf("bench --cameras: encoding %d real frames of %s once%n", items.size(), dataset);
        templates = encode(new BenchRunner(settings, out).decodeAll(items,
                new FrameFactory(FrameFactory.DEFAULT_CAMERA_ID, false)));

        StreamContextConfig context = settings.inspection.getStreamContext();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("mode", "state: real frames' SAM embeddings replayed round-robin over N camera ids through the "
                + "keyed stream-context operator (scoring skipped) in a MiniCluster, RocksDB with incremental "
                + "checkpoints every " + CHECKPOINT_MILLIS + " ms; figures over the checkpoints triggered after "
                + "every camera's memory was full");
        report.put("dataset", dataset.toString());
        report.put("distinctFrames", templates.size());
        report.put("steadyFps", steadyFps > 0 ? steadyFps : "unpaced");
        report.put("changelog", changelog);
        if (changelog) {
            report.put("materializeIntervalS", materializeSeconds > 0 ? materializeSeconds : "Flink default (600)");
        }
        report.put("memoryFrames", context.getMemoryFrames());
        report.put("patchesPerFrame", context.getPatchesPerFrame());
        report.put("slotBytes", 2L * templates.get(0).embedding.channels * context.getPatchesPerFrame());
        report.put("fp16VsFp32", fp16VsFp32(context));
        Map<String, Object> perN = new LinkedHashMap<>();
        for (int n : cameraCounts) {
            Map<String, Object> r = runCameras(n, context.getMemoryFrames(), steadyFps);
            perN.put(String.valueOf(n), r);
            out.printf("bench --cameras %d: %s%n", n, r);
        }
        report.put("cameras", perN);
        Files.createDirectories(outDir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(outDir.resolve("bench.json").toFile(), report);
        out.println(json.writeValueAsString(report));
        return report;
    }

    /**
     * What storing the memory in fp16 changes in the scores: the distinct frames, in order, through the job's scorer
     * twice, one memory kept in floats and one whose every stored frame is rounded to fp16 as the state holds it;
     * the cell scores of the frames scored against the memory (not warming up) are compared.
     */
    private Map<String, Object> fp16VsFp32(StreamContextConfig context) throws Exception {
        double maxAbs = 0;
        double sumAbs = 0;
        double sumScore = 0;
        long cells = 0;
        int frames = 0;
        try (StreamContextScorer scorer = StreamContextScorer.open(context, settings.saliencyBackend,
                SamEncoderFunction.sessionSettings(settings))) {
            int channels = templates.get(0).embedding.channels;
            StreamMemory exact = scorer.newMemory(channels);
            StreamMemory rounded = scorer.newMemory(channels);
            for (FrameInProgress t : templates) {
                StreamContextScorer.Scored a = scorer.scoreAndRemember(t.embedding, exact);
                StreamContextScorer.Scored b = scorer.scoreAndRemember(t.embedding, rounded);
                int size = rounded.channels * rounded.perFrame;
                int slot = Math.floorMod(rounded.next - 1, rounded.capacity);
                Fp16.decode(Fp16.encode(rounded.data, slot * size, size), rounded.data, slot * size, size);
                if (a.warmingUp()) {
                    continue;
                }
                frames++;
                for (int i = 0; i < a.grid().length; i++) {
                    double d = Math.abs(a.grid()[i] - b.grid()[i]);
                    maxAbs = Math.max(maxAbs, d);
                    sumAbs += d;
                    sumScore += a.grid()[i];
                    cells++;
                }
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("framesCompared", frames);
        r.put("cellsCompared", cells);
        r.put("meanCellScore", BenchRunner.round(sumScore / Math.max(1, cells), 6));
        r.put("maxAbsScoreDiff", maxAbs);
        r.put("meanAbsScoreDiff", sumAbs / Math.max(1, cells));
        out.printf("bench --cameras: fp16 vs fp32 memory: %s%n", r);
        return r;
    }

    /** SAM embeddings of the frames; the pixels are dropped (the operator reads only the embedding). */
    private List<FrameInProgress> encode(List<FrameInProgress> decoded) throws Exception {
        SamModelFiles files = settings.inspection.getSam().files();
        List<FrameInProgress> out = new ArrayList<>(decoded.size());
        try (SamEncoder encoder = SamEncoder.open(files.encoder(), files.encoderManifest(),
                SamEncoderFunction.sessionSettings(settings), settings.inspection.getSam().encoderVariant())) {
            for (FrameInProgress f : decoded) {
                FrameInProgress work = f.copy();
                SamEncoderFunction.encode(work, encoder, settings);
                if (work.failed()) {
                    throw new IllegalStateException("encoding " + f.frame.frameId + " failed: " + work.failure);
                }
                DecodedFrame small = new DecodedFrame();
                small.category = f.frame.category;
                small.image = new RgbImage(1, 1, new byte[3]);
                work.frame = small;
                out.add(work);
            }
        }
        return out;
    }

    private Map<String, Object> runCameras(int cameras, int memoryFrames, double steadyFps) throws Exception {
        long fill = (long) cameras * memoryFrames;
        long steadyFrames = steadyFps > 0 ? Math.max(4L * cameras, 240) : Math.max(16L * cameras, 240);
        long total = fill + steadyFrames;
        steadyFromMillis = 0;
        Path checkpoints = Files.createTempDirectory("saa-bench-state-");
        Configuration conf = new Configuration();
        LocalFlink.rocksDbIncremental(conf);
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(WebOptions.CHECKPOINTS_HISTORY_SIZE, 100_000);
        if (changelog) {
            LocalFlink.changelog(conf, checkpoints); // what saa inspect runs
            if (materializeSeconds > 0) {
                conf.setString("state.changelog.periodic-materialize.interval", materializeSeconds + "s");
            }
        }
        conf.set(RestOptions.BIND_PORT, "0"); // any free port: the figures are read in process, not over REST
        BenchRunner.resetPeakHeap();
        MiniClusterConfiguration mc = new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(1).build();
        try (MiniCluster cluster = new MiniCluster(mc)) {
            cluster.start();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(1);
            LocalFlink.configure(env, CHECKPOINT_MILLIS);
            env.fromSequence(0, total - 1)
                    .map(new FrameAt(cameras, fill, steadyFps)).returns(FrameInProgress.class).name("replay")
                    .keyBy(StreamContextFunction::key, Types.STRING)
                    .process(new StreamContextFunction(settings, false)).returns(FrameInProgress.class)
                    .name("stream-context")
                    .sinkTo(new DiscardingSink<>());
            JobID job = cluster.submitJob(env.getStreamGraph()).get().getJobID();
            CompletableFuture<JobResult> result = cluster.requestJobResult(job);
            Map<Long, AbstractCheckpointStats> seen = new TreeMap<>();
            while (!result.isDone()) {
                collect(cluster, job, seen);
                Thread.sleep(200);
            }
            long endMillis = System.currentTimeMillis();
            JobResult r = result.get();
            if (!r.isSuccess()) {
                throw new IllegalStateException("benchmark job failed", r.getSerializedThrowable()
                        .map(t -> t.deserializeError(getClass().getClassLoader())).orElse(null));
            }
            collect(cluster, job, seen);
            return figures(cameras, seen, steadyFrames, endMillis);
        } finally {
            deleteQuietly(checkpoints);
        }
    }

    private static void collect(MiniCluster cluster, JobID job, Map<Long, AbstractCheckpointStats> seen) {
        try {
            AccessExecutionGraph graph = cluster.getExecutionGraph(job).get(10, TimeUnit.SECONDS);
            for (AbstractCheckpointStats c : graph.getCheckpointStatsSnapshot().getHistory().getCheckpoints()) {
                if (c.getStatus() == CheckpointStatsStatus.COMPLETED) {
                    seen.put(c.getCheckpointId(), c);
                }
            }
        } catch (Exception e) {
            // the job just finished or is not yet running: the next poll (or the final one) catches up
        }
    }

    private Map<String, Object> figures(int cameras, Map<Long, AbstractCheckpointStats> seen, long steadyFrames,
                                        long endMillis) {
        long steadyFrom = steadyFromMillis;
        List<AbstractCheckpointStats> steady = seen.values().stream()
                .filter(c -> steadyFrom > 0 && c.getTriggerTimestamp() >= steadyFrom)
                .sorted(Comparator.comparingLong(AbstractCheckpointStats::getCheckpointId)).toList();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("frames", (long) cameras * settings.inspection.getStreamContext().getMemoryFrames() + steadyFrames);
        r.put("checkpointsAll", seen.size());
        r.put("framesPerCheckpointInterval", BenchRunner.round(steadyFrames * CHECKPOINT_MILLIS
                / (double) Math.max(1, endMillis - steadyFrom), 2));
        r.put("checkpointsSteady", steady.size());
        if (steady.isEmpty()) {
            r.put("note", "no checkpoint completed in steady state; run with more frames");
        } else {
            double mean = steady.stream().mapToLong(AbstractCheckpointStats::getCheckpointedSize).average().orElse(0);
            long max = steady.stream().mapToLong(AbstractCheckpointStats::getCheckpointedSize).max().orElse(0);
            List<Double> ms = steady.stream().map(c -> (double) c.getEndToEndDuration()).toList();
            long total = steady.get(steady.size() - 1).getStateSize();
            r.put("checkpointBytesMean", Math.round(mean));
            r.put("checkpointBytesMax", max);
            r.put("checkpointMsP99", EvalRunner.percentile(new ArrayList<>(ms), 99));
            r.put("stateBytesTotal", total);
            r.put("checkpointShareOfState", BenchRunner.round(mean / Math.max(1, total), 4));
        }
        r.put("heapPeakMb", BenchRunner.peakHeapMb());
        r.put("framesPerSecond", steadyFrom > 0
                ? BenchRunner.round(steadyFrames * 1000.0 / Math.max(1, endMillis - steadyFrom), 2) : Double.NaN);
        return r;
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            // a temp folder left behind
        }
    }

    /** Frame i of the replay: template i mod K, camera i mod N; marks the start of the steady state. */
    static final class FrameAt implements MapFunction<Long, FrameInProgress> {
        private static final long serialVersionUID = 1L;
        private final int cameras;
        private final long fill;
        private final double steadyFps;

        FrameAt(int cameras, long fill, double steadyFps) {
            this.cameras = cameras;
            this.fill = fill;
            this.steadyFps = steadyFps;
        }

        @Override
        public FrameInProgress map(Long i) throws InterruptedException {
            if (steadyFps > 0 && i > fill && steadyFromMillis > 0) {
                long due = steadyFromMillis + Math.round((i - fill) * 1000 / steadyFps);
                long wait = due - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
            }
            List<FrameInProgress> t = templates;
            FrameInProgress template = t.get((int) (i % t.size()));
            FrameInProgress p = template.copy();
            DecodedFrame f = new DecodedFrame();
            f.cameraId = "cam-" + (i % cameras);
            f.frameId = "f-" + i;
            f.category = template.frame.category;
            f.image = template.frame.image;
            p.frame = f;
            if (i == fill) {
                steadyFromMillis = System.currentTimeMillis();
            }
            return p;
        }
    }
}
