package dev.saaflink.operators.stages;

import static dev.saaflink.operators.stages.FusionFixtures.fourRegions;
import static dev.saaflink.operators.stages.FusionFixtures.frame;
import static dev.saaflink.operators.stages.FusionFixtures.region;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.config.SaaParameters;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.operators.saa.SegmentedRegion;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

/**
 * Rescoring, top-K and fusion on the 4x4 fixture of {@link FusionFixtures}, against values worked out from the
 * reference formulas (sections 3.5, 3.6, 10):
 *
 * <pre>
 * as coded, s' = s * exp(3 * mean):
 *   R0: 0.40 * exp(0.30) = 0.40 * 1.3498588 = 0.5399435
 *   R1: 0.50 * exp(0.60) = 0.50 * 1.8221188 = 0.9110594
 *   R2: empty mask       = 0.45
 *   R3: 0.20 * exp(0.15) = 0.20 * 1.1618342 = 0.2323668
 * paper, s' = s * exp(mean):
 *   R0: 0.40 * exp(0.10) = 0.4420684
 *   R1: 0.50 * exp(0.20) = 0.6107014
 *   R2: 0.45
 *   R3: 0.20 * exp(0.05) = 0.2102542
 * </pre>
 */
class FusionStageTest {

    private static final double EPS = 1e-12;

    private static final double R0_CODE = 0.5399435230304013;
    private static final double R1_CODE = 0.9110594001952544;
    private static final double R3_CODE = 0.23236684854565662;
    private static final double R0_PAPER = 0.4420683672302591;
    private static final double R1_PAPER = 0.6107013790800849;
    private static final double R3_PAPER = 0.21025421927520482;

    private static final SaaParameters PAPER = SaaParameters.asCoded().toBuilder()
            .rescoreGamma(1.0).fusionPlusOne(false).build();

    static CategoryConfig category(int topK, double threshold) {
        return CategoryConfig.builder("widget").objectPrompt("widget").topK(topK).areaRatio(0.9)
                .anomalyThreshold(threshold).build();
    }

    private static double at(FusionStage.Fused f, int x, int y) {
        return f.map[y * f.width + x];
    }

    @Test
    void rescoresEveryRegionWithTheCodeExponent() {
        FusionStage.Fused f = FusionStage.fuse(frame("c", "f", "widget", fourRegions()), category(2, 0.3),
                SaaParameters.asCoded());

        assertThat(f.rescored).hasSize(4);
        assertThat(f.rescored[0]).isCloseTo(R0_CODE, within(EPS));
        assertThat(f.rescored[1]).isCloseTo(R1_CODE, within(EPS));
        // Empty mask: the detector score unchanged, whatever its mean saliency says.
        assertThat(f.rescored[2]).isEqualTo(0.45);
        assertThat(f.rescored[3]).isCloseTo(R3_CODE, within(EPS));
    }

    @Test
    void keepsTheTwoBestAndFusesThemAsCoded() {
        FusionStage.Fused f = FusionStage.fuse(frame("c", "f", "widget", fourRegions()), category(2, 0.3),
                SaaParameters.asCoded());

        // 0.911 (R1) > 0.540 (R0) > 0.45 (R2) > 0.232 (R3). On raw scores R2 (0.45) would have beaten R0 (0.40).
        assertThat(f.kept).containsExactly(1, 0);
        assertThat(f.width).isEqualTo(4);
        assertThat(f.height).isEqualTo(4);
        assertThat(f.map).hasSize(16);

        // Pixel 5 = (1, 1) is covered by both: (s0' + s1') / (1 + 2) = 1.4510029 / 3.
        assertThat(at(f, 1, 1)).isCloseTo(0.4836676410752186, within(EPS));
        // R0 alone: s0' / (1 + 1).
        assertThat(at(f, 0, 0)).isCloseTo(0.26997176151520064, within(EPS));
        assertThat(at(f, 1, 0)).isCloseTo(0.26997176151520064, within(EPS));
        assertThat(at(f, 0, 1)).isCloseTo(0.26997176151520064, within(EPS));
        // R1 alone: s1' / 2.
        assertThat(at(f, 2, 1)).isCloseTo(0.4555297000976272, within(EPS));
        assertThat(at(f, 1, 2)).isCloseTo(0.4555297000976272, within(EPS));
        assertThat(at(f, 2, 2)).isCloseTo(0.4555297000976272, within(EPS));
        // R3 was not kept, nothing else covers these.
        assertThat(at(f, 3, 3)).isZero();
        assertThat(at(f, 3, 0)).isZero();
        assertThat(at(f, 0, 3)).isZero();

        // Image score = the map's maximum, the overlap pixel.
        assertThat(f.imageScore).isCloseTo(0.4836676410752186, within(EPS));
    }

    @Test
    void withLargeKEveryRegionIsKeptBestFirst() {
        FusionStage.Fused f = FusionStage.fuse(frame("c", "f", "widget", fourRegions()), category(5, 0.3),
                SaaParameters.asCoded());

        assertThat(f.kept).containsExactly(1, 0, 2, 3);
        // R3 alone on pixel 15: s3' / 2. The empty R2 adds nothing anywhere.
        assertThat(at(f, 3, 3)).isCloseTo(0.11618342427282831, within(EPS));
        assertThat(at(f, 1, 1)).isCloseTo(0.4836676410752186, within(EPS));
        assertThat(at(f, 3, 0)).isZero();
        assertThat(f.imageScore).isCloseTo(0.4836676410752186, within(EPS));
    }

    @Test
    void paperSettingsUseExpOfMeanAndNoPlusOne() {
        FusionStage.Fused f = FusionStage.fuse(frame("c", "f", "widget", fourRegions()), category(3, 0.3), PAPER);

        assertThat(f.rescored[0]).isCloseTo(R0_PAPER, within(EPS));
        assertThat(f.rescored[1]).isCloseTo(R1_PAPER, within(EPS));
        assertThat(f.rescored[2]).isEqualTo(0.45);
        assertThat(f.rescored[3]).isCloseTo(R3_PAPER, within(EPS));
        // 0.611 (R1) > 0.45 (R2) > 0.442 (R0) > 0.210 (R3): with the smaller exponent the empty R2 overtakes R0.
        assertThat(f.kept).containsExactly(1, 2, 0);

        // Overlap: (s0' + s1') / 2; one mask: s' itself (Eq. 9, no +1).
        assertThat(at(f, 1, 1)).isCloseTo(0.526384873155172, within(EPS));
        assertThat(at(f, 0, 0)).isCloseTo(R0_PAPER, within(EPS));
        assertThat(at(f, 2, 2)).isCloseTo(R1_PAPER, within(EPS));
        assertThat(at(f, 3, 3)).isZero();
        assertThat(f.imageScore).isCloseTo(R1_PAPER, within(EPS));
    }

    @Test
    void paperSettingsWithKTwoDropR0() {
        FusionStage.Fused f = FusionStage.fuse(frame("c", "f", "widget", fourRegions()), category(2, 0.3), PAPER);

        assertThat(f.kept).containsExactly(1, 2);
        // R0's pixels are no longer covered; the overlap pixel now has R1 alone.
        assertThat(at(f, 0, 0)).isZero();
        assertThat(at(f, 1, 1)).isCloseTo(R1_PAPER, within(EPS));
    }

    @Test
    void gammaZeroRanksOnDetectorScoresAlone() {
        SaaParameters noRescore = SaaParameters.asCoded().toBuilder().rescoreGamma(0).build();
        FusionStage.Fused f = FusionStage.fuse(frame("c", "f", "widget", fourRegions()), category(2, 0.3), noRescore);

        assertThat(f.rescored).containsExactly(0.40, 0.50, 0.45, 0.20);
        assertThat(f.kept).containsExactly(1, 2);
        // R1 alone everywhere it covers, s / 2 = 0.25.
        assertThat(at(f, 1, 1)).isCloseTo(0.25, within(EPS));
        assertThat(f.imageScore).isCloseTo(0.25, within(EPS));
    }

    @Test
    void noRegionsGiveAnAllZeroMap() {
        for (List<SegmentedRegion> regions : Arrays.asList(List.<SegmentedRegion>of(), null)) {
            FrameRegions frame = frame("c", "f", "widget", regions);
            FusionStage.Fused f = FusionStage.fuse(frame, category(5, 0.3), SaaParameters.asCoded());

            assertThat(f.kept).isEmpty();
            assertThat(f.rescored).isEmpty();
            assertThat(f.map).hasSize(16).containsOnly(0.0);
            assertThat(f.imageScore).isZero();
        }
    }

    @Test
    void singleMaskWithZeroSaliencyHalvesTheScore() {
        // exp(0) = 1 and one covering mask: 0.6 / (1 + 1). Halving is exact in binary, so this is the double 0.3.
        FrameRegions frame = frame("c", "f", "widget",
                List.of(region(new RegionCandidate(0, 0, 4, 1, 0.6, "dent"), 0.0, 0, 1, 2, 3)));
        FusionStage.Fused f = FusionStage.fuse(frame, category(5, 0.3), SaaParameters.asCoded());

        assertThat(f.rescored).containsExactly(0.6);
        assertThat(f.map[0]).isEqualTo(0.3);
        assertThat(f.map[4]).isZero();
        assertThat(f.imageScore).isEqualTo(0.3);
    }
}
