package dev.saaflink.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The {@code streamContext:} block of the inspection YAML. */
class StreamContextConfigLoaderTest {

    private static StreamContextConfig parse(String streamContext) {
        return TestYaml.parse(streamContext).getStreamContext();
    }

    @Test
    void absentGivesTheDefaults() {
        StreamContextConfig c = parse("");
        assertThat(c.isEnabled()).isTrue();
        assertThat(c.getMemoryFrames()).isEqualTo(48);
        assertThat(c.getPatchesPerFrame()).isEqualTo(341);
        assertThat(c.getLowestFraction()).isEqualTo(0.3);
        assertThat(c.getWarmupFrames()).isEqualTo(1);
    }

    @Test
    void enabledFalseTurnsItOffAndKeepsTheOtherDefaults() {
        StreamContextConfig c = parse("streamContext: {enabled: false}\n");
        assertThat(c.isEnabled()).isFalse();
        assertThat(c.getMemoryFrames()).isEqualTo(48);
        assertThat(c.getPatchesPerFrame()).isEqualTo(341);
        assertThat(c.getLowestFraction()).isEqualTo(0.3);
        assertThat(c.getWarmupFrames()).isEqualTo(1);
    }

    @Test
    void everyKeyIsRead() {
        StreamContextConfig c = parse("""
                streamContext:
                  enabled: true
                  memoryFrames: 8
                  patchesPerFrame: 256
                  lowestFraction: 0.5
                  warmupFrames: 3
                """);
        assertThat(c.isEnabled()).isTrue();
        assertThat(c.getMemoryFrames()).isEqualTo(8);
        assertThat(c.getPatchesPerFrame()).isEqualTo(256);
        assertThat(c.getLowestFraction()).isEqualTo(0.5);
        assertThat(c.getWarmupFrames()).isEqualTo(3);
        // A whole number is a valid fraction.
        assertThat(parse("streamContext: {lowestFraction: 1}\n").getLowestFraction()).isEqualTo(1.0);
    }

    @Test
    void anUnknownKeyIsAnErrorNamingIt() {
        assertThatThrownBy(() -> parse("streamContext: {memoryFrame: 4}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("test.yaml: streamContext.memoryFrame: unknown key (did you mean 'memoryFrames'?)");
        assertThatThrownBy(() -> parse("streamContext: {colour: red}\n"))
                .hasMessageStartingWith("test.yaml: streamContext.colour: unknown key");
    }

    @Test
    void outOfRangeValuesAreErrorsNamingTheField() {
        assertThatThrownBy(() -> parse("streamContext: {memoryFrames: 0}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("test.yaml: streamContext.memoryFrames: must be in [1, 256], got 0");
        assertThatThrownBy(() -> parse("streamContext: {lowestFraction: 1.5}\n"))
                .hasMessage("test.yaml: streamContext.lowestFraction: must be in (0, 1], got 1.5");
        assertThatThrownBy(() -> parse("streamContext: {memoryFrames: 4, warmupFrames: 5}\n"))
                .hasMessage("test.yaml: streamContext.warmupFrames: must be in [1, memoryFrames = 4], got 5");
        // warmupFrames defaults to 1, memoryFrames to 48: a warm-up of 49 alone is too long.
        assertThatThrownBy(() -> parse("streamContext: {warmupFrames: 49}\n"))
                .hasMessageStartingWith("test.yaml: streamContext.warmupFrames:");
    }

    @Test
    void wrongTypesAreErrorsNamingTheField() {
        assertThatThrownBy(() -> parse("streamContext: {memoryFrames: 2.5}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("test.yaml: streamContext.memoryFrames: must be a whole number");
        assertThatThrownBy(() -> parse("streamContext: {enabled: maybe}\n"))
                .hasMessageStartingWith("test.yaml: streamContext.enabled: must be true or false");
        assertThatThrownBy(() -> parse("streamContext: {lowestFraction: half}\n"))
                .hasMessageStartingWith("test.yaml: streamContext.lowestFraction:");
    }

    @Test
    void theShippedConfigUsesTheDefaults() {
        StreamContextConfig c = InspectionConfigLoader.loadDefault().getStreamContext();
        assertThat(c.isEnabled()).isTrue();
        assertThat(c.getMemoryFrames()).isEqualTo(48);
        assertThat(c.getPatchesPerFrame()).isEqualTo(341);
    }


    @Test
    void poolCellsAndBorderCellsAreValidated() {
        assertThatThrownBy(() -> new StreamContextConfig(true, 4, 8, 0.3, 1, 2, 0))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("streamContext.poolCells: must be odd and in [1, 9], got 2");
        assertThatThrownBy(() -> new StreamContextConfig(true, 4, 8, 0.3, 1, 0, 0))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("streamContext.poolCells:");
        assertThatThrownBy(() -> new StreamContextConfig(true, 4, 8, 0.3, 1, 11, 0))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("streamContext.poolCells: must be odd and in [1, 9], got 11");
        assertThatThrownBy(() -> new StreamContextConfig(true, 4, 8, 0.3, 1, 3, -1))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("streamContext.borderCells: must be in [0, 16], got -1");
        assertThatThrownBy(() -> new StreamContextConfig(true, 4, 8, 0.3, 1, 3, 17))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("streamContext.borderCells:");
        // The edges are allowed.
        StreamContextConfig low = new StreamContextConfig(true, 4, 8, 0.3, 1, 1, 0);
        assertThat(low.getPoolCells()).isEqualTo(1);
        assertThat(low.getBorderCells()).isZero();
        StreamContextConfig high = new StreamContextConfig(true, 4, 8, 0.3, 1, 9, 16);
        assertThat(high.getPoolCells()).isEqualTo(9);
        assertThat(high.getBorderCells()).isEqualTo(16);
    }

    @Test
    void defaultsPool5AndReplace5BorderCells() {
        assertThat(StreamContextConfig.defaults().getPoolCells()).isEqualTo(5);
        assertThat(StreamContextConfig.defaults().getBorderCells()).isEqualTo(5);
        assertThat(StreamContextConfig.defaults().toString()).contains("poolCells=5", "borderCells=5");
    }

    @Test
    void yamlPoolCellsAndBorderCells() {
        StreamContextConfig c = parse("streamContext: {poolCells: 1, borderCells: 0}\n");
        assertThat(c.getPoolCells()).isEqualTo(1);
        assertThat(c.getBorderCells()).isZero();
        StreamContextConfig absent = parse("streamContext: {memoryFrames: 8}\n");
        assertThat(absent.getPoolCells()).isEqualTo(StreamContextConfig.DEFAULT_POOL_CELLS);
        assertThat(absent.getBorderCells()).isEqualTo(StreamContextConfig.DEFAULT_BORDER_CELLS);
        assertThatThrownBy(() -> parse("streamContext: {poolCells: 4}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("test.yaml: streamContext.poolCells: must be odd and in [1, 9], got 4");
        assertThatThrownBy(() -> parse("streamContext: {borderCells: 17}\n"))
                .hasMessage("test.yaml: streamContext.borderCells: must be in [0, 16], got 17");
    }

    /** Issue 13: the bounds on untrusted keys. */
    @Test
    void idleTtlAndMaxCamerasPerSubtaskAreReadWithTheirDefaults() {
        StreamContextConfig d = parse("");
        assertThat(d.getIdleTtl()).isEqualTo(java.time.Duration.ofHours(24));
        assertThat(d.getMaxCamerasPerSubtask()).isEqualTo(64);
        assertThat(d.memoryBytesPerKey(256)).as("48 x 341 x 256 floats").isEqualTo(48L * 341 * 256 * 4);

        StreamContextConfig c = parse("streamContext: {idleTtl: 30m, maxCamerasPerSubtask: 8}\n");
        assertThat(c.getIdleTtl()).isEqualTo(java.time.Duration.ofMinutes(30));
        assertThat(c.getMaxCamerasPerSubtask()).isEqualTo(8);
        assertThat(parse("streamContext: {idleTtl: 0}\n").getIdleTtl()).isZero();
        assertThat(parse("streamContext: {idleTtl: 500ms}\n").getIdleTtl().toMillis()).isEqualTo(500);
        assertThat(parse("streamContext: {idleTtl: 90s}\n").getIdleTtl().toSeconds()).isEqualTo(90);
        assertThat(parse("streamContext: {idleTtl: 7d}\n").getIdleTtl().toDays()).isEqualTo(7);
        // The bundled config writes them out, with the defaults.
        StreamContextConfig bundled = InspectionConfigLoader.loadDefault().getStreamContext();
        assertThat(bundled.getIdleTtl()).isEqualTo(StreamContextConfig.DEFAULT_IDLE_TTL);
        assertThat(bundled.getMaxCamerasPerSubtask()).isEqualTo(StreamContextConfig.DEFAULT_MAX_CAMERAS_PER_SUBTASK);
    }

    @Test
    void aBadIdleTtlOrCameraCapIsAnErrorNamingIt() {
        assertThatThrownBy(() -> parse("streamContext: {idleTtl: 24}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("streamContext.idleTtl: must be 0 or a whole number with a unit (ms, s, m, h, d)")
                .hasMessageContaining("got '24'");
        assertThatThrownBy(() -> parse("streamContext: {idleTtl: 1.5h}\n"))
                .hasMessageContaining("streamContext.idleTtl");
        assertThatThrownBy(() -> parse("streamContext: {maxCamerasPerSubtask: 0}\n"))
                .hasMessageContaining("streamContext.maxCamerasPerSubtask: must be in [1, 1000000], got 0");
        assertThatThrownBy(() -> parse("streamContext: {idleTtlMs: 5}\n"))
                .hasMessageContaining("unknown key (did you mean 'idleTtl'?)");
    }

    @Test
    void theAdmissionGateIsOffByDefaultAndEveryKeyIsRead() {
        MemoryAdmissionConfig absent = parse("").getAdmission();
        assertThat(absent.isEnabled()).isFalse();
        assertThat(absent.getQuantile()).isEqualTo(MemoryAdmissionConfig.DEFAULT_QUANTILE);
        assertThat(absent.getWindow()).isEqualTo(MemoryAdmissionConfig.DEFAULT_WINDOW);
        assertThat(StreamContextConfig.defaults().getAdmission().isEnabled()).isFalse();
        assertThat(InspectionConfigLoader.loadDefault().getStreamContext().getAdmission().isEnabled()).isFalse();
        MemoryAdmissionConfig a = parse("""
                streamContext:
                  admission: {enabled: true, quantile: 0.9, factor: 1.5, window: 8, maxMaskedFraction: 0.25}
                """).getAdmission();
        assertThat(a.isEnabled()).isTrue();
        assertThat(a.getQuantile()).isEqualTo(0.9);
        assertThat(a.getFactor()).isEqualTo(1.5);
        assertThat(a.getWindow()).isEqualTo(8);
        assertThat(a.getMaxMaskedFraction()).isEqualTo(0.25);
        MemoryAdmissionConfig on = parse("streamContext: {admission: {enabled: true}}\n").getAdmission();
        assertThat(on.isEnabled()).isTrue();
        assertThat(on.getQuantile()).isEqualTo(MemoryAdmissionConfig.DEFAULT_QUANTILE);
        assertThat(parse("streamContext: {admission: {quantile: 0.9}}\n").getAdmission().isEnabled())
                .as("settings without enabled: true leave it off").isFalse();
    }

    @Test
    void aBadAdmissionKeyOrValueIsAnErrorNamingIt() {
        assertThatThrownBy(() -> parse("streamContext: {admission: {quantil: 0.9}}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("streamContext.admission.quantil: unknown key (did you mean 'quantile'?)");
        assertThatThrownBy(() -> parse("streamContext: {admission: {quantile: 1.0}}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("streamContext.admission.quantile: must be in [0.5, 1)");
        assertThatThrownBy(() -> parse("streamContext: {admission: {window: 0}}\n"))
                .hasMessageContaining("streamContext.admission.window");
    }

    @Test
    void theDarkLineChannelIsReadWithItsDefaults() {
        assertThat(parse("").getDarkLines().isEnabled()).isFalse();
        assertThat(StreamContextConfig.defaults().getDarkLines().isEnabled()).isFalse();
        DarkLinesConfig bundled = InspectionConfigLoader.loadDefault().getStreamContext().getDarkLines();
        assertThat(bundled.isEnabled()).as("on in the shipped config (chosen on MTD's tune half)").isTrue();
        assertThat(bundled.getSize()).isEqualTo(7);
        assertThat(bundled.getWeight()).isEqualTo(1.3);
        assertThat(bundled.getCap()).isEqualTo(0.048);
        DarkLinesConfig d = parse("""
                streamContext:
                  darkLines: {enabled: true, size: 9, quantile: 0.99, window: 16, band: 0.05, sigma: 0.01, weight: 2, cap: 0.1}
                """).getDarkLines();
        assertThat(d.isEnabled()).isTrue();
        assertThat(d.getSize()).isEqualTo(9);
        assertThat(d.getQuantile()).isEqualTo(0.99);
        assertThat(d.getWindow()).isEqualTo(16);
        assertThat(d.getBand()).isEqualTo(0.05);
        assertThat(d.getSigma()).isEqualTo(0.01);
        assertThat(d.getWeight()).isEqualTo(2.0);
        assertThat(d.getCap()).isEqualTo(0.1);
        assertThat(parse("streamContext: {darkLines: {enabled: true}}\n").getDarkLines().getQuantile())
                .isEqualTo(DarkLinesConfig.DEFAULT_QUANTILE);
        assertThatThrownBy(() -> parse("streamContext: {darkLines: {size: 8}}\n"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("streamContext.darkLines.size: must be odd");
        assertThatThrownBy(() -> parse("streamContext: {darkLines: {wieght: 1}}\n"))
                .hasMessageContaining("streamContext.darkLines.wieght: unknown key");
    }
}
