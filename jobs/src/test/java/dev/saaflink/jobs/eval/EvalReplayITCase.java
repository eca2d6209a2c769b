package dev.saaflink.jobs.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saaflink.jobs.cli.SaaCli;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Replay of a recorded topic: the committed samples, plus a truncated JPEG with a mask and a text file, recorded with
 * {@code saa ingest --with-ground-truth} (plus one record that is not a frame) on a broker the job does not own, then
 * {@code saa eval --bootstrap-servers --topic} scores them; its metrics must equal those of {@code saa eval --dataset}
 * over the same folder (both publish in the same seeded shuffled order), the two bad files and the stray record must
 * come back as dead letters (files = events + dead letters), the two bad files must be scored as misses, and the
 * replay's output topics must be gone afterwards.
 */
class EvalReplayITCase {

    private static final Path SAMPLES = Path.of("..").toAbsolutePath().normalize().resolve("samples/mtd");
    private static final Path CORRUPT = Path.of("..").toAbsolutePath().normalize().resolve("samples/corrupt/broken.jpg");
    private static final String[] METRICS = {"images", "defectImages", "pixelMaxF1", "pixelAuroc", "pixelAp",
            "imageAuroc", "imageMaxF1", "imageAp", "aupro", "regionMaxF1Reference", "regionMaxF1"};

    private final StringWriter err = new StringWriter();

    @Test
    void replayingARecordedTopicScoresLikeTheDatasetItWasRecordedFrom(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(SAMPLES), "samples/mtd not found at " + SAMPLES);
        Path dataset = tmp.resolve("mtd");
        copyTree(SAMPLES, dataset);
        Files.copy(CORRUPT, dataset.resolve("crack/images/broken.jpg"));
        try (var masks = Files.list(dataset.resolve("crack/masks"))) {
            Files.copy(masks.findFirst().orElseThrow(), dataset.resolve("crack/masks/broken.png"));
        }
        Files.writeString(dataset.resolve("free/images/notes.txt"), "not an image");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            assertThat(cli("ingest", "--bootstrap-servers", bootstrap, "--topic", "recorded", "--dataset",
                    dataset.toString(), "--category", "mtd", "--with-ground-truth")).as(err.toString()).isZero();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>("recorded", "cam".getBytes(StandardCharsets.UTF_8),
                        "not a frame".getBytes(StandardCharsets.UTF_8))).get();
            }

            assertThat(cli("eval", "--bootstrap-servers", bootstrap, "--topic", "recorded",
                    "--out", tmp.resolve("replay").toString())).as(err.toString()).isZero();
            JsonNode replay = report(tmp.resolve("replay"));
            assertThat(replay.get("frames").asInt()).isEqualTo(10);
            assertThat(replay.get("events").asInt()).isEqualTo(7);
            assertThat(replay.get("deadLetters").asInt()).isEqualTo(3);
            assertThat(replay.get("framesScoredAsMisses").asInt()).isEqualTo(2);
            assertThat(replay.get("deadLettersByReason").toString())
                    .isEqualTo("{\"CORRUPT_IMAGE\":1,\"NOT_AVRO\":1,\"TRUNCATED_IMAGE\":1}");
            assertThat(replay.get("missedFrames")).extracting(JsonNode::asText)
                    .containsExactlyInAnyOrder("mtd/crack/broken", "mtd/free/notes.txt");
            assertThat(replay.get("images").asInt()).isEqualTo(9);
            assertThat(replay.get("defectImages").asInt()).isEqualTo(6);
            assertThat(replay.get("dataset").asText()).isEqualTo("kafka://" + bootstrap + "/recorded");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertThat(topics).as("the replay deletes the topics it wrote to").containsExactly("recorded");
            }

            assertThat(cli("eval", "--dataset", dataset.toString(), "--category", "mtd",
                    "--out", tmp.resolve("dataset").toString())).as(err.toString()).isZero();
            JsonNode direct = report(tmp.resolve("dataset"));
            assertThat(direct.get("frames").asInt()).isEqualTo(9);
            assertThat(direct.get("events").asInt() + direct.get("deadLetters").asInt()).isEqualTo(9);
            assertThat(direct.get("framesScoredAsMisses").asInt()).isEqualTo(2);
            for (String metric : METRICS) {
                assertThat(replay.get(metric).asDouble()).as(metric).isEqualTo(direct.get(metric).asDouble());
            }
            assertThat(replay.get("imageAuroc").asDouble()).as("some signal on 5 defect vs 2 free tiles").isPositive();
            // the events' own regions are scored alike, and the two missed frames' components count as missed
            assertThat(replay.get("eventRegions")).isEqualTo(direct.get("eventRegions"));
            assertThat(direct.at("/eventRegions/groundTruth").asInt())
                    .isGreaterThanOrEqualTo(direct.at("/eventRegions/matched").asInt()).isPositive();
        }
    }

    @Test
    void aReplayNeedsATopicAndTakesNoDatasetOptions() {
        assertThat(cli("eval", "--bootstrap-servers", "localhost:1", "--out", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("--topic");
        assertThat(cli("eval", "--dataset", "d", "--topic", "t", "--bootstrap-servers", "localhost:1", "--out", "x"))
                .isEqualTo(2);
        assertThat(cli("eval", "--out", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("either --dataset DIR or --bootstrap-servers B --topic T");
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

    private int cli(String... args) {
        CommandLine cli = SaaCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static JsonNode report(Path dir) throws Exception {
        return new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    }
}
