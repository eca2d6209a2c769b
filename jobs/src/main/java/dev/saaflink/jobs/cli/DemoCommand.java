package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.demo.DemoRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code saa demo}: the whole system on this machine, on the bundled samples or a folder of images. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start an in-process Kafka broker and a local Flink MiniCluster, publish images, run the "
                + "inspection job with the real SAM model, print one line per frame and write overlays and summary.json."})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dataset", paramLabel = "DIR",
            description = "Images to inspect: <category>/images/<name> layout or a flat folder. "
                    + "Default: the bundled magnetic-tile samples (inspected as category mtd) plus one corrupt file.")
    Path dataset;

    @Option(names = "--category", paramLabel = "C", description = "Inspect every image as category C.")
    String category;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/demo",
            description = "Where overlays and summary.json go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Inspect at most N images (0 = all).")
    int limit;

    @Mixin
    PipelineOptions pipeline;

    @Override
    public Integer call() throws Exception {
        Path data = dataset;
        String cat = category;
        List<Path> corrupt = List.of();
        if (data == null) {
            Path samples = Path.of(System.getProperty("saa.home", ".")).resolve("samples");
            data = samples.resolve("mtd");
            cat = cat == null ? "mtd" : cat;
            Path broken = samples.resolve("corrupt").resolve("broken.jpg");
            corrupt = Files.exists(broken) ? List.of(broken) : List.of();
        }
        if (!Files.isDirectory(data)) {
            throw new IllegalArgumentException("dataset folder not found: " + data.toAbsolutePath());
        }
        new DemoRunner(pipeline.settings(), System.out).run(data, cat, corrupt, out, limit);
        return 0;
    }
}
