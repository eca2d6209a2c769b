package dev.saaflink.jobs.ingest;

import dev.saaflink.schemas.AvroBytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

class FramePublisherTest {

    private static EmbeddedKafka kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void publishedFramesDecodeBackWithTheirGroundTruth() throws Exception {
        for (int i = 0; i < 3; i++) {
            TestImages.write(dir.resolve("crack/images/c" + i + ".jpg"), "jpg", 20 + i, 10);
            TestImages.write(dir.resolve("crack/masks/c" + i + ".png"), "png", 20 + i, 10);
        }
        TestImages.write(dir.resolve("free/images/f0.jpg"), "jpg", 16, 16);
        TestImages.write(dir.resolve("free/images/f1.png"), "png", 16, 16);
        List<DatasetItem> items = new DatasetScanner().scan(dir, "mtd");
        assertThat(items).hasSize(5);
        String topic = freshTopic();
        kafka.createTopic(topic, 2);

        FrameFactory factory = new FrameFactory("cam-3", true);
        try (FramePublisher publisher = FramePublisher.builder(kafka.bootstrapServers(), topic)
                .ratePerSecond(100)
                .build()) {
            for (DatasetItem item : items) {
                publisher.publish(factory.create(item));
            }
            publisher.flush();
            assertThat(publisher.acknowledged()).isEqualTo(5);
        }

        List<ConsumerRecord<byte[], byte[]>> records = consume(topic, 5);
        assertThat(records).hasSize(5);
        assertThat(records).allSatisfy(r -> assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("cam-3"));
        // one key, so one partition, so publish order is kept
        List<Frame> frames = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            frames.add(Frame.getDecoder().decode(record.value()));
        }
        assertThat(frames).extracting(Frame::getFrameId)
                .containsExactly("mtd/crack/c0", "mtd/crack/c1", "mtd/crack/c2", "mtd/free/f0", "mtd/free/f1");
        for (int i = 0; i < 5; i++) {
            Frame frame = frames.get(i);
            DatasetItem item = items.get(i);
            assertThat(frame.getCategory()).isEqualTo("mtd");
            assertThat(frame.getCameraId()).isEqualTo("cam-3");
            assertThat(frame.getAttributes()).containsEntry("subset", item.subset()).containsEntry("source", item.source());
            assertThat(AvroBytes.toArray(frame.getImage())).isEqualTo(Files.readAllBytes(item.image()));
            if (item.hasMask()) {
                assertThat(AvroBytes.toArray(frame.getGroundTruthMask())).isEqualTo(Files.readAllBytes(item.mask()));
            } else {
                assertThat(frame.getGroundTruthMask()).isNull();
            }
        }
        assertThat(frames.get(1).getWidth()).isEqualTo(21);
        assertThat(frames.get(4).getEncoding()).isEqualTo(ImageEncoding.PNG);
    }

    @Test
    void framesOfSeveralMegabytesFit() throws Exception {
        String topic = freshTopic();
        kafka.createTopic(topic, 1);
        byte[] pixels = new byte[3 * 2048 * 1024];
        new Random(7).nextBytes(pixels);
        Frame big = Frame.newBuilder()
                .setCameraId("cam-big").setFrameId("big-1").setCategory("default")
                .setCaptureTimeMillis(1L).setEncoding(ImageEncoding.RGB8).setWidth(2048).setHeight(1024)
                .setImage(ByteBuffer.wrap(pixels)).setAttributes(Map.of())
                .build();
        try (FramePublisher publisher = FramePublisher.builder(kafka.bootstrapServers(), topic).build()) {
            publisher.publish(big);
            publisher.flush();
        }
        Frame back = Frame.getDecoder().decode(consume(topic, 1).get(0).value());
        assertThat(AvroBytes.toArray(back.getImage())).isEqualTo(pixels);
    }

    @Test
    void rawRecordsGoOutAsGiven() throws IOException {
        String topic = freshTopic();
        kafka.createTopic(topic, 1);
        byte[] garbage = {1, 2, 3, 4};
        try (FramePublisher publisher = FramePublisher.builder(kafka.bootstrapServers(), topic)
                .clientProperties(Map.of("client.id", "raw-test"))
                .build()) {
            publisher.publishRaw("cam-x".getBytes(StandardCharsets.UTF_8), garbage);
        }
        ConsumerRecord<byte[], byte[]> record = consume(topic, 1).get(0);
        assertThat(record.value()).isEqualTo(garbage);
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("cam-x");
    }

    private static String freshTopic() {
        return "frames-" + UUID.randomUUID();
    }

    static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + topic);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
