package dev.saaflink.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saaflink.operators.saa.MapSharpening;

import org.junit.jupiter.api.Test;

/** The {@code anomalyMap:} block of the inspection YAML and {@link AnomalyMapConfig}'s validation. */
class AnomalyMapConfigLoaderTest {

    private static AnomalyMapConfig parse(String anomalyMap) {
        return TestYaml.parse(anomalyMap).getAnomalyMap();
    }

    @Test
    void absentGivesSaliencySmoothedBy004() {
        AnomalyMapConfig c = parse("");
        assertThat(c.getSource()).isEqualTo(AnomalyMapConfig.Source.SALIENCY);
        assertThat(c.getSmoothing()).isEqualTo(0.04);
        // sharpened with the kept masks: the best at its component's score, the others at their mean
        assertThat(c.getSharpen()).isEqualTo(AnomalyMapConfig.Sharpen.MASKS);
        assertThat(c.getSharpenTopMasks()).isEqualTo(1);
        assertThat(c.getSharpenValue()).isEqualTo(MapSharpening.MaskValue.MEAN);
        assertThat(c.getSharpenOutside()).isEqualTo(1.0);
        assertThat(c.getSharpenMaxMaskFraction()).isEqualTo(0.5);
        assertThat(c.getImageScore()).isEqualTo(AnomalyMapConfig.ImageScoreRule.MAX);
        assertThat(c.toString()).isEqualTo(AnomalyMapConfig.defaults().toString());
        assertThat(parse("anomalyMap: {smoothing: 0.04}\n").toString()).isEqualTo(c.toString());
    }

    @Test
    void everyKeyIsRead() {
        AnomalyMapConfig regions = parse("anomalyMap: {source: regions}\n");
        assertThat(regions.getSource()).isEqualTo(AnomalyMapConfig.Source.REGIONS);
        assertThat(regions.getSmoothing()).isEqualTo(AnomalyMapConfig.DEFAULT_SMOOTHING);

        AnomalyMapConfig both = parse("anomalyMap:\n  source: saliency\n  smoothing: 0.05\n");
        assertThat(both.getSource()).isEqualTo(AnomalyMapConfig.Source.SALIENCY);
        assertThat(both.getSmoothing()).isEqualTo(0.05);

        AnomalyMapConfig smoothingOnly = parse("anomalyMap: {smoothing: 0}\n");
        assertThat(smoothingOnly.getSource()).isEqualTo(AnomalyMapConfig.Source.SALIENCY);
        assertThat(smoothingOnly.getSmoothing()).isZero();
        // The upper edge is allowed.
        assertThat(parse("anomalyMap: {smoothing: 0.1}\n").getSmoothing()).isEqualTo(0.1);
    }

    @Test
    void anUnknownSourceIsAnErrorNamingTheField() {
        assertThatThrownBy(() -> parse("anomalyMap: {source: pixels}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("test.yaml: anomalyMap.source: must be regions or saliency, got 'pixels'");
        assertThatThrownBy(() -> parse("anomalyMap: {source: 3}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("test.yaml: anomalyMap.source:");
    }

    @Test
    void outOfRangeSmoothingIsAnErrorNamingTheField() {
        assertThatThrownBy(() -> parse("anomalyMap: {smoothing: 0.5}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("test.yaml: anomalyMap.smoothing: must be in [0, 0.1], got 0.5");
        assertThatThrownBy(() -> parse("anomalyMap: {smoothing: -0.01}\n"))
                .hasMessageStartingWith("test.yaml: anomalyMap.smoothing:");
        assertThatThrownBy(() -> parse("anomalyMap: {smoothing: lots}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("test.yaml: anomalyMap.smoothing:");
    }

    @Test
    void anUnknownKeyIsAnErrorNamingIt() {
        assertThatThrownBy(() -> parse("anomalyMap: {colour: red}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("test.yaml: anomalyMap.colour: unknown key");
    }

    @Test
    void constructorValidation() {
        assertThatThrownBy(() -> new AnomalyMapConfig(null, 0.02))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("anomalyMap.source:");
        assertThatThrownBy(() -> new AnomalyMapConfig(AnomalyMapConfig.Source.SALIENCY, Double.NaN))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("anomalyMap.smoothing:");
        assertThatThrownBy(() -> new AnomalyMapConfig(AnomalyMapConfig.Source.SALIENCY, 0.1000001))
                .hasMessageStartingWith("anomalyMap.smoothing:");
        assertThat(AnomalyMapConfig.regions().getSource()).isEqualTo(AnomalyMapConfig.Source.REGIONS);
        assertThat(AnomalyMapConfig.saliency().getSource()).isEqualTo(AnomalyMapConfig.Source.SALIENCY);
        assertThat(AnomalyMapConfig.saliency().getSmoothing()).isEqualTo(0.04);
        assertThat(AnomalyMapConfig.regions().toString()).isEqualTo("AnomalyMapConfig{source=regions, smoothing=0.04}");
    }

    @Test
    void sharpeningAndImageScoreKeysAreRead() {
        AnomalyMapConfig c = parse("anomalyMap:\n  sharpen: masks\n  sharpenTopMasks: 2\n  sharpenValue: peak\n  sharpenOutside: 0.25\n"
                + "  sharpenMaxMaskFraction: 0.3\n  imageScore: top-mean\n  imageScoreFraction: 0.02\n");
        assertThat(c.getSharpen()).isEqualTo(AnomalyMapConfig.Sharpen.MASKS);
        assertThat(c.getSharpenTopMasks()).isEqualTo(2);
        assertThat(c.getSharpenValue()).isEqualTo(MapSharpening.MaskValue.PEAK);
        assertThat(c.getSharpenOutside()).isEqualTo(0.25);
        assertThat(c.getSharpenMaxMaskFraction()).isEqualTo(0.3);
        assertThat(c.getImageScore()).isEqualTo(AnomalyMapConfig.ImageScoreRule.TOP_MEAN);
        assertThat(c.imageScoreTopFraction()).isEqualTo(0.02);
        assertThat(c.describeImageScore()).isEqualTo("mean of the map's top 2 % of pixels");
        assertThat(c.toString()).isEqualTo("AnomalyMapConfig{source=saliency, smoothing=0.04, sharpen=masks, "
                + "sharpenTopMasks=2, sharpenValue=peak, sharpenOutside=0.25, sharpenMaxMaskFraction=0.3, imageScore=top-mean, "
                + "imageScoreFraction=0.02}");

        AnomalyMapConfig defaults = parse("anomalyMap: {sharpen: none, imageScore: max}\n");
        assertThat(defaults.getSharpen()).isEqualTo(AnomalyMapConfig.Sharpen.NONE);
        assertThat(defaults.imageScoreTopFraction()).as("max: no fraction").isZero();
        assertThat(defaults.describeImageScore()).isEqualTo("max of the map");
        assertThat(defaults.getSharpenOutside()).isEqualTo(AnomalyMapConfig.DEFAULT_SHARPEN_OUTSIDE);
        assertThat(defaults.getImageScoreFraction()).isEqualTo(AnomalyMapConfig.DEFAULT_IMAGE_SCORE_FRACTION);
    }

    @Test
    void badSharpeningAndImageScoreValuesAreErrorsNamingTheField() {
        assertThatThrownBy(() -> parse("anomalyMap: {sharpen: blur}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("test.yaml: anomalyMap.sharpen: must be none or masks, got 'blur'");
        assertThatThrownBy(() -> parse("anomalyMap: {sharpenTopMasks: -1}\n"))
                .hasMessage("test.yaml: anomalyMap.sharpenTopMasks: must be >= 0, got -1");
        assertThatThrownBy(() -> parse("anomalyMap: {sharpenValue: median}\n"))
                .hasMessage("test.yaml: anomalyMap.sharpenValue: must be peak or mean, got 'median'");
        assertThatThrownBy(() -> parse("anomalyMap: {sharpenOutside: 1.5}\n"))
                .hasMessage("test.yaml: anomalyMap.sharpenOutside: must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> parse("anomalyMap: {sharpenMaxMaskFraction: 0}\n"))
                .hasMessage("test.yaml: anomalyMap.sharpenMaxMaskFraction: must be in (0, 1], got 0.0");
        assertThatThrownBy(() -> parse("anomalyMap: {imageScore: mean}\n"))
                .hasMessage("test.yaml: anomalyMap.imageScore: must be max or top-mean, got 'mean'");
        assertThatThrownBy(() -> parse("anomalyMap: {imageScoreFraction: 2}\n"))
                .hasMessage("test.yaml: anomalyMap.imageScoreFraction: must be in (0, 1], got 2.0");
    }

    @Test
    void theShippedConfigUsesTheSmoothedSaliency() {
        AnomalyMapConfig c = InspectionConfigLoader.loadDefault().getAnomalyMap();
        assertThat(c.getSource()).isEqualTo(AnomalyMapConfig.Source.SALIENCY);
        assertThat(c.getSmoothing()).isEqualTo(0.04);
        assertThat(c.toString()).as("the shipped file spells out the defaults")
                .isEqualTo(AnomalyMapConfig.defaults().toString());
    }
}
