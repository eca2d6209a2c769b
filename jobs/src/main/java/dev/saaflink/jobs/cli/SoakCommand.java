package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.bench.SoakRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code saa soak}: a bounded overload run; backpressure, bounded memory, the drain, nothing lost. */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = {"Overload the job for a fixed time on loopback (in-process Kafka + local Flink, checkpoints and "
                + "transactional sinks as in production): frames are published at --rate for --minutes, above the "
                + "job's capacity, then the backlog drains. Samples lag, in-flight frames, heap and RSS every second; "
                + "passes when every frame has exactly one output within the drain limit (max(5 min, 2x the backlog "
                + "at the measured rate)). Prints a summary and writes soak.json (summary + per-second series) to --out.",
                "Long: not part of CI."},
        footer = {"", "Example:", "  saa soak --minutes 3 --rate 2 --out out/soak"})
public final class SoakCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--minutes", paramLabel = "M", defaultValue = "3",
            description = "Length of the burst in minutes (default: ${DEFAULT-VALUE}); the drain comes after it.")
    double minutes;

    @Option(names = "--rate", paramLabel = "FPS", defaultValue = "2",
            description = "Frames per second during the burst; above the job's capacity to overload it "
                    + "(default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--dataset", paramLabel = "DIR", defaultValue = "samples/mtd",
            description = "Images to publish, cycled with unique frame ids (default: ${DEFAULT-VALUE}).")
    Path dataset;

    @Option(names = "--category", paramLabel = "C", description = "Category for every frame (e.g. mtd).")
    String category;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/soak",
            description = "Where soak.json goes (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    PipelineOptions pipeline;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dataset)) {
            throw new ParameterException(spec.commandLine(), "--dataset: no such folder: " + dataset.toAbsolutePath());
        }
        if (!(minutes > 0) || !(rate > 0)) {
            throw new ParameterException(spec.commandLine(), "--minutes and --rate must be positive");
        }
        if (pipeline.parallelism() != 1) {
            throw new ParameterException(spec.commandLine(), "soak runs one job subtask on a one-partition topic; "
                    + "--parallelism must be 1");
        }
        new SoakRunner(pipeline.settings(), System.out).run(dataset, category, minutes, rate, out);
        return 0;
    }
}
