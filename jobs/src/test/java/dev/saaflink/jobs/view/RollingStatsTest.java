package dev.saaflink.jobs.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RollingStatsTest {

    @Test
    void keepsOnlyTheLastSamplesAndComputesRateAndNearestRankPercentiles() {
        RollingStats stats = new RollingStats(5);
        for (int latency = 1; latency <= 10; latency++) {
            stats.add(latency % 2 == 0, latency);
        }
        // window: latencies 6..10, anomalous 6, 8, 10
        assertThat(stats.count()).isEqualTo(5);
        assertThat(stats.defectRate()).isEqualTo(0.6);
        assertThat(stats.latencyPercentile(50)).isEqualTo(8.0); // rank ceil(2.5) = 3
        assertThat(stats.latencyPercentile(95)).isEqualTo(10.0); // rank ceil(4.75) = 5
        assertThat(stats.latencyPercentile(20)).isEqualTo(6.0); // rank 1
        assertThat(stats.latencyPercentile(0)).isEqualTo(6.0);
    }

    @Test
    void unorderedLatenciesAreSortedForPercentiles() {
        RollingStats stats = new RollingStats(4);
        stats.add(true, 300);
        stats.add(false, 100);
        stats.add(false, 400);
        stats.add(false, 200);
        assertThat(stats.defectRate()).isEqualTo(0.25);
        assertThat(stats.latencyPercentile(50)).isEqualTo(200.0);
        assertThat(stats.latencyPercentile(75)).isEqualTo(300.0);
        assertThat(stats.latencyPercentile(95)).isEqualTo(400.0);
        stats.add(false, 50); // the anomalous 300 leaves the window
        assertThat(stats.defectRate()).isZero();
        assertThat(stats.latencyPercentile(50)).isEqualTo(100.0);
    }

    @Test
    void emptyWindowHasNoLatencyAndNoDefects() {
        RollingStats stats = new RollingStats(3);
        assertThat(stats.defectRate()).isZero();
        assertThat(stats.latencyPercentile(50)).isNaN();
        assertThatThrownBy(() -> new RollingStats(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
