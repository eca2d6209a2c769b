package dev.saaflink.jobs.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saaflink.jobs.embedded.EmbeddedInspection;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.operators.config.AnomalyMapConfig;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.saa.AnomalyMaps;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.AnomalyMap;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;
import dev.saaflink.schemas.RegionSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
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

    private static final int N = EvalRunner.EVAL_SIZE;

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

    private static Frame frame(String id, String subset, boolean defect) throws IOException {
        Frame.Builder f = Frame.newBuilder().setCameraId("cam").setFrameId(id).setCategory("c")
                .setCaptureTimeMillis(1L).setEncoding(ImageEncoding.PNG)
                .setImage(ByteBuffer.wrap(png(new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB))))
                .setAttributes(Map.of(FrameFactory.ATTR_SUBSET, subset));
        if (defect) {
            BufferedImage mask = new BufferedImage(N, N, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 100; y++) {
                for (int x = 0; x < 100; x++) {
                    mask.getRaster().setSample(x, y, 0, 255);
                }
            }
            f.setGroundTruthMask(ByteBuffer.wrap(png(mask)));
        }
        return f.build();
    }

    private static AnomalyEvent event(String id, float[] map) {
        double max = 0;
        for (float v : map) {
            max = Math.max(max, v);
        }
        return AnomalyEvent.newBuilder().setCameraId("cam").setFrameId(id).setCategory("c").setConfigCategory("c")
                .setCaptureTimeMillis(1L).setEmitTimeMillis(2L).setWidth(40).setHeight(40).setImageScore(max)
                .setThreshold(0.5).setAnomalous(max >= 0.5).setRegions(List.of())
                .setAnomalyMap(AnomalyMap.newBuilder().setWidth(N).setHeight(N).setBitDepth(16).setMaxValue(max)
                        .setPng(ByteBuffer.wrap(AnomalyMaps.toPng(map, N, N, 16, max))).build())
                .setRegionSource(RegionSource.STAND_IN).setModelIds(Map.of())
                .setStageLatencyMs(Map.of("pipeline", 10.0)).build();
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
