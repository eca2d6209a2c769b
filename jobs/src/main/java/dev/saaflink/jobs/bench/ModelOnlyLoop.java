package dev.saaflink.jobs.bench;

import dev.saaflink.jobs.InspectionJob;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.context.StreamContextScorer;
import dev.saaflink.operators.context.StreamMemory;
import dev.saaflink.operators.flink.StreamContextFunction;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.stages.DetectorStage;
import dev.saaflink.operators.stages.EncoderStage;
import dev.saaflink.operators.stages.FeaturesStage;
import dev.saaflink.operators.stages.FusionStage;
import dev.saaflink.operators.stages.SegmentationStage;
import dev.saaflink.operators.stages.StageSessions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models without the job: the same per-frame work the job's model stages run, on the same stage objects (SAM
 * encoder, and beside it the fan-out's detector and features branches when configured; saliency, region
 * proposals, property filter and one SAM decoder call per box; rescoring, top-K and fusion), on frames decoded
 * beforehand, with the same threads: one thread per model stage (as {@code modelWorkerThreads = 1} gives the job),
 * the same ONNX Runtime intra-op threads, and a hand-off queue as deep as the job's async capacity. No Kafka, no
 * Avro, no Flink, no event encoding: what is left is the floor the job's throughput is compared against.
 */
final class ModelOnlyLoop {

    /** One frame's completion time and stage times. */
    record Completed(long endNanos, Map<String, Double> stageMs) {}

    private static final FrameInProgress END = new FrameInProgress();

    private final PipelineSettings settings;

    ModelOnlyLoop(PipelineSettings settings) {
        this.settings = settings;
    }

    /** Runs every frame through the stages (on copies) and returns their completions in order of completion. */
    List<Completed> run(List<FrameInProgress> frames) throws Exception {
        if (settings.modelWorkerThreads != 1) {
            throw new IllegalArgumentException("the bare loop mirrors one worker thread per model stage; got "
                    + settings.modelWorkerThreads);
        }
        SessionSettings session = StageSessions.of(settings);
        SegmentationStage segmentation = new SegmentationStage(InspectionJob.regionGenerator(settings),
                settings.decoderSkipBelow);
        List<String> branches = InspectionJob.fanOutBranches(settings);
        // The same stage objects the job's operators run; the image-only branches of the job's fan-out each on a
        // thread of their own, concurrently with the encoder, as the job's branch operators run.
        try (EncoderStage encoder = EncoderStage.open(settings, session, null);
             DetectorStage detector = branches.contains(DetectorStage.STAGE)
                     ? DetectorStage.open(settings, settings.deviceId) : null;
             FeaturesStage features = branches.contains(FeaturesStage.STAGE)
                     ? FeaturesStage.open(settings, session) : null;
             StreamContextScorer streamContext = StreamContextScorer.open(settings.inspection.getStreamContext(),
                     settings.saliencyBackend, session)) {
            AtomicInteger n = new AtomicInteger();
            ExecutorService threads = Executors.newFixedThreadPool(2 + branches.size() - 1,
                    r -> new Thread(r, "bench-model-" + n.incrementAndGet()));
            segmentation.open(settings, session);
            try {
                return run(frames, encoder, detector, features, streamContext, segmentation, threads);
            } finally {
                segmentation.close();
                // Stop the threads before the sessions close under them (only on a failure are they still busy).
                threads.shutdownNow();
                threads.awaitTermination(1, TimeUnit.MINUTES);
            }
        }
    }

    private List<Completed> run(List<FrameInProgress> frames, EncoderStage encoder, DetectorStage detector,
                                FeaturesStage features, StreamContextScorer streamContext,
                                SegmentationStage segmentation, ExecutorService threads)
            throws Exception {
        BlockingQueue<FrameInProgress> handOff = new ArrayBlockingQueue<>(settings.asyncCapacity);
        Future<?> encoding = threads.submit(() -> {
            try {
                for (FrameInProgress frame : frames) {
                    FrameInProgress work = frame.copy();
                    // Each branch on its own copy, as the job's async operators work on theirs; joined after.
                    FrameInProgress detected = frame.copy();
                    FrameInProgress featured = frame.copy();
                    Future<?> d = detector == null ? null : threads.submit(() -> {
                        detector.apply(detected);
                        return null;
                    });
                    Future<?> f = features == null ? null : threads.submit(() -> {
                        features.apply(featured);
                        return null;
                    });
                    encoder.apply(work);
                    if (d != null) {
                        d.get();
                        work.detected = detected.detected;
                        work.stageMs.putAll(detected.stageMs);
                    }
                    if (f != null) {
                        f.get();
                        work.featureGrid = featured.featureGrid;
                        work.stageMs.putAll(featured.stageMs);
                    }
                    handOff.put(work);
                }
            } finally {
                handOff.put(END);
            }
            return null;
        });
        Future<List<Completed>> segmenting = threads.submit(() -> {
            List<Completed> done = new ArrayList<>(frames.size());
            StreamContextConfig context = settings.inspection.getStreamContext();
            Map<String, StreamMemory> memories = new HashMap<>();
            for (FrameInProgress work = handOff.take(); work != END; work = handOff.take()) {
                if (context.isEnabled()) {
                    // The job's keyed stream-context operator, on this thread: one memory per camera and category.
                    String key = StreamContextFunction.key(work);
                    memories.put(key, streamContext.apply(work, memories.get(key)));
                }
                segmentation.apply(work);
                FrameRegions regions = FrameRegions.of(work);
                long t0 = System.nanoTime();
                FusionStage.fuse(regions, regions.config, settings.inspection.getAlgorithm(),
                        settings.inspection.getAnomalyMap());
                Map<String, Double> stageMs = new LinkedHashMap<>(regions.stageMs);
                stageMs.put("fusion", (System.nanoTime() - t0) / 1e6);
                done.add(new Completed(System.nanoTime(), stageMs));
            }
            return done;
        });
        List<Completed> done = segmenting.get();
        encoding.get();
        return done;
    }
}
