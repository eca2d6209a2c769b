package dev.saaflink.jobs.eval;

import static dev.saaflink.jobs.eval.EvalRecords.event;
import static dev.saaflink.jobs.eval.EvalRecords.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saaflink.jobs.embedded.EmbeddedInspection;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.saa.MaskRle;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.DeadLetter;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.Region;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The eval's bookkeeping, on an outcome made up by hand (no job): a frame that ended as a dead letter is a miss in
 * every metric, not a frame left out. Three frames of category c, maps and masks at 400x400:
 * <ul>
 *   <li>A, a defect (mask: the top-left 100x100 block), map 1.0 on the block and 0.1 elsewhere;</li>
 *   <li>B, defect-free, map 0.2 everywhere;</li>
 *   <li>C, a defect like A, dead-lettered by the job (a corrupt image).</li>
 * </ul>
 * Left out, C changes nothing: A outscores B, image AUROC 100. Scored as a miss (image score 0), C ranks below B:
 * of the two defect-vs-good pairs one is ordered right, image AUROC 50, and 2 of 3 images are defects.
 */
class EvalMissesTest {

    private static final int N = EvalRecords.N;

    @TempDir
    Path tmp;

    @Test
    void aDeadLetteredFrameIsAMissInEveryMetric() throws Exception {
        JsonNode with = score(outcome(true, true), tmp.resolve("with"));
        JsonNode without = score(outcome(false, false), tmp.resolve("without"));

        assertThat(without.get("images").asInt()).isEqualTo(2);
        assertThat(without.get("defectImages").asInt()).isEqualTo(1);
        assertThat(without.get("imageAuroc").asDouble()).isEqualTo(100.0);
        assertThat(without.get("pixelAuroc").asDouble()).isEqualTo(100.0);
        assertThat(without.get("framesScoredAsMisses").asInt()).isZero();

        assertThat(with.get("frames").asInt()).isEqualTo(4);
        assertThat(with.get("events").asInt()).isEqualTo(2);
        assertThat(with.get("deadLetters").asInt()).isEqualTo(2);
        assertThat(with.at("/deadLettersByReason/CORRUPT_IMAGE").asInt()).isEqualTo(1);
        assertThat(with.at("/deadLettersByReason/NOT_AVRO").asInt()).isEqualTo(1);
        assertThat(with.get("framesScoredAsMisses").asInt()).isEqualTo(1);
        assertThat(with.get("missedFrames")).hasSize(1);
        assertThat(with.at("/missedFrames/0").asText()).isEqualTo("c/crack/C");
        assertThat(with.get("framesWithoutResult").asInt()).isZero();
        assertThat(with.get("missPolicy").asText()).contains("dead letter", "miss");
        assertThat(with.get("images").asInt()).isEqualTo(3);
        assertThat(with.get("defectImages").asInt()).isEqualTo(2);
        assertThat(with.get("imageAuroc").asDouble()).isCloseTo(50.0, within(0.01));
        // C's 10 000 defect pixels all score 0: half the defect pixels now rank at the bottom.
        assertThat(with.get("pixelAuroc").asDouble()).isLessThan(70.0);
        assertThat(with.at("/perSubset/c~1crack/images").asInt()).isEqualTo(2);
        assertThat(with.at("/perCategory/c/images").asInt()).isEqualTo(3);
        assertThat(Files.readString(tmp.resolve("with/report.html"))).contains("id=\"misses\"");
    }

    @Test
    void aFrameWithNeitherEventNorDeadLetterIsAMissToo() throws Exception {
        JsonNode report = score(outcome(true, false), tmp.resolve("lost"));

        assertThat(report.get("framesScoredAsMisses").asInt()).isEqualTo(1);
        assertThat(report.get("framesWithoutResult").asInt()).isEqualTo(1);
        assertThat(report.get("images").asInt()).isEqualTo(3);
        assertThat(report.get("imageAuroc").asDouble()).isCloseTo(50.0, within(0.01));
    }

    /**
     * The events' own regions against the mask components. A's event carries two regions: its 100x100 block, given
     * as a 200x200 mask (the 50x50 block; brought to the mask's 400x400 by nearest neighbour), which locates A's
     * component, and a 20x20 square far from it (false). B (defect-free) carries one region (false). C is a dead
     * letter: its one component is missed. Pooled: 3 predicted, 2 components, 1 matched: precision 1/3, recall 1/2,
     * F1 = (2 * 1/3 * 1/2) / (1/3 + 1/2) = 0.4.
     */
    @Test
    void eventRegionsAreMatchedAgainstMaskComponentsAndADeadLetterMissesItsComponents() throws Exception {
        EmbeddedInspection.Outcome base = outcome(true, true);
        List<AnomalyEvent> events = new ArrayList<>();
        for (AnomalyEvent e : base.events) {
            List<Region> regions = e.getFrameId().equals("c/crack/A")
                    ? List.of(region(200, 0, 0, 50), region(N, 300, 300, 20))
                    : List.of(region(N, 200, 200, 30));
            events.add(AnomalyEvent.newBuilder(e).setRegions(regions).build());
        }
        JsonNode report = score(new EmbeddedInspection.Outcome(base.frames, base.recordsPublished, events,
                base.deadLetters, base.jobSeconds), tmp.resolve("regions"));

        assertThat(report.at("/eventRegions/predicted").asInt()).isEqualTo(3);
        assertThat(report.at("/eventRegions/groundTruth").asInt()).isEqualTo(2);
        assertThat(report.at("/eventRegions/matched").asInt()).isEqualTo(1);
        assertThat(report.at("/eventRegions/precision").asDouble()).isEqualTo(33.33);
        assertThat(report.at("/eventRegions/recall").asDouble()).isEqualTo(50.0);
        assertThat(report.at("/eventRegions/f1").asDouble()).isEqualTo(40.0);
        assertThat(report.at("/eventRegions/iouThreshold").asDouble()).isEqualTo(0.3);
        assertThat(report.at("/perSubset/c~1crack/eventRegions/precision").asDouble()).isEqualTo(50.0);
        assertThat(report.at("/perSubset/c~1crack/eventRegions/recall").asDouble()).isEqualTo(50.0);
        assertThat(report.at("/perSubset/c~1free/eventRegions/precision").asDouble()).isEqualTo(0.0);
        assertThat(report.at("/perSubset/c~1free/eventRegions/groundTruth").asInt()).isZero();
        assertThat(report.get("eventRegionsDefinition").asText()).contains("IoU", "one-to-one", "dead letter");
        assertThat(Files.readString(tmp.resolve("regions/report.html")))
                .contains("Event regions: F1 at IoU", "<td class=\"num\">40.00</td>");
    }

    /** A region whose mask is a {@code side x side} square at (x, y) of a {@code size x size} grid. */
    private static Region region(int size, int x, int y, int side) {
        boolean[] mask = new boolean[size * size];
        for (int yy = y; yy < y + side; yy++) {
            for (int xx = x; xx < x + side; xx++) {
                mask[yy * size + xx] = true;
            }
        }
        List<Integer> counts = new ArrayList<>();
        for (int c : MaskRle.encode(mask)) {
            counts.add(c);
        }
        return Region.newBuilder().setX1(x).setY1(y).setX2(x + side).setY2(y + side).setDetectorScore(1)
                .setRescoredScore(1).setLabel("hand-made").setAreaPixels(side * side)
                .setMask(dev.saaflink.schemas.MaskRle.newBuilder().setWidth(size).setHeight(size).setCounts(counts)
                        .build()).build();
    }

    private static JsonNode score(EmbeddedInspection.Outcome outcome, Path out) throws Exception {
        PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault());
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        new EvalRunner(settings, quiet, 127).score(outcome, "hand-made", out, null);
        return new ObjectMapper().readTree(out.resolve("report.json").toFile());
    }

    /**
     * @param withC        publish C
     * @param cDeadLetters whether the job's dead letters name C (else C got no result at all)
     */
    private static EmbeddedInspection.Outcome outcome(boolean withC, boolean cDeadLetters) throws IOException {
        Map<String, Frame> frames = new LinkedHashMap<>();
        frames.put("c/crack/A", frame("c/crack/A", "crack", true));
        frames.put("c/free/B", frame("c/free/B", "free", false));
        List<AnomalyEvent> events = new ArrayList<>();
        events.add(event("c/crack/A", blockMap(1.0f, 0.1f)));
        events.add(event("c/free/B", blockMap(0.2f, 0.2f)));
        List<DeadLetter> deadLetters = new ArrayList<>();
        deadLetters.add(deadLetter(null, RejectReason.NOT_AVRO));
        int records = 3;
        if (withC) {
            frames.put("c/crack/C", frame("c/crack/C", "crack", true));
            records++;
            if (cDeadLetters) {
                deadLetters.add(deadLetter("c/crack/C", RejectReason.CORRUPT_IMAGE));
            }
        }
        return new EmbeddedInspection.Outcome(frames, records, events, deadLetters, 1.0);
    }

    private static float[] blockMap(float inside, float outside) {
        float[] map = new float[N * N];
        for (int y = 0; y < N; y++) {
            for (int x = 0; x < N; x++) {
                map[y * N + x] = x < 100 && y < 100 ? inside : outside;
            }
        }
        return map;
    }

    private static DeadLetter deadLetter(String frameId, RejectReason reason) {
        return DeadLetter.newBuilder().setSourceTopic("frames").setPartition(0).setOffset(0L)
                .setCameraId(frameId == null ? null : "cam").setFrameId(frameId).setStage("image-decode")
                .setReason(reason.name()).setErrorClass("").setMessage("").setPayload(ByteBuffer.allocate(0))
                .setTimeMillis(3L).build();
    }
}
