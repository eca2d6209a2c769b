package dev.saaflink.jobs.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.jobs.ingest.FramePublisher;
import dev.saaflink.jobs.kafka.KafkaClientSettings;
import dev.saaflink.schemas.Frame;

/**
 * {@code saa ingest}: replays a folder of images into a Kafka topic as camera frames, optionally at a fixed
 * rate and with their ground-truth masks, and ends with a one-line summary on stdout.
 */
@Command(name = "ingest",
        mixinStandardHelpOptions = true,
        description = {"Publish the images of a dataset folder to a Kafka topic as Avro frames.",
                "DIR is either <category>/images/<name>.<jpg|jpeg|png|bmp> (masks in <category>/masks/<name>.png)"
                        + " or a flat folder of images. Every file is published, one that is not an image too (the"
                        + " job dead-letters it), in a seeded shuffled order unless --order sorted."},
        footer = {"", "Example:",
                "  saa ingest --bootstrap-servers localhost:9092 --topic frames --dataset samples/mtd"
                        + " --category mtd --with-ground-truth --rate 10"})
public final class IngestCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to publish to.")
    String topic;

    @Option(names = "--dataset", required = true, paramLabel = "DIR", description = "Dataset folder.")
    Path dataset;

    @Option(names = "--category", paramLabel = "C",
            description = "Category for every frame (e.g. mtd); default: the top folder name."
                    + " The folder name is kept in the 'subset' attribute.")
    String category;

    @Option(names = "--with-ground-truth", description = "Attach each image's mask PNG when it has one.")
    boolean withGroundTruth;

    @Option(names = "--camera-id", paramLabel = "ID", defaultValue = FrameFactory.DEFAULT_CAMERA_ID,
            description = "Camera id, also the record key (default: ${DEFAULT-VALUE}).")
    String cameraId;

    @Option(names = "--rate", paramLabel = "FPS", defaultValue = "0",
            description = "Frames per second; 0 publishes as fast as possible (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--limit", paramLabel = "N",
            description = "Publish only the first N files of the publishing order (--order).")
    Integer limit;

    @Mixin
    OrderOptions order;

    @Mixin
    TopicCreationOptions topicCreation;

    @Override
    public Integer call() throws Exception {
        validate();
        List<DatasetItem> items = order.apply(scan());
        if (limit != null && limit < items.size()) {
            items = items.subList(0, limit);
        }
        Map<String, String> clientProperties = kafka.clientProperties();
        if (!clientProperties.isEmpty()) {
            err().println("ingest: Kafka client settings: " + KafkaClientSettings.describe(clientProperties));
        }
        topicCreation.ensure(kafka.bootstrapServers(), topic, clientProperties, err());

        FrameFactory factory = new FrameFactory(cameraId, withGroundTruth);
        Progress progress = new Progress("ingest", "frames", items.size());
        int withMask = 0;
        int notImages = 0;
        int skipped = 0;
        try (FramePublisher publisher = FramePublisher.builder(kafka.bootstrapServers(), topic)
                .clientProperties(clientProperties)
                .ratePerSecond(rate)
                .progress(progress)
                .build()) {
            for (DatasetItem item : items) {
                Frame frame;
                try {
                    frame = factory.create(item);
                } catch (IllegalArgumentException | UncheckedIOException e) {
                    skipped++;
                    err().println("skipped " + item.source() + ": " + e.getMessage());
                    continue;
                }
                if (frame.getGroundTruthMask() != null) {
                    withMask++;
                }
                if (frame.getAttributes().containsKey(FrameFactory.ATTR_NOT_AN_IMAGE)) {
                    notImages++;
                    err().println("publishing " + item.source() + " although it is not an image ("
                            + frame.getAttributes().get(FrameFactory.ATTR_NOT_AN_IMAGE) + "): the job will dead-letter it");
                }
                publisher.publish(frame);
                progress.maybePrint();
            }
            publisher.flush();
            progress.finish();
            out().println(summary(publisher, progress, withMask, notImages, skipped));
        }
        return 0;
    }

    private void validate() {
        kafka.bootstrapServers(); // a usage error when missing, before the dataset is scanned
        if (rate < 0) {
            throw new ParameterException(spec.commandLine(), "--rate must be 0 or more, got " + rate);
        }
        if (limit != null && limit < 1) {
            throw new ParameterException(spec.commandLine(), "--limit must be 1 or more, got " + limit);
        }
        topicCreation.validate();
        if (!Files.isDirectory(dataset)) {
            throw new ParameterException(spec.commandLine(), "--dataset: no such folder: " + dataset);
        }
    }

    private List<DatasetItem> scan() {
        try {
            return new DatasetScanner().scan(dataset, category);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--dataset: " + e.getMessage());
        }
    }

    private String summary(FramePublisher publisher, Progress progress, int withMask, int notImages, int skipped) {
        double seconds = progress.elapsed().toNanos() / 1e9;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "ingest: published %d frames (%.1f MB", publisher.acknowledged(),
                publisher.bytesSent() / 1e6));
        if (withGroundTruth) {
            s.append(", ").append(withMask).append(" with ground truth");
        }
        if (notImages > 0) {
            s.append(", ").append(notImages).append(" not images, to be dead-lettered");
        }
        s.append(") from ").append(dataset).append(" in ").append(order.order()).append(" order to topic '").append(topic).append("' at ")
                .append(kafka.bootstrapServers());
        s.append(String.format(Locale.ROOT, " in %.1f s (%.1f frames/s)", seconds,
                seconds > 0 ? publisher.acknowledged() / seconds : 0.0));
        if (skipped > 0) {
            s.append(", skipped ").append(skipped).append(" file(s) that could not be read or whose mask is not a PNG");
        }
        return s.toString();
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
