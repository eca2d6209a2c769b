package dev.saaflink.jobs.eval;

import static dev.saaflink.jobs.eval.EvalRecords.event;
import static dev.saaflink.jobs.eval.EvalRecords.frame;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saaflink.jobs.embedded.EmbeddedInspection;
import dev.saaflink.operators.config.AnomalyMapConfig;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The eval scores images by the job's {@code anomalyMap.imageScore}, and {@code --save-events} writes events that
 * read back. Two frames at 400x400, made up by hand (no job): A, a defect (mask: the top-left 100x100 block, 1/16 of
 * the frame) whose map is 0.5 on that block and 0 elsewhere; B, defect-free, whose map is 0 but for one pixel of 1.0
 * (a glint). By the maximum B outranks A (image AUROC 0); by the mean of the top 1 % (1 600 pixels) A scores 0.5 and
 * B 1/1600 (image AUROC 100). The pixel metrics do not depend on the rule.
 */
class EvalImageScoreTest {

    private static final int N = EvalRecords.N;

    @TempDir
    Path tmp;

    @Test
    void imagesAreScoredByTheConfiguredRule() throws Exception {
        JsonNode byMax = score(AnomalyMapConfig.defaults(), tmp.resolve("max"), null);
        JsonNode byTopMean = score(AnomalyMapConfig.defaults()
                .withImageScore(AnomalyMapConfig.ImageScoreRule.TOP_MEAN, 0.01), tmp.resolve("top"), null);

        assertThat(byMax.get("imageAuroc").asDouble()).isEqualTo(0.0);
        assertThat(byMax.get("protocol").asText()).contains("image score = max of the map");
        assertThat(byTopMean.get("imageAuroc").asDouble()).isEqualTo(100.0);
        assertThat(byTopMean.get("protocol").asText()).contains("image score = mean of the map's top 1 % of pixels");
        assertThat(byTopMean.get("pixelAuroc").asDouble()).isEqualTo(byMax.get("pixelAuroc").asDouble());
        assertThat(byTopMean.at("/perSubset/c~1crack/images").asInt()).isEqualTo(1);
    }

    @Test
    void savedEventsReadBackAsTheEvents() throws Exception {
        Path events = tmp.resolve("events");
        score(AnomalyMapConfig.defaults(), tmp.resolve("report"), events);
        EmbeddedInspection.Outcome outcome = outcome();
        for (AnomalyEvent e : outcome.events) {
            String subset = e.getFrameId().split("/")[1];
            String name = e.getFrameId().split("/")[2];
            Path file = events.resolve(subset).resolve(name + ".avro");
            assertThat(file).exists();
            assertThat(AnomalyEvent.fromByteBuffer(ByteBuffer.wrap(Files.readAllBytes(file)))).isEqualTo(e);
        }
        try (var files = Files.walk(events)) {
            assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(2);
        }
    }

    private static JsonNode score(AnomalyMapConfig map, Path out, Path saveEvents) throws Exception {
        PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault().withAnomalyMap(map));
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        new EvalRunner(settings, quiet, 127).saveEvents(saveEvents).score(outcome(), "hand-made", out, null);
        return new ObjectMapper().readTree(out.resolve("report.json").toFile());
    }

    private static EmbeddedInspection.Outcome outcome() throws IOException {
        Map<String, Frame> frames = new LinkedHashMap<>();
        frames.put("c/crack/A", frame("c/crack/A", "crack", true));
        frames.put("c/free/B", frame("c/free/B", "free", false));
        float[] block = new float[N * N];
        for (int y = 0; y < 100; y++) {
            for (int x = 0; x < 100; x++) {
                block[y * N + x] = 0.5f;
            }
        }
        float[] glint = new float[N * N];
        glint[200 * N + 200] = 1.0f;
        return new EmbeddedInspection.Outcome(frames, 2, List.of(event("c/crack/A", block), event("c/free/B", glint)),
                List.of(), 1.0);
    }
}
