package dev.saaflink.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.jobs.embedded.TopicInspection;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.jobs.ingest.FramePublisher;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.jobs.kafka.TopicLimits;
import dev.saaflink.operators.config.AnomalyMapConfig;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.decode.DeadLetters;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.AvroBytes;
import dev.saaflink.schemas.DeadLetter;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, the poison record: a frames topic that allows 16 MB, a dead-letter topic that operations created with the
 * broker's 1 MB default, and a 3 MB record that is no frame. Before dead letters were trimmed, its dead letter (the
 * whole 3 MB value) failed the dead-letter sink with RecordTooLargeException, and the job restarted on the same record
 * until it gave up. Now the dead letter keeps the first {@code --dead-letter-payload-max-bytes} of the value with the
 * original size, its SHA-256 and the record's coordinates, and the job runs to its end: one dead letter, one event per
 * good frame. The real job on a MiniCluster, a real in-process broker, the real SAM model on two sample frames (SAA+
 * as published, as in InspectionJobITCase, to keep it short).
 */
class PoisonRecordITCase {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final int KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

    @Test
    void aThreeMegabyteNonFrameBecomesOneTrimmedDeadLetterAndTheJobFinishes() throws Exception {
        byte[] poison = new byte[3 * 1024 * 1024];
        new Random(13).nextBytes(poison);
        poison[0] = 'x'; // no Avro single-object magic: NOT_AVRO
        List<DatasetItem> items = new DatasetScanner().scan(REPO.resolve("samples/mtd"), "mtd").stream()
                .limit(2).toList();
        assertThat(items).hasSize(2);

        PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault()
                .withStreamContext(StreamContextConfig.off()).withAnomalyMap(AnomalyMapConfig.regions()));

        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            kafka.createTopic("frames", 1); // 16 MB, as this project creates topics
            kafka.createTopic("events", 1);
            kafka.createTopic("dead-letters", 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                    Integer.toString(KAFKA_DEFAULT_MAX_MESSAGE_BYTES)));

            RecordMetadata poisonAt;
            try (FramePublisher publisher = FramePublisher.builder(bootstrap, "frames").build()) {
                poisonAt = publisher.publishRaw("cam-poison".getBytes(StandardCharsets.UTF_8), poison);
                FrameFactory factory = new FrameFactory(FrameFactory.DEFAULT_CAMERA_ID, false);
                for (DatasetItem item : items) {
                    publisher.publish(factory.create(item));
                }
                publisher.flush();
            }
            // What `saa inspect` checks at start: these topics pass (a trimmed dead letter fits 1 MB).
            assertThat(TopicLimits.check(bootstrap, Map.of(),
                    TopicLimits.requirements(settings, "events", "dead-letters", null))).isEmpty();

            TopicInspection.Result result = new TopicInspection(bootstrap, Map.of(), settings)
                    .checkpointInterval(500)
                    .run("frames", null, "events", "dead-letters", "poison", items.size() + 1);

            assertThat(result.events()).extracting(AnomalyEvent::getFrameId)
                    .containsExactlyInAnyOrderElementsOf(items.stream().map(DatasetItem::frameId).toList());
            assertThat(result.deadLetters()).hasSize(1);
            DeadLetter d = result.deadLetters().get(0);
            assertThat(d.getReason()).isEqualTo("NOT_AVRO");
            assertThat(d.getSourceTopic()).isEqualTo("frames");
            assertThat(d.getPartition()).isEqualTo(poisonAt.partition());
            assertThat(d.getOffset()).isEqualTo(poisonAt.offset());
            assertThat(new String(AvroBytes.toArray(d.getKey()), StandardCharsets.UTF_8)).isEqualTo("cam-poison");
            assertThat(d.getPayloadSize()).isEqualTo(poison.length);
            assertThat(d.getPayloadTruncated()).isTrue();
            assertThat(AvroBytes.toArray(d.getPayload())).as("the first bytes, up to the limit")
                    .isEqualTo(Arrays.copyOf(poison, DeadLetters.DEFAULT_PAYLOAD_MAX_BYTES));
            assertThat(d.getPayloadSha256()).isEqualTo(
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(poison)));
        }
    }
}
