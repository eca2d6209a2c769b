package dev.saaflink.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void theShippedConfigUsesTheSmoothedSaliency() {
        AnomalyMapConfig c = InspectionConfigLoader.loadDefault().getAnomalyMap();
        assertThat(c.getSource()).isEqualTo(AnomalyMapConfig.Source.SALIENCY);
        assertThat(c.getSmoothing()).isEqualTo(0.04);
    }
}
