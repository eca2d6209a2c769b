package dev.saaflink.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Random;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.PublishOrder;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

class IngestCommandTest {

    private static EmbeddedKafka kafka;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    private int run(String... args) {
        CommandLine cli = SaaCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void replaysTheMtdSamplesWithGroundTruth() throws Exception {
        Path samples = Samples.mtd();
        assumeTrue(samples != null, "samples/mtd not found above " + Path.of("").toAbsolutePath());

        int code = run("ingest", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "samples",
                "--dataset", samples.toString(), "--category", "mtd", "--with-ground-truth", "--camera-id", "cam-9",
                "--order", "sorted");

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString().strip()).startsWith("ingest: published 7 frames (")
                .contains("7 with ground truth", "in sorted order to topic 'samples' at " + kafka.bootstrapServers());
        assertThat(err.toString()).contains("created topic 'samples'");

        List<Frame> frames = consumeFrames("samples", 7);
        assertThat(frames).extracting(Frame::getFrameId).containsExactly(
                "mtd/blowhole/exp1_num_4727", "mtd/break/exp1_num_241889", "mtd/crack/exp1_num_32128",
                "mtd/fray/exp1_num_136254", "mtd/free/exp1_num_3786", "mtd/free/exp1_num_71177",
                "mtd/uneven/exp2_num_542");
        assertThat(frames).allSatisfy(f -> {
            assertThat(f.getCategory()).isEqualTo("mtd");
            assertThat(f.getCameraId()).isEqualTo("cam-9");
            assertThat(f.getEncoding()).isEqualTo(ImageEncoding.JPEG);
            assertThat(f.getGroundTruthMask()).isNotNull();
        });
        assertThat(frames.get(3).getAttributes()).containsEntry("subset", "fray")
                .containsEntry("source", "fray/images/exp1_num_136254.jpg");
        assertThat(frames.get(3).getWidth()).isEqualTo(568);
        assertThat(frames.get(3).getHeight()).isEqualTo(233);
    }

    @Test
    void limitAndTheCorruptSample() throws Exception {
        Path root = Samples.root();
        assumeTrue(root != null, "samples/ not found above " + Path.of("").toAbsolutePath());

        assertThat(run("ingest", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "corrupt",
                "--dataset", root.resolve("corrupt").toString())).as(err.toString()).isZero();
        assertThat(run("ingest", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "limited",
                "--dataset", root.resolve("mtd").toString(), "--limit", "2", "--rate", "50", "--order", "sorted"))
                .isZero();

        Frame broken = consumeFrames("corrupt", 1).get(0);
        assertThat(broken.getFrameId()).isEqualTo("corrupt/corrupt/broken");
        assertThat(broken.getEncoding()).isEqualTo(ImageEncoding.JPEG);
        assertThat(broken.getWidth()).isEqualTo(122);
        assertThat(broken.getImage().remaining()).isEqualTo(4858);

        List<Frame> limited = consumeFrames("limited", 2);
        assertThat(limited).extracting(Frame::getCategory).containsExactly("blowhole", "break");
        assertThat(limited).allSatisfy(f -> assertThat(f.getGroundTruthMask()).isNull());
    }

    /**
     * By default a folder goes out in a seeded shuffle, so a recorded topic is not sorted by defect type: the same
     * permutation for the same seed (the one eval --dataset publishes), another for another seed.
     */
    @Test
    void publishesInASeededShuffledOrderByDefault() throws Exception {
        Path samples = Samples.mtd();
        assumeTrue(samples != null, "samples/mtd not found above " + Path.of("").toAbsolutePath());
        List<String> sorted = new DatasetScanner().scan(samples, "mtd").stream().map(DatasetItem::frameId).toList();

        assertThat(run("ingest", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "shuffled-7",
                "--dataset", samples.toString(), "--category", "mtd")).as(err.toString()).isZero();
        assertThat(run("ingest", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "shuffled-8",
                "--dataset", samples.toString(), "--category", "mtd", "--seed", "8")).as(err.toString()).isZero();
        assertThat(out.toString()).contains("in shuffled order");

        List<String> seven = consumeFrames("shuffled-7", 7).stream().map(Frame::getFrameId).toList();
        List<String> eight = consumeFrames("shuffled-8", 7).stream().map(Frame::getFrameId).toList();
        assertThat(seven).containsExactlyInAnyOrderElementsOf(sorted).isNotEqualTo(sorted);
        assertThat(eight).containsExactlyInAnyOrderElementsOf(sorted).isNotEqualTo(seven);
        List<String> expected = new ArrayList<>(sorted);
        Collections.shuffle(expected, new Random(PublishOrder.DEFAULT_SEED));
        assertThat(seven).isEqualTo(expected);

        assertThat(run("ingest", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "x",
                "--dataset", samples.toString(), "--order", "random")).isEqualTo(2);
        assertThat(err.toString()).contains("--order must be shuffled, sorted or burst, got random");
    }

    /** Files that are not images are published too (the job dead-letters them): none vanishes, none aborts. */
    @Test
    void filesThatAreNotImagesArePublishedNotSkipped(@TempDir Path tmp) throws Exception {
        Path samples = Samples.mtd();
        assumeTrue(samples != null, "samples/mtd not found above " + Path.of("").toAbsolutePath());
        Path flat = tmp.resolve("mixed");
        Files.createDirectories(flat);
        Files.copy(samples.resolve("free/images/exp1_num_3786.jpg"), flat.resolve("good.jpg"));
        Files.write(flat.resolve("empty.jpg"), new byte[0]);
        Files.writeString(flat.resolve("notes.txt"), "a note");
        Files.writeString(flat.resolve("logo.svg"), "<svg/>");

        assertThat(run("ingest", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "mixed",
                "--dataset", flat.toString(), "--order", "sorted")).as(err.toString()).isZero();

        assertThat(out.toString()).contains("published 4 frames", "3 not images, to be dead-lettered")
                .doesNotContain("skipped");
        assertThat(err.toString()).contains("publishing notes.txt although it is not an image");
        assertThat(consumeFrames("mixed", 4)).extracting(Frame::getFrameId).containsExactly(
                "mixed/mixed/empty", "mixed/mixed/good", "mixed/mixed/logo.svg", "mixed/mixed/notes.txt");
    }

    private static List<Frame> consumeFrames(String topic, int expected) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + topic);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<Frame> frames = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (frames.size() < expected && System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    frames.add(Frame.getDecoder().decode(record.value()));
                }
            }
        }
        return frames;
    }
}
