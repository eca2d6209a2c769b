package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.eval.EvalRunner;
import dev.saaflink.jobs.eval.RepeatedEval;
import dev.saaflink.jobs.ingest.DatasetSplit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code saa eval}: replay a labelled dataset through the real job and score it. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Replay labelled frames through the inspection job and write report.json (pixel, region and "
                + "image metrics in percent, reference protocol). The frames come either from a dataset folder, "
                + "published to an in-process broker, or from a topic recorded with "
                + "'./saa ingest --with-ground-truth' on any Kafka cluster (--bootstrap-servers and --topic), read "
                + "up to its end offsets at start."},
        footer = {"", "Examples:",
                "  saa eval --dataset ../shared/data/mtd --category mtd --out out/eval-mtd",
                "  saa eval --dataset ../shared/data/mtd --category mtd --split validate --repeat-orders 3 "
                        + "--out out/eval-mtd-validate",
                "  saa eval --bootstrap-servers broker:9092 --topic mtd-recorded --out out/eval-replay"})
public final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", paramLabel = "DIR",
            description = "Dataset folder: <category-or-type>/images/<name> with <...>/masks/<name>.png.")
    Path dataset;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--topic", paramLabel = "TOPIC",
            description = "Recorded frames topic to replay (with --bootstrap-servers) instead of a dataset folder.")
    String topic;

    @Option(names = "--keep-output-topics",
            description = "With --topic: keep the two topics the replay writes its events and dead letters to "
                    + "(named saa-eval-<time>-events/-dead-letters) instead of deleting them.")
    boolean keepOutputTopics;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where report.json goes.")
    Path out;

    @Option(names = "--category", paramLabel = "C",
            description = "Evaluate every image as category C (e.g. mtd: the defect-type folders pooled, as SAA+ does).")
    String category;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "At most N images, taken round-robin over the sub-folders (0 = all).")
    int limit;

    @Mixin
    OrderOptions order;

    @Option(names = "--split", paramLabel = "all|tune|validate", defaultValue = "all",
            description = "With --dataset: evaluate only one half: 'tune' (choose settings there) or 'validate' "
                    + "(report figures there); an image's half is fixed by SHA-256 of '<folder>/<name>' (see README). "
                    + "Default all.")
    String split;

    @Option(names = "--repeat-orders", paramLabel = "N", defaultValue = "0",
            description = "With --dataset: evaluate N shuffled orders (seeds --seed .. --seed+N-1) and the sorted "
                    + "order, one after the other, each into <out>/<run>/, and write <out>/report.json with every "
                    + "run's metrics and their mean, std, min and max (0 = one run in --order; default).")
    int repeatOrders;

    @Option(names = "--mask-threshold", paramLabel = "T", defaultValue = "127",
            description = "A mask pixel is a defect when its value is above T (default ${DEFAULT-VALUE}, for MTD's "
                    + "anti-aliased masks; use 0 for masks that hold class indices).")
    int maskThreshold;

    @Option(names = "--labels", paramLabel = "masks|folders", defaultValue = "masks",
            description = "Ground truth: 'masks' (pixel masks, every metric; default) or 'folders' (image labels from "
                    + "folder names: good, free, ok and normal are defect-free, any other folder a defect type; image "
                    + "metrics only, e.g. for MVTec test folders without masks).")
    EvalRunner.Labels labels;

    @Option(names = "--save-maps", paramLabel = "DIR",
            description = "Also write every frame's 400x400 map as a 16-bit PNG under DIR, in the dataset's folder "
                    + "layout, for './saa score'.")
    Path saveMaps;

    @Option(names = "--save-events", paramLabel = "DIR",
            description = "Also write every event (map and regions, Avro single-object encoding) to "
                    + "DIR/<folder>/<name>.avro, for replaying fusion variants offline.")
    Path saveEvents;

    @Mixin
    PipelineOptions pipeline;

    @Override
    public Integer call() throws Exception {
        boolean fromTopic = topic != null || kafka.given();
        if (fromTopic == (dataset != null)) {
            throw new ParameterException(spec.commandLine(),
                    "give either --dataset DIR or --bootstrap-servers B --topic T (a recorded topic)");
        }
        DatasetSplit half;
        try {
            half = DatasetSplit.parse(split);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (repeatOrders < 0) {
            throw new ParameterException(spec.commandLine(), "--repeat-orders must be >= 0, got " + repeatOrders);
        }
        EvalRunner runner = new EvalRunner(pipeline.settings(), System.out, maskThreshold, labels).split(half)
                .saveEvents(saveEvents);
        if (fromTopic) {
            if (topic == null || category != null || limit != 0 || half != DatasetSplit.ALL || repeatOrders != 0) {
                throw new ParameterException(spec.commandLine(), "a replay takes --bootstrap-servers and --topic, and "
                        + "replays the whole recording as recorded (no --category, --limit, --split or "
                        + "--repeat-orders)");
            }
            runner.replay(kafka.bootstrapServers(), kafka.clientProperties(), topic, out, pipeline.parallelism(),
                    saveMaps, keepOutputTopics);
        } else {
            if (!Files.isDirectory(dataset)) {
                throw new ParameterException(spec.commandLine(), "--dataset: no such folder: " + dataset.toAbsolutePath());
            }
            if (repeatOrders > 0) {
                if (spec.commandLine().getParseResult().hasMatchedOption("--order")) {
                    throw new ParameterException(spec.commandLine(), "--repeat-orders runs the shuffled orders and "
                            + "the sorted one; give --seed for the first seed, not --order");
                }
                order.order(); // checks --seed
                RepeatedEval.run(runner, dataset, category, out, limit, pipeline.parallelism(), saveMaps,
                        order.seed(), repeatOrders, System.out);
            } else {
                runner.run(dataset, category, out, limit, pipeline.parallelism(), saveMaps, order.order(),
                        order.seed());
            }
        }
        return 0;
    }
}
