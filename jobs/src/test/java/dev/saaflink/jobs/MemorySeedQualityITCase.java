package dev.saaflink.jobs;

import dev.saaflink.jobs.cli.SaaCli;
import dev.saaflink.jobs.eval.EvalRunner;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.DatasetSplit;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.jobs.ingest.FramePublisher;
import dev.saaflink.jobs.ingest.SharedData;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 item 3, the measurement (not part of CI: {@code -Dsaa.measure.seeding=true}, and {@code ../shared/data/mtd}):
 * the quality of one camera's first 16 frames with and without seeding. The 16 frames are a shuffled draw from MTD's
 * validation half ({@code -Dsaa.measure.windows}, default 3 draws, to see how noisy 16 frames are); the seeds are 16 defect-free images of the tuning
 * half ({@code free} folder), published with {@code saa memory seed} before the frames. Each run replays its topic
 * through {@code saa eval}'s replay ({@link EvalRunner#replay}), which leaves seed records out of the scoring, and
 * prints the figures; the accounting (16 frames = events + dead letters) is asserted.
 */
@EnabledIfSystemProperty(named = "saa.measure.seeding", matches = "true")
class MemorySeedQualityITCase {

    private static final int FRAMES = 16;

    @TempDir
    Path dir;

    @Test
    void firstSixteenFramesWithAndWithoutSeeding() throws Exception {
        Path mtd = SharedData.require("mtd");
        List<DatasetItem> validate = DatasetSplit.VALIDATE.apply(new DatasetScanner().scan(mtd, "mtd"));
        int windows = Integer.getInteger("saa.measure.windows", 3);
        for (int w = 0; w < windows; w++) {
            // Window w: 16 validation frames in a shuffled order (seed w + 1), a random mix like a line's first
            // frames (MTD is about one third defect-free).
            List<DatasetItem> eval = new ArrayList<>(validate);
            Collections.shuffle(eval, new Random(w + 1));
            eval = eval.subList(0, FRAMES);
            Map<String, Object> unseeded = run(mtd, eval, false, w);
            Map<String, Object> seeded = run(mtd, eval, true, w);
            System.out.println("SEEDING window " + w + " unseeded: " + unseeded.get("perCategory"));
            System.out.println("SEEDING window " + w + " seeded:   " + seeded.get("perCategory"));
            for (Map<String, Object> r : List.of(unseeded, seeded)) {
                assertThat(r.get("frames")).isEqualTo(FRAMES);
                assertThat(r.get("events")).isEqualTo(FRAMES);
            }
        }
    }

    private Map<String, Object> run(Path mtd, List<DatasetItem> eval, boolean seed, int window) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            kafka.createTopic("rec", 1);
            if (seed) {
                StringWriter err = new StringWriter();
                CommandLine cli = SaaCli.commandLine();
                cli.setOut(new PrintWriter(new StringWriter(), true));
                cli.setErr(new PrintWriter(err, true));
                assertThat(cli.execute("memory", "seed", "--bootstrap-servers", bootstrap, "--topic", "rec",
                        "--camera", "cam-m", "--category", "mtd", "--dataset", mtd.toString(), "--subset", "free",
                        "--split", "tune", "--limit", "" + FRAMES)).as(err.toString()).isZero();
            }
            FrameFactory factory = new FrameFactory("cam-m", true);
            try (FramePublisher p = FramePublisher.builder(bootstrap, "rec").build()) {
                for (DatasetItem item : eval) {
                    Frame f = factory.create(item);
                    f.setCategory("mtd");
                    p.publish(f);
                }
                p.flush();
            }
            PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault());
            return new EvalRunner(settings, System.out, 127).replay(bootstrap, Map.of(), "rec",
                    dir.resolve((seed ? "seeded-" : "unseeded-") + window), 1, null, false);
        }
    }
}
