package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.eval.OfflineScorer;
import dev.saaflink.jobs.ingest.DatasetSplit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code saa score}: score saved anomaly maps against a dataset's masks, offline. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score anomaly maps saved as files (16-bit or 8-bit grayscale PNG, or float32/float64 .npy) "
                + "against a dataset's masks with the reference protocol (maps bilinear and masks nearest to 400x400, "
                + "images of a category pooled, image score = max of the map) and write a JSON report.",
                "Maps are <maps>/<folder>/<name>.png|.npy for <masks>/<folder>/images/<name>.<ext>, or, in a folder "
                        + "without images/, for each <masks>/<folder>/masks/<name>.png; all maps must share one value "
                        + "scale."})
public final class ScoreCommand implements Callable<Integer> {

    @Option(names = "--maps", required = true, paramLabel = "DIR",
            description = "Folder of maps: <folder>/<name>.png or .npy, folders and names as in the dataset.")
    Path maps;

    @Option(names = "--masks", required = true, paramLabel = "DIR",
            description = "Dataset folder: <folder>/images/<name>.<ext> with <folder>/masks/<name>.png. In a folder "
                    + "with masks/, an image without a mask file is defect-free; folders without masks/ are skipped. "
                    + "A folder with masks/ but no images/ is scored from its masks alone (one image per mask).")
    Path masks;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The JSON report to write.")
    Path out;

    @Option(names = "--mask-threshold", paramLabel = "T", defaultValue = "127",
            description = "A mask pixel is a defect when its value (0..255) is above T (default ${DEFAULT-VALUE}).")
    int maskThreshold;

    @Option(names = "--category", paramLabel = "C",
            description = "Score every folder as category C (e.g. mtd: the defect-type folders pooled, as SAA+ does);"
                    + " maps may then also be in <maps>/C/.")
    String category;

    @Option(names = "--split", paramLabel = "all|tune|validate", defaultValue = "all",
            description = "Score only one half of the dataset: 'tune' (settings are chosen there) or 'validate' "
                    + "(figures are reported there), split by SHA-256 of '<folder>/<name>' (see README); default all.")
    String split;

    @Option(names = "--allow-missing",
            description = "Score the images that have a map instead of failing when some have none.")
    boolean allowMissing;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(masks)) {
            throw new IllegalArgumentException("dataset folder not found: " + masks.toAbsolutePath());
        }
        new OfflineScorer(maskThreshold, allowMissing, System.out).score(maps, masks, category, out,
                DatasetSplit.parse(split));
        return 0;
    }
}
