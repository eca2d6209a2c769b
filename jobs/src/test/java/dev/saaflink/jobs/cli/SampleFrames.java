package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.jobs.ingest.FramePublisher;
import dev.saaflink.schemas.Frame;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A fixed sequence of frames for the job tests: the committed MTD samples in turn, each with its own frame id. */
final class SampleFrames {

    private SampleFrames() {}

    /** {@code count} frames of one camera; frame ids {@code <idPrefix>-000, -001, ...}; the images repeat. */
    static List<Frame> of(Path dataset, int count, String idPrefix) {
        List<DatasetItem> items = new DatasetScanner().scan(dataset, "mtd");
        FrameFactory factory = new FrameFactory(FrameFactory.DEFAULT_CAMERA_ID, false);
        List<Frame> frames = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Frame frame = factory.create(items.get(i % items.size()));
            frames.add(Frame.newBuilder(frame).setFrameId(String.format("%s-%03d", idPrefix, i)).build());
        }
        return frames;
    }

    static void publish(String bootstrap, Map<String, String> client, String topic, List<Frame> frames)
            throws InterruptedException {
        try (FramePublisher publisher = FramePublisher.builder(bootstrap, topic).clientProperties(client).build()) {
            for (Frame f : frames) {
                publisher.publish(f);
            }
            publisher.flush();
        }
    }
}
