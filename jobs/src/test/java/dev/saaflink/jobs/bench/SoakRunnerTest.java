package dev.saaflink.jobs.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SoakRunnerTest {

    private static SoakRunner.Sample sample(double t, long published, long outputs, long consumed, double heap,
                                            double rss) {
        return new SoakRunner.Sample(t, "burst", published, outputs, consumed, heap, rss);
    }

    @Test
    void sampleDerivesLagKafkaLagAndInFlight() {
        SoakRunner.Sample s = sample(10, 20, 3, 7, 100, 800);
        assertThat(s.lag()).isEqualTo(17);
        assertThat(s.kafkaLag()).isEqualTo(13);
        assertThat(s.inFlight()).isEqualTo(4);
        SoakRunner.Sample beforeFirstCheckpoint = sample(1, 2, 0, -1, 100, 800);
        assertThat(beforeFirstCheckpoint.inFlight()).isEqualTo(-1);
        assertThat(beforeFirstCheckpoint.kafkaLag()).isEqualTo(2);
        assertThat(s.row()).hasSize(SoakRunner.SERIES_COLUMNS.size());
    }

    @Test
    void peaksAreTheMaximaOverTheSeries() {
        SoakRunner.Peaks p = SoakRunner.peaks(List.of(
                sample(1, 2, 0, -1, 150, Double.NaN),
                sample(2, 40, 5, 9, 300, 1200),
                sample(3, 60, 60, 60, 200, 1100)));
        assertThat(p.lag()).isEqualTo(35);
        assertThat(p.kafkaLag()).isEqualTo(31);
        assertThat(p.inFlight()).isEqualTo(4);
        assertThat(p.heapMb()).isEqualTo(300);
        assertThat(p.rssMb()).isEqualTo(1200);
        assertThat(SoakRunner.peaks(List.of()).inFlight()).isEqualTo(-1);
    }

    @Test
    void outputCheckFindsLostDuplicateAndUnexpectedFrames() {
        assertThat(SoakRunner.checkOutputs(List.of("a", "b", "c"), List.of("c", "a", "b")).passed()).isTrue();

        SoakRunner.OutputCheck check = SoakRunner.checkOutputs(List.of("a", "b", "c"), List.of("a", "a", "x"));
        assertThat(check.lost()).isEqualTo(2);
        assertThat(check.duplicates()).isEqualTo(1);
        assertThat(check.unexpected()).isEqualTo(1);
        assertThat(check.outputs()).isEqualTo(3);
        assertThat(check.published()).isEqualTo(3);
        assertThat(check.passed()).isFalse();
    }

    @Test
    void drainAllowanceIsFiveMinutesOrTwiceTheExpectedDrain() {
        assertThat(SoakRunner.drainAllowance(10, 1.0)).isEqualTo(SoakRunner.MIN_DRAIN_WAIT);
        assertThat(SoakRunner.drainAllowance(1000, 0.5)).isEqualTo(Duration.ofSeconds(4000));
        assertThat(SoakRunner.drainAllowance(1000, Double.NaN)).isEqualTo(SoakRunner.MIN_DRAIN_WAIT);
        assertThat(SoakRunner.drainAllowance(1000, 0)).isEqualTo(SoakRunner.MIN_DRAIN_WAIT);
    }

    @Test
    void lagSlopeIsRateMinusThroughputForALinearBacklog() {
        // 2 frames/s in, 0.5 out: the lag grows by 1.5 a second
        List<SoakRunner.Sample> series = java.util.stream.IntStream.range(0, 30)
                .mapToObj(t -> sample(t, 2L * t, t / 2, -1, 100, 800)).toList();
        assertThat(SoakRunner.lagSlope(series)).isCloseTo(1.5, within(0.05));
        assertThat(SoakRunner.lagSlope(series.subList(0, 1))).isNaN();
    }
}
