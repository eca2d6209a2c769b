package dev.saaflink.jobs.embedded;

import dev.saaflink.jobs.cli.Progress;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.jobs.ingest.FramePublisher;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.DeadLetter;
import dev.saaflink.schemas.Frame;
import org.apache.flink.streaming.api.datastream.DataStream;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Runs the real job end to end on this machine: an in-process Kafka broker, the frames published to it, the
 * inspection job on a local Flink MiniCluster reading the topic to its end, and the events and dead letters read
 * back as a {@code read_committed} consumer sees them. The demo, the evaluation and the integration tests share it.
 */
public final class EmbeddedInspection {

    public static final String FRAMES_TOPIC = "frames";
    public static final String EVENTS_TOPIC = "anomaly-events";
    public static final String DEAD_LETTERS_TOPIC = "dead-letters";

    /** What one run produced. */
    public static final class Outcome {
        /** Frames as published, by frame id (the corrupt extras are not here). */
        public final Map<String, Frame> frames;
        public final int recordsPublished;
        public final List<AnomalyEvent> events;
        public final List<DeadLetter> deadLetters;
        /** Wall time of the Flink job, from submission to its end (after the final checkpoint). */
        public final double jobSeconds;

        public Outcome(Map<String, Frame> frames, int recordsPublished, List<AnomalyEvent> events,
                List<DeadLetter> deadLetters, double jobSeconds) {
            this.frames = frames;
            this.recordsPublished = recordsPublished;
            this.events = events;
            this.deadLetters = deadLetters;
            this.jobSeconds = jobSeconds;
        }
    }

    private final PipelineSettings settings;
    private int parallelism = 1;
    private long checkpointIntervalMillis = 2_000;
    private UnaryOperator<DataStream<AnomalyEvent>> beforeEventSink = UnaryOperator.identity();

    public EmbeddedInspection(PipelineSettings settings) {
        this.settings = settings;
    }

    public EmbeddedInspection parallelism(int parallelism) {
        this.parallelism = parallelism;
        return this;
    }

    public EmbeddedInspection checkpointInterval(long millis) {
        this.checkpointIntervalMillis = millis;
        return this;
    }

    /** Test hook: wraps the event stream before its sink (see {@link dev.saaflink.jobs.InspectionJob#build}). */
    public EmbeddedInspection beforeEventSink(UnaryOperator<DataStream<AnomalyEvent>> hook) {
        this.beforeEventSink = hook;
        return this;
    }

    /**
     * Publishes {@code items} (and {@code extraRecords}, raw record values published as they are, to show the
     * dead-letter path), runs the job to the end of the topic and collects its output.
     *
     * @param withGroundTruth keep each item's mask in the outcome's frames, for scoring; the frames published to the
     *                        job never carry it (ground truth stays on the scoring side)
     */
    public Outcome run(List<DatasetItem> items, boolean withGroundTruth, List<byte[]> extraRecords) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            kafka.createTopic(FRAMES_TOPIC, parallelism);
            kafka.createTopic(EVENTS_TOPIC, parallelism);
            kafka.createTopic(DEAD_LETTERS_TOPIC, 1);

            Map<String, Frame> frames = new LinkedHashMap<>();
            FrameFactory factory = new FrameFactory(FrameFactory.DEFAULT_CAMERA_ID, withGroundTruth);
            int total = items.size() + extraRecords.size();
            Progress publishing = new Progress("publish", "frames", total);
            try (FramePublisher publisher = FramePublisher.builder(bootstrap, FRAMES_TOPIC).progress(publishing).build()) {
                for (DatasetItem item : items) {
                    Frame frame = factory.create(item);
                    frames.put(frame.getFrameId(), frame);
                    publisher.publish(frame.getGroundTruthMask() == null ? frame
                            : Frame.newBuilder(frame).setGroundTruthMask(null).build());
                }
                for (byte[] value : extraRecords) {
                    publisher.publishRaw(FrameFactory.DEFAULT_CAMERA_ID.getBytes(), value);
                    publishing.step();
                }
                publisher.flush();
            }
            publishing.finish();

            TopicInspection.Result result = new TopicInspection(bootstrap, Map.of(), settings)
                    .parallelism(parallelism)
                    .checkpointInterval(checkpointIntervalMillis)
                    .beforeEventSink(beforeEventSink)
                    .run(FRAMES_TOPIC, null, EVENTS_TOPIC, DEAD_LETTERS_TOPIC, "saa-embedded", total);
            return new Outcome(frames, total, result.events(), result.deadLetters(), result.jobSeconds());
        }
    }
}
