package dev.saaflink.operators.stages;

import static dev.saaflink.operators.stages.FusionFixtures.fourRegions;
import static dev.saaflink.operators.stages.FusionFixtures.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.operators.config.AnomalyMapConfig;
import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.config.SaaParameters;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.pipeline.SmallMap;
import dev.saaflink.operators.saa.GaussianBlur;

import org.junit.jupiter.api.Test;

/**
 * {@code anomalyMap.source: saliency} on the 4x4 fixture of {@link FusionFixtures}: the map is the frame's saliency
 * (smoothed), while rescoring and top-K are as with the region fusion.
 */
class FusionStageSaliencyMapTest {

    private static final CategoryConfig CATEGORY = FusionFixtures.TOP2;
    private static final SaaParameters PARAMS = SaaParameters.asCoded();

    private static FrameRegions withSaliency(SmallMap map) {
        FrameRegions f = frame("c", "f", "widget", fourRegions());
        f.saliencyMap = map;
        return f;
    }

    private static double[] saliencyAsDoubles() {
        double[] d = new double[FusionFixtures.SALIENCY.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = FusionFixtures.SALIENCY[i];
        }
        return d;
    }

    @Test
    void unsmoothedSaliencyIsTheMapAndTheRegionsAreRescoredAsBefore() {
        FrameRegions f = withSaliency(new SmallMap(FusionFixtures.SALIENCY.clone(), 4, 4));
        FusionStage.Fused s = FusionStage.fuse(f, CATEGORY, PARAMS,
                new AnomalyMapConfig(AnomalyMapConfig.Source.SALIENCY, 0));
        FusionStage.Fused r = FusionStage.fuse(f, CATEGORY, PARAMS, AnomalyMapConfig.regions());

        assertThat(s.width).isEqualTo(4);
        assertThat(s.height).isEqualTo(4);
        assertThat(s.map).containsExactly(saliencyAsDoubles());
        assertThat(s.imageScore).isEqualTo(0.875);
        // Rescoring and top-K do not depend on the map source: R1 (0.911) and R0 (0.540) kept.
        assertThat(s.kept).isEqualTo(r.kept).containsExactly(1, 0);
        assertThat(s.rescored).containsExactly(r.rescored);
        // The region fusion's map differs (e.g. pixel 0 only in R0: 0.540 / (1 + 1) = 0.270, not 0).
        assertThat(r.map).isNotEqualTo(s.map);
        assertThat(f.saliencyMap.values).as("the carried map is not modified").containsExactly(FusionFixtures.SALIENCY);
    }

    @Test
    void theDarkLineChannelIsAddedToTheSmoothedMapAndRaisesTheImageScore() {
        FrameRegions f = withSaliency(new SmallMap(FusionFixtures.SALIENCY.clone(), 4, 4));
        // pixel 12 = (0, 3): saliency 0, a dark mark of 1.0 there; pixel 6 (the peak, 0.875) gets 0.0625
        f.darkLines = new dev.saaflink.operators.pipeline.SparseMap(4, 4, new int[] {6, 12}, new float[] {0.0625f, 1f});
        FusionStage.Fused s = FusionStage.fuse(f, CATEGORY, PARAMS,
                new AnomalyMapConfig(AnomalyMapConfig.Source.SALIENCY, 0));
        double[] expected = saliencyAsDoubles();
        expected[6] += 0.0625;
        expected[12] += 1.0;
        assertThat(s.map).containsExactly(expected);
        assertThat(s.imageScore).isEqualTo(1.0);
        // the region fusion (SAA+'s map) does not take it
        assertThat(FusionStage.fuse(f, CATEGORY, PARAMS, AnomalyMapConfig.regions()).map[12]).isZero();
    }

    @Test
    void smoothingIsAGaussianOfSigmaSmoothingTimesTheLongerSide() {
        // smoothing may be at most 0.1: sigma = 0.1 · max(4, 4) = 0.4 px (kernel of 2·ceil(1.2) + 1 = 5 taps).
        FrameRegions f = withSaliency(new SmallMap(FusionFixtures.SALIENCY.clone(), 4, 4));
        FusionStage.Fused s = FusionStage.fuse(f, CATEGORY, PARAMS,
                new AnomalyMapConfig(AnomalyMapConfig.Source.SALIENCY, 0.1));
        double[] expected = GaussianBlur.blur(saliencyAsDoubles(), 4, 4, 0.4);
        // The blur runs on the small map's floats, so the values agree to float precision.
        assertThat(s.map).containsExactly(expected, within(1e-6));
        double max = 0;
        for (double v : expected) {
            max = Math.max(max, v);
        }
        assertThat(s.imageScore).isCloseTo(max, within(1e-6));
        assertThat(s.imageScore).as("smoothing lowers the peak").isLessThan(0.875);
        assertThat(s.map).isNotEqualTo(saliencyAsDoubles());
        assertThat(s.kept).containsExactly(1, 0);
    }

    @Test
    void aSmallerSaliencyMapIsScaledUpToTheImage() {
        // A 2x1 map [0, 1] on the 4x4 frame: each row is 0, 0.25, 0.75, 1 (bilinear, clamped at the ends).
        FrameRegions f = withSaliency(new SmallMap(new float[] {0, 1}, 2, 1));
        FusionStage.Fused s = FusionStage.fuse(f, CATEGORY, PARAMS,
                new AnomalyMapConfig(AnomalyMapConfig.Source.SALIENCY, 0));
        double[] row = {0, 0.25, 0.75, 1};
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                assertThat(s.map[y * 4 + x]).isCloseTo(row[x], within(1e-7));
            }
        }
        assertThat(s.imageScore).isEqualTo(1.0);
    }

    @Test
    void withoutASaliencyMapTheRegionFusionIsUsed() {
        FrameRegions f = withSaliency(null);
        FusionStage.Fused s = FusionStage.fuse(f, CATEGORY, PARAMS, AnomalyMapConfig.saliency());
        FusionStage.Fused r = FusionStage.fuse(f, CATEGORY, PARAMS, AnomalyMapConfig.regions());
        FusionStage.Fused plain = FusionStage.fuse(f, CATEGORY, PARAMS);
        assertThat(s.map).containsExactly(r.map);
        assertThat(s.imageScore).isEqualTo(r.imageScore);
        assertThat(s.kept).isEqualTo(r.kept);
        assertThat(s.rescored).containsExactly(r.rescored);
        assertThat(plain.map).as("the 3-argument fuse is the region fusion").containsExactly(r.map);
    }

    @Test
    void withRegionsTheSaliencyMapIsIgnored() {
        FusionStage.Fused withMap = FusionStage.fuse(withSaliency(new SmallMap(FusionFixtures.SALIENCY.clone(), 4, 4)), CATEGORY,
                PARAMS, AnomalyMapConfig.regions());
        FusionStage.Fused withoutMap = FusionStage.fuse(withSaliency(null), CATEGORY, PARAMS,
                AnomalyMapConfig.regions());
        assertThat(withMap.map).containsExactly(withoutMap.map);
        assertThat(withMap.imageScore).isEqualTo(withoutMap.imageScore);
    }
}
