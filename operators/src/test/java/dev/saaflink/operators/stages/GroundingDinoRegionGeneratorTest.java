package dev.saaflink.operators.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.config.SaaParameters;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.saa.PropertyFilter;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.schemas.RegionSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator end to end through ONNX Runtime on {@link TinyDetectorModel}; expected values worked out by hand. */
class GroundingDinoRegionGeneratorTest {

    private static final int W = 200;
    private static final int H = 100;

    private static FrameInProgress frame() {
        DecodedFrame d = new DecodedFrame();
        d.frameId = "f1";
        d.cameraId = "c1";
        d.category = "mtd";
        d.image = new RgbImage(W, H, new byte[W * H * 3]);
        return new FrameInProgress(d, new InspectionConfig.Resolved(mtd().build(), true, "1"), 0L);
    }

    private static CategoryConfig.Builder mtd() {
        return CategoryConfig.builder("mtd").objectPrompt("mtd").instances(1).topK(5).areaRatio(0.5)
                .anomalyThreshold(0.3).generalPrompts(false)
                .addPrompt("black hole.", "mtd")
                .addPrompt("crack on mtd", "mtd")
                .addPrompt("crack.", "mtd");
    }

    private static GroundingDinoRegionGenerator generator(Path dir) throws Exception {
        return new GroundingDinoRegionGenerator(TinyDetectorModel.write(dir), SaaParameters.asCoded(), 1);
    }

    private static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void objectPassSetsTheAreaReferenceAndDefectPromptsProposeFilteredBoxes(@TempDir Path dir) throws Exception {
        try (GroundingDinoRegionGenerator g = generator(dir)) {
            FrameInProgress f = frame();
            CategoryConfig c = mtd().build();
            List<RegionCandidate> boxes;
            double objectArea;
            try (RegionGenerator.FrameProposals p = g.start(f, c)) {
                boxes = p.candidates();
                objectArea = p.objectArea();
            }
            // object caption "mtd,.": queries 0 (area 0.40, 'mtd' 0.881) and 1 (0.02, 'mtd' 0.269) pass; query 2 has
            // no token above 0.1. The largest surviving object box is query 0: area 0.8 * 0.5 in float32.
            assertThat(objectArea).isEqualTo((double) (0.8f * 0.5f));
            // defect cap = 0.5 * 0.4 = 0.2: only query 1 (0.02) fits; query 2 (0.25, 'hole') does not.
            // "black hole.": query 1, score sigmoid(1), phrase "black"
            // "crack on mtd": query 1's phrase is "crack mtd", which contains the filter word: dropped
            // "crack.": query 1, score sigmoid(0.5), phrase "crack"
            assertThat(boxes).hasSize(2);
            RegionCandidate a = boxes.get(0);
            assertThat(new int[] {a.x1, a.y1, a.x2, a.y2}).containsExactly(30, 20, 70, 30);
            assertThat(a.score).isCloseTo(sig(1), within(1e-6));
            assertThat(a.label).isEqualTo("black");
            RegionCandidate b = boxes.get(1);
            assertThat(new int[] {b.x1, b.y1, b.x2, b.y2}).containsExactly(30, 20, 70, 30);
            assertThat(b.score).isCloseTo(sig(0.5), within(1e-6));
            assertThat(b.label).isEqualTo("crack");
            // the stage's own area filter keeps both
            assertThat(PropertyFilter.filter(boxes, W, H, c.getAreaRatio(), objectArea)).hasSize(2);
        }
    }

    @Test
    void withoutAnObjectBoxTheAreaReferenceIsTheWholeImage(@TempDir Path dir) throws Exception {
        try (GroundingDinoRegionGenerator g = generator(dir)) {
            FrameInProgress f = frame();
            CategoryConfig c = mtd().objectPrompt("object").build();
            List<RegionCandidate> boxes;
            try (RegionGenerator.FrameProposals p = g.start(f, c)) {
                boxes = p.candidates();
                assertThat(p.objectArea()).isEqualTo(1.0);
                assertThat(p.objectBoxes()).isEmpty();
            }
            // cap 0.5: "black hole." now also keeps query 2 (0.25, phrase "hole", score sigmoid(1.5))
            assertThat(boxes).extracting(r -> r.label).containsExactly("black", "hole", "crack");
            RegionCandidate q2 = boxes.get(1);
            assertThat(new int[] {q2.x1, q2.y1, q2.x2, q2.y2}).containsExactly(70, 35, 170, 85);
            assertThat(q2.score).isCloseTo(sig(1.5), within(1e-6));
        }
    }

    @Test
    void objectBoxesAreCappedAtOneOverN(@TempDir Path dir) throws Exception {
        try (GroundingDinoRegionGenerator g = generator(dir)) {
            FrameInProgress f = frame();
            // N = 4: object boxes must be < 0.25, so only query 1 (0.02) counts; defect cap 0.5 * 0.02 = 0.01
            CategoryConfig c = mtd().instances(4).build();
            try (RegionGenerator.FrameProposals p = g.start(f, c)) {
                assertThat(p.objectArea()).isEqualTo((double) (0.2f * 0.1f));
                assertThat(p.candidates()).isEmpty();
            }
        }
    }

    @Test
    void objectBoxesAreTheObjectPassInPixelsSharedWithTheAreaReference(@TempDir Path dir) throws Exception {
        try (GroundingDinoRegionGenerator g = generator(dir)) {
            FrameInProgress f = frame();
            // N = 1: queries 0 and 1 survive the object pass; query 1 is the 0.2 x 0.1 box at (30, 20)-(70, 30).
            CategoryConfig one = mtd().build();
            try (RegionGenerator.FrameProposals p = g.start(f, one)) {
                List<RegionCandidate> objects = p.objectBoxes();
                assertThat(objects).hasSize(2);
                RegionCandidate q1 = objects.get(1);
                assertThat(new int[] {q1.x1, q1.y1, q1.x2, q1.y2}).containsExactly(30, 20, 70, 30);
                assertThat(p.objectArea()).isEqualTo((double) (0.8f * 0.5f));
            }
            // N = 4: only query 1 stays under 1/N, so the multi-instance saliency would fall back (one object).
            CategoryConfig four = mtd().instances(4).build();
            try (RegionGenerator.FrameProposals p = g.start(frame(), four)) {
                assertThat(p.objectBoxes()).hasSize(1);
                assertThat(p.objectArea()).isEqualTo((double) (0.2f * 0.1f));
                assertThat(p.candidates()).isEmpty();
            }
        }
        // The stand-in has no object pass: no boxes, the whole image as the area reference.
        try (RegionGenerator.FrameProposals p = new SaliencyStandInGenerator(
                dev.saaflink.operators.config.StandInConfig.defaults().toSettings()).start(frame(), mtd().build())) {
            assertThat(p.objectBoxes()).isEmpty();
            assertThat(p.objectArea()).isEqualTo(1.0);
        }
    }

    @Test
    void reportsDetectorSourceAndModelIds(@TempDir Path dir) throws Exception {
        try (GroundingDinoRegionGenerator g = generator(dir)) {
            assertThat(g.source()).isEqualTo(RegionSource.DETECTOR);
            assertThat(g.id()).startsWith("groundingdino:test/tiny-detector@");
            Map<String, String> ids = RegionGenerators.modelIds(g);
            assertThat(ids).containsOnlyKeys("regionGenerator", "groundingDino");
            assertThat(ids.get("groundingDino")).startsWith("test/tiny-detector@");
        }
    }

    @Test
    void objectCaptionKeepsTheReferenceComma() {
        assertThat(GroundingDinoRegionGenerator.objectCaption("mtd")).isEqualTo("mtd,");
        assertThat(GroundingDinoRegionGenerator.objectCaption("chewinggum.")).isEqualTo("chewinggum.");
    }

    @Test
    void configPicksTheGenerator(@TempDir Path dir) throws Exception {
        TinyDetectorModel.write(dir);
        String categories = "categories:\n  default:\n    objectPrompt: object\n    topK: 5\n    areaRatio: 0.9\n"
                + "    anomalyThreshold: 0.3\n";
        InspectionConfig detector = InspectionConfigLoader.parse("version: 1\nregionGenerator:\n  type: groundingdino\n"
                + "  model: tiny-detector.properties\n" + categories, "test", dir);
        RegionGenerator g = RegionGenerators.create(new PipelineSettings(detector));
        assertThat(g).isInstanceOf(GroundingDinoRegionGenerator.class);
        assertThat(g.source()).isEqualTo(RegionSource.DETECTOR);

        InspectionConfig plain = InspectionConfigLoader.parse("version: 1\n" + categories, "test", dir);
        assertThat(RegionGenerators.create(new PipelineSettings(plain))).isInstanceOf(SaliencyStandInGenerator.class);
        assertThat(RegionGenerators.modelIds(RegionGenerators.create(new PipelineSettings(plain))))
                .containsOnlyKeys("regionGenerator");
    }
}
