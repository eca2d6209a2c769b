package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.eval.EvalRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code saa eval}: replay a labelled dataset through the real job and score it. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Publish a labelled dataset with its ground truth to an in-process broker, replay it through "
                + "the inspection job and write report.json (pixel/image metrics in percent, reference protocol)."})
public final class EvalCommand implements Callable<Integer> {

    @Option(names = "--dataset", required = true, paramLabel = "DIR",
            description = "Dataset folder: <category-or-type>/images/<name> with <...>/masks/<name>.png.")
    Path dataset;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where report.json goes.")
    Path out;

    @Option(names = "--category", paramLabel = "C",
            description = "Evaluate every image as category C (e.g. mtd: the defect-type folders pooled, as SAA+ does).")
    String category;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "At most N images, taken round-robin over the sub-folders (0 = all).")
    int limit;

    @Option(names = "--mask-threshold", paramLabel = "T", defaultValue = "127",
            description = "A mask pixel is a defect when its value is above T (default ${DEFAULT-VALUE}, for MTD's "
                    + "anti-aliased masks; use 0 for masks that hold class indices).")
    int maskThreshold;

    @Option(names = "--save-maps", paramLabel = "DIR",
            description = "Also write every frame's 400x400 map as a 16-bit PNG under DIR, in the dataset's folder "
                    + "layout, for './saa score'.")
    Path saveMaps;

    @Mixin
    PipelineOptions pipeline;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dataset)) {
            throw new IllegalArgumentException("dataset folder not found: " + dataset.toAbsolutePath());
        }
        new EvalRunner(pipeline.settings(), System.out, maskThreshold)
                .run(dataset, category, out, limit, pipeline.parallelism(), saveMaps);
        return 0;
    }
}
