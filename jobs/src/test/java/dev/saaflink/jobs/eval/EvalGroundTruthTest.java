package dev.saaflink.jobs.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.saaflink.jobs.cli.SaaCli;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Pixel metrics need pixel ground truth. Frames without any mask used to be scored as defect-free, which reports a
 * confident number about nothing; now a dataset folder or a recorded topic without a single mask is refused before
 * the job runs, pointing at {@code --labels folders} for image metrics.
 */
class EvalGroundTruthTest {

    private final StringWriter err = new StringWriter();

    @TempDir
    Path tmp;

    @Test
    void aDatasetWithoutMasksIsRefusedForPixelMetrics() throws Exception {
        Path flat = tmp.resolve("line-1");
        Files.createDirectories(flat);
        for (String name : new String[] {"a.png", "b.png"}) {
            ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "png", flat.resolve(name).toFile());
        }

        int code = cli("eval", "--dataset", flat.toString(), "--out", tmp.resolve("out").toString());

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("no ground-truth masks under", "--labels folders");
        assertThat(tmp.resolve("out/report.json")).doesNotExist();
    }

    @Test
    void aRecordingWithoutMasksIsRefusedForPixelMetrics() throws Exception {
        Path samples = Path.of("..").toAbsolutePath().normalize().resolve("samples/mtd");
        assumeTrue(Files.isDirectory(samples), "samples/mtd not found at " + samples);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            assertThat(cli("ingest", "--bootstrap-servers", bootstrap, "--topic", "no-masks", "--dataset",
                    samples.toString(), "--category", "mtd")).as(err.toString()).isZero();

            int code = cli("eval", "--bootstrap-servers", bootstrap, "--topic", "no-masks",
                    "--out", tmp.resolve("out").toString());

            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).contains("holds 7 frames and none carries a ground-truth mask",
                    "--with-ground-truth", "--labels folders");
            assertThat(tmp.resolve("out/report.json")).doesNotExist();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                        .as("refused before the replay created its output topics").containsExactly("no-masks");
            }
        }
    }

    @Test
    void anUnknownOrderIsAUsageError() {
        assertThat(cli("eval", "--dataset", ".", "--out", "x", "--order", "random")).isEqualTo(2);
        assertThat(err.toString()).contains("--order must be shuffled, sorted or burst, got random");
        assertThat(cli("eval", "--dataset", ".", "--out", "x", "--seed", "-1")).isEqualTo(2);
        assertThat(err.toString()).contains("--seed must be >= 0");
    }

    private int cli(String... args) {
        CommandLine cli = SaaCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
