package dev.saaflink.jobs.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class BenchRunnerTest {

    @Test
    void steadyStateSkipsTheFirstQuarterOfCompletions() {
        // 8 completions: a slow start (model loading), then one every 500 ms. Skip 2; the 5 completions after
        // t[2] = 10_500 took 2_500 ms: 2 per second, whatever the start-up cost.
        long[] t = {10_000, 10_100, 10_500, 11_000, 11_500, 12_000, 12_500, 13_000};
        assertThat(BenchRunner.steadyStateFps(t)).isCloseTo(2.0, within(1e-9));
        // Order of arrival does not matter.
        long[] shuffled = {13_000, 10_000, 12_000, 10_500, 11_500, 10_100, 12_500, 11_000};
        assertThat(BenchRunner.steadyStateFps(shuffled)).isCloseTo(2.0, within(1e-9));
    }

    @Test
    void aRateNeedsTwoCompletionsAfterTheSkippedOnes() {
        // skip 1, then 2 completions after t[1] = 1_000 in 4_000 ms: 0.5 per second.
        assertThat(BenchRunner.steadyStateFps(new long[] {0, 1_000, 3_000, 5_000})).isCloseTo(0.5, within(1e-9));
        assertThat(BenchRunner.steadyStateFps(new long[] {0, 1_000, 3_000})).isCloseTo(0.5, within(1e-9));
        assertThatThrownBy(() -> BenchRunner.steadyStateFps(new long[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 3");
    }

    @Test
    void stageMeansAverageOverEveryFrameEvenWhereAStageIsMissing() {
        Map<String, Object> means = BenchRunner.stageMeans(List.of(
                Map.of("samEncoder", 100.0, "samDecoder", 30.0),
                Map.of("samEncoder", 300.0)));
        assertThat(means).containsEntry("samEncoder", 200.0).containsEntry("samDecoder", 15.0);
    }

    @Test
    void peakMemoryFiguresArePositiveOnLinux() {
        assertThat(BenchRunner.peakHeapMb()).isPositive();
        double rss = BenchRunner.peakRssMb();
        assertThat(Double.isNaN(rss) || rss > 0).isTrue();
    }

    @Test
    void theBaselineIsTodaysEncoderPathWithEverythingElseAsConfigured() {
        dev.saaflink.operators.pipeline.PipelineSettings s = new dev.saaflink.operators.pipeline.PipelineSettings(
                dev.saaflink.operators.config.InspectionConfigLoader.loadDefault());
        s.asyncCapacity = 3;
        s.decoderSkipBelow = 0.02;
        dev.saaflink.models.sam.EncoderVariant configured = s.inspection.getSam().encoderVariant();
        assertThat(configured.isAsExported()).isFalse(); // the shipped default rewrites the encoder

        dev.saaflink.operators.pipeline.PipelineSettings b = BenchRunner.baselineOf(s);
        assertThat(b.inspection.getSam().encoderVariant().isAsExported()).isTrue();
        assertThat(b.asyncCapacity).isEqualTo(3);
        assertThat(b.decoderSkipBelow).isEqualTo(0.02);
        assertThat(b.inspection.getStreamContext().getPoolCells())
                .isEqualTo(s.inspection.getStreamContext().getPoolCells());
        assertThat(s.inspection.getSam().encoderVariant()).isEqualTo(configured); // the original is left alone
    }

    @Test
    void modelCpuPerFrameCountsTheModelWorkersAndTheStreamContextTask() {
        assertThat(BenchRunner.modelCpuMsPerFrame(java.util.Map.of("modelWorkers", 4.5, "streamContextTask", 1.5,
                "jitCompiler", 9.0), 16)).isEqualTo(375.0);
        assertThat(BenchRunner.modelCpuMsPerFrame(java.util.Map.of(), 0)).isEqualTo(0.0);
    }
}
