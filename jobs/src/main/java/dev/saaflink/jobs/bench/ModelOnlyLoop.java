package dev.saaflink.jobs.bench;

import dev.saaflink.jobs.InspectionJob;
import dev.saaflink.models.sam.SamDecoder;
import dev.saaflink.models.sam.SamEncoder;
import dev.saaflink.models.sam.SamModelFiles;
import dev.saaflink.models.wrn.WideResNetFeatures;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.context.StreamContextScorer;
import dev.saaflink.operators.context.StreamMemory;
import dev.saaflink.operators.flink.SamEncoderFunction;
import dev.saaflink.operators.flink.SegmentationFunction;
import dev.saaflink.operators.flink.StreamContextFunction;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.saa.SaliencyComputer;
import dev.saaflink.operators.stages.FusionStage;
import dev.saaflink.operators.stages.SegmentationStage;

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
 * The models without the job: the same per-frame work the job's model stages run (SAM encoder; saliency, region
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
        SamModelFiles files = settings.inspection.getSam().files();
        SegmentationStage segmentation = new SegmentationStage(InspectionJob.regionGenerator(settings),
                settings.decoderSkipBelow);
        try (SamEncoder encoder = SamEncoder.open(files.encoder(), files.encoderManifest(),
                SamEncoderFunction.sessionSettings(settings), settings.inspection.getSam().encoderVariant());
             SamDecoder decoder = SamDecoder.open(files.decoder(), files.decoderManifest(),
                     SamEncoderFunction.sessionSettings(settings));
             SaliencyComputer saliency = settings.saliencyBackend.open(SamEncoderFunction.sessionSettings(settings));
             StreamContextScorer streamContext = StreamContextScorer.open(settings.inspection.getStreamContext(),
                     settings.saliencyBackend, SamEncoderFunction.sessionSettings(settings));
             // null (nothing to close) unless the config names WideResNet50 saliency features
             WideResNetFeatures wideResNet = SegmentationFunction.openSaliencyFeatures(settings)) {
            AtomicInteger n = new AtomicInteger();
            ExecutorService threads = Executors.newFixedThreadPool(2,
                    r -> new Thread(r, "bench-model-" + n.incrementAndGet()));
            segmentation.open();
            try {
                return run(frames, encoder, decoder, saliency, wideResNet, streamContext, segmentation, threads);
            } finally {
                segmentation.close();
                // Stop both threads before the sessions close under them (only on a failure are they still busy).
                threads.shutdownNow();
                threads.awaitTermination(1, TimeUnit.MINUTES);
            }
        }
    }

    private List<Completed> run(List<FrameInProgress> frames, SamEncoder encoder, SamDecoder decoder,
                                SaliencyComputer saliency, WideResNetFeatures wideResNet,
                                StreamContextScorer streamContext, SegmentationStage segmentation,
                                ExecutorService threads)
            throws Exception {
        BlockingQueue<FrameInProgress> handOff = new ArrayBlockingQueue<>(settings.asyncCapacity);
        Future<?> encoding = threads.submit(() -> {
            try {
                for (FrameInProgress frame : frames) {
                    FrameInProgress work = frame.copy();
                    SamEncoderFunction.encode(work, encoder, settings);
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
                SegmentationFunction.segment(work, settings, segmentation, decoder, saliency, wideResNet);
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
