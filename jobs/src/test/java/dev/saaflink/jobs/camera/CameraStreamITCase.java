package dev.saaflink.jobs.camera;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import dev.saaflink.jobs.cli.SaaCli;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

/**
 * {@code saa camera} end to end against a real in-process Kafka broker: an MJPEG-over-HTTP camera on loopback that is
 * killed mid-stream and started again on the same port, then stalls (its connection stays open and silent); and a
 * video file written from the sample images. Everything that reaches the topic must be a valid frame, in capture order,
 * with unique ids, and each interruption must show as one gap in the log and the counters.
 */
class CameraStreamITCase {

    private static final Duration PAUSE = Duration.ofMillis(1500);

    private static EmbeddedKafka kafka;

    @TempDir
    static Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
        VideoConnection.configureLogging(false);
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void aCameraThatDiesAndThenStallsIsReconnectedAndBothGapsAreReported() throws Exception {
        List<byte[]> jpegs = new ArrayList<>();
        for (BufferedImage image : SampleVideo.sampleImages(160, 120)) {
            jpegs.add(SampleVideo.jpeg(image));
        }
        String topic = "camera-http";
        kafka.createTopic(topic, 1);
        ExecutorService runner = Executors.newSingleThreadExecutor();
        List<Frame> frames = new ArrayList<>();
        long killedAt;
        long restartedAt;
        try (MjpegServer camera = new MjpegServer(jpegs, 10);
             KafkaConsumer<byte[], byte[]> consumer = consumer(topic)) {
            camera.start(0);
            Future<Integer> run = runner.submit(() -> execute("camera", "--source", camera.url(),
                    "--camera-id", "cam-http", "--category", "mtd", "--fps", "0",
                    "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic,
                    "--stall-timeout-ms", "1000", "--backoff-initial-ms", "100", "--backoff-max-ms", "400",
                    "--max-reconnects", "40", "--max-frames", "30"));

            pollUntil(consumer, frames, 8, run);
            camera.kill();
            killedAt = System.currentTimeMillis();
            Thread.sleep(PAUSE.toMillis());
            camera.restart();
            restartedAt = System.currentTimeMillis();

            pollUntil(consumer, frames, 16, run);
            camera.freeze();

            pollUntil(consumer, frames, 30, run);
            assertThat(run.get(30, TimeUnit.SECONDS)).as("exit code; stderr:%n%s", err).isZero();
            assertThat(camera.connectionsAccepted()).isGreaterThanOrEqualTo(3);
        } finally {
            runner.shutdownNow();
        }
        System.out.println(err);
        System.out.println(out);

        // the log: one gap for the kill, at least as long as the server was away, and one for the stall
        Matcher kill = Pattern.compile("camera cam-http: no frames for (\\d+) ms \\((end of stream|read error)\\),"
                + " reconnected after (\\d+) attempts").matcher(err.toString());
        assertThat(kill.find()).as(err.toString()).isTrue();
        assertThat(Long.parseLong(kill.group(1))).isGreaterThanOrEqualTo(PAUSE.toMillis());
        assertThat(Integer.parseInt(kill.group(3))).as("refused attempts while the camera was away, then one")
                .isGreaterThanOrEqualTo(2);
        Matcher stall = Pattern.compile("camera cam-http: no frames for (\\d+) ms \\(stall\\), reconnected after 1 attempt")
                .matcher(err.toString());
        assertThat(stall.find()).as(err.toString()).isTrue();
        assertThat(Long.parseLong(stall.group(1))).isBetween(1000L, 5000L);
        assertThat(err.toString()).contains("camera cam-http: stall on connection 2 (last frame");
        // the counters in the summary
        assertThat(out.toString()).contains("camera cam-http: published 30 frames", "gaps 2 (longest ",
                "reconnects 2");

        // the topic: exactly the published frames, valid, in capture order, unique ids, before and after both gaps
        assertThat(frames).hasSize(30);
        assertThat(new HashSet<>(frames.stream().map(Frame::getFrameId).toList())).hasSize(30);
        for (int i = 0; i < frames.size(); i++) {
            Frame f = frames.get(i);
            assertThat(f.getCameraId()).isEqualTo("cam-http");
            assertThat(f.getCategory()).isEqualTo("mtd");
            assertThat(f.getEncoding()).isEqualTo(ImageEncoding.JPEG);
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(f.getImage().array()));
            assertThat(image.getWidth()).isEqualTo(160);
            assertThat(image.getHeight()).isEqualTo(120);
            assertThat(f.getWidth()).isEqualTo(160);
            if (i > 0) {
                assertThat(f.getCaptureTimeMillis()).isGreaterThan(frames.get(i - 1).getCaptureTimeMillis());
            }
        }
        List<String> connections = frames.stream().map(f -> f.getAttributes().get("connection")).distinct().toList();
        assertThat(connections).containsExactly("1", "2", "3");
        long before = frames.stream().filter(f -> f.getCaptureTimeMillis() <= killedAt).count();
        long between = frames.stream().filter(f -> f.getCaptureTimeMillis() >= restartedAt
                && "2".equals(f.getAttributes().get("connection"))).count();
        long after = frames.stream().filter(f -> "3".equals(f.getAttributes().get("connection"))).count();
        assertThat(before).isGreaterThanOrEqualTo(8);
        assertThat(between).isGreaterThanOrEqualTo(1);
        assertThat(after).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aVideoFileIsPublishedFrameByFrame() throws Exception {
        List<BufferedImage> images = SampleVideo.sampleImages(320, 240);
        Path video = SampleVideo.writeVideo(dir.resolve("line.mkv"), images, 5);
        String topic = "camera-file";

        int code = execute("camera", "--source", video.toString(), "--camera-id", "cam-file", "--category", "mtd",
                "--fps", "0", "--no-realtime", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic);

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("camera cam-file: published 7 frames", "gaps 0");
        List<Frame> frames = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(topic)) {
            pollUntil(consumer, frames, 7, null);
        }
        assertThat(frames).hasSize(7);
        long first = frames.get(0).getCaptureTimeMillis();
        for (int i = 0; i < frames.size(); i++) {
            assertThat(frames.get(i).getCaptureTimeMillis() - first).isEqualTo(200L * i);
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(frames.get(i).getImage().array()));
            assertThat(SampleVideo.meanAbsDiff(decoded, images.get(i))).isLessThan(6.0);
        }
    }

    private int execute(String... args) {
        CommandLine cli = SaaCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        kafka.clientProperties().forEach(p::put);
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        return consumer;
    }

    /** Reads frames until there are {@code count}; fails after 30 s, or early when the command has already ended. */
    private void pollUntil(KafkaConsumer<byte[], byte[]> consumer, List<Frame> frames, int count, Future<Integer> run)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (frames.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(
                        Frame.getDecoder().decode(record.value()).getCameraId());
                frames.add(Frame.getDecoder().decode(record.value()));
            }
            if (run != null && run.isDone() && frames.size() < count) {
                // drain what is left, then stop waiting for a command that is gone
                consumer.poll(Duration.ofMillis(500)).forEach(r -> frames.add(decode(r.value())));
                break;
            }
        }
        assertThat(frames).as("frames on the topic; stderr:%n%s", err).hasSizeGreaterThanOrEqualTo(count);
    }

    private static Frame decode(byte[] value) {
        try {
            return Frame.getDecoder().decode(value);
        } catch (Exception e) {
            throw new AssertionError("not a valid Avro frame", e);
        }
    }

}
