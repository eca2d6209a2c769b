package dev.saaflink.jobs.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.DatasetSplit;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.jobs.ingest.FramePublisher;
import dev.saaflink.operators.context.MemoryRecords;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

/**
 * {@code saa memory seed|reset}: operator records for a camera's stream memory, published on the frames topic keyed by
 * camera so they keep their place among the camera's frames ({@link MemoryRecords} is the wire contract). A running
 * job acts on them as they arrive; nothing restarts.
 */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "Seed or reset a camera's stream memory in a running inspection job (streamContext enabled).",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {MemoryCommand.Seed.class, MemoryCommand.Reset.class})
public final class MemoryCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command (seed or reset)");
    }

    /** Options both commands share: where to publish and which memory (camera + category) to act on. */
    static final class Target {
        @Mixin
        KafkaOptions kafka;

        @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The job's frames topic.")
        String topic;

        @Option(names = "--camera", required = true, paramLabel = "ID", description = "Camera id (the record key).")
        String camera;

        @Option(names = "--category", required = true, paramLabel = "C",
                description = "Product category: the memory is kept per camera and category config.")
        String category;

        FramePublisher publisher() {
            return FramePublisher.builder(kafka.bootstrapServers(), topic)
                    .clientProperties(kafka.clientProperties()).build();
        }
    }

    @Command(name = "seed", mixinStandardHelpOptions = true,
            description = {"Publish known-good images as seed frames (attribute saa.memory=seed) of one camera: the job"
                    + " puts them into that camera's memory for the category without inspecting them (no events), so"
                    + " its first inspected frames are compared with good parts instead of warming up.",
                    "DIR is laid out as for 'saa ingest'. Images go in sorted order."},
            footer = {"", "Example:",
                    "  saa memory seed --bootstrap-servers localhost:9092 --topic frames --camera cam-0 --category mtd"
                            + " --dataset ../shared/data/mtd --subset free --split tune --limit 16"})
    static final class Seed implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Option(names = "--dataset", required = true, paramLabel = "DIR", description = "Folder of good images.")
        Path dataset;

        @Option(names = "--subset", paramLabel = "FOLDER",
                description = "Only the images of this folder of the dataset (e.g. free or good).")
        String subset;

        @Option(names = "--split", paramLabel = "all|tune|validate", defaultValue = "all",
                description = "Only this half of the dataset (see 'saa eval --split'; default: ${DEFAULT-VALUE}).")
        String split;

        @Option(names = "--limit", paramLabel = "N", description = "At most N images.")
        Integer limit;

        @Override
        public Integer call() throws Exception {
            List<Frame> frames = frames(spec, dataset, target.camera, target.category, subset, split, limit);
            try (FramePublisher publisher = target.publisher()) {
                for (Frame f : frames) {
                    publisher.publish(f);
                }
                publisher.flush();
                out(spec).println("memory seed: published " + publisher.acknowledged() + " seed frames of camera '"
                        + target.camera + "' (category " + target.category + ") to topic '" + target.topic + "'");
            }
            return 0;
        }
    }

    /**
     * The seed frames of a dataset folder: its images (sorted; of one subset folder and one split half when given) as
     * frames of {@code camera} and {@code category}, marked {@code saa.memory=seed}, without ground truth.
     */
    static List<Frame> frames(CommandSpec spec, Path dataset, String camera, String category, String subset,
                              String split, Integer limit) {
        if (!Files.isDirectory(dataset)) {
            throw new ParameterException(spec.commandLine(), "--dataset: no such folder: " + dataset);
        }
        if (limit != null && limit < 1) {
            throw new ParameterException(spec.commandLine(), "--limit must be 1 or more, got " + limit);
        }
        DatasetSplit half;
        List<DatasetItem> items;
        try {
            half = DatasetSplit.parse(split);
            items = new DatasetScanner().scan(dataset, category);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        items = half.apply(items).stream().filter(i -> subset == null || subset.equals(i.subset()))
                .sorted(java.util.Comparator.comparing(DatasetItem::source)).toList();
        if (limit != null && limit < items.size()) {
            items = items.subList(0, limit);
        }
        if (items.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "no images in " + dataset
                    + (subset == null ? "" : " folder " + subset) + " (" + half.describe() + ")");
        }
        FrameFactory factory = new FrameFactory(camera, false);
        List<Frame> out = new java.util.ArrayList<>();
        for (DatasetItem item : items) {
            Frame f;
            try {
                f = factory.create(item);
            } catch (IllegalArgumentException | UncheckedIOException e) {
                throw new ParameterException(spec.commandLine(), "cannot read " + item.source() + ": "
                        + e.getMessage());
            }
            if (f.getAttributes().containsKey(FrameFactory.ATTR_NOT_AN_IMAGE)) {
                throw new ParameterException(spec.commandLine(), item.source() + " is not an image ("
                        + f.getAttributes().get(FrameFactory.ATTR_NOT_AN_IMAGE) + "): a seed must be a good frame");
            }
            Map<String, String> attributes = new LinkedHashMap<>(f.getAttributes());
            attributes.put(MemoryRecords.ATTRIBUTE, MemoryRecords.SEED);
            f.setAttributes(attributes);
            f.setCategory(category);
            f.setFrameId("seed-" + f.getFrameId());
            out.add(f);
        }
        return out;
    }

    @Command(name = "reset", mixinStandardHelpOptions = true,
            description = {"Publish a reset record (attribute saa.memory=reset, no image) for one camera and category:"
                    + " the job clears that memory when the record arrives, after the camera's frames published"
                    + " before it, and the camera's next frames warm up again (e.g. at a product changeover)."},
            footer = {"", "Example:",
                    "  saa memory reset --bootstrap-servers localhost:9092 --topic frames --camera cam-0 --category mtd"})
    static final class Reset implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Override
        public Integer call() throws Exception {
            try (FramePublisher publisher = target.publisher()) {
                publisher.publish(record(target.camera, target.category, System.currentTimeMillis()));
                publisher.flush();
            }
            out(spec).println("memory reset: published a reset of camera '" + target.camera + "' (category "
                    + target.category + ") to topic '" + target.topic + "'");
            return 0;
        }
    }

    /** A reset record: a frame of {@code camera} without an image, marked {@code saa.memory=reset}. */
    public static Frame record(String camera, String category, long nowMillis) {
        return Frame.newBuilder()
                .setCameraId(camera)
                .setFrameId("reset-" + nowMillis)
                .setCategory(category)
                .setCaptureTimeMillis(nowMillis)
                .setEncoding(ImageEncoding.PNG)
                .setImage(ByteBuffer.allocate(0))
                .setAttributes(new LinkedHashMap<>(Map.of(MemoryRecords.ATTRIBUTE, MemoryRecords.RESET)))
                .build();
    }

    private static PrintWriter out(CommandSpec spec) {
        return spec.commandLine().getOut();
    }
}
