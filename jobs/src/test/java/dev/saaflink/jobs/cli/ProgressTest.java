package dev.saaflink.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class ProgressTest {

    private long now = 1_000_000_000L;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    private String printed() {
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsAtMostOncePerIntervalWithRateAndEta() {
        Progress progress = new Progress("ingest", "frames", 100, out, Duration.ofSeconds(2), () -> now);

        now += 1_000_000_000L;
        progress.advance(10);
        assertThat(printed()).isEmpty();

        now += 1_000_000_000L;
        progress.advance(10);
        assertThat(printed()).isEqualTo("ingest: 20/100 (20%), 10.0 frames/s, elapsed 2s, ETA 8s" + System.lineSeparator());

        progress.advance(5);
        assertThat(printed().lines()).hasSize(1);

        now += 3_000_000_000L;
        progress.advance(75);
        progress.finish();
        assertThat(printed().lines()).containsExactly(
                "ingest: 20/100 (20%), 10.0 frames/s, elapsed 2s, ETA 8s",
                "ingest: 100/100 (100%), 20.0 frames/s, elapsed 5s",
                "ingest: 100/100 (100%), 20.0 frames/s, elapsed 5s");
    }

    @Test
    void unknownTotalHasNoPercentageOrEta() {
        Progress progress = new Progress("results", "events", -1, out, Duration.ofSeconds(1), () -> now);
        now += 4_000_000_000L;
        progress.advance(2);
        assertThat(printed().strip()).isEqualTo("results: 2, 0.5 events/s, elapsed 4s");
    }

    @Test
    void durationsReadNaturally() {
        assertThat(Progress.formatDuration(Duration.ofSeconds(42))).isEqualTo("42s");
        assertThat(Progress.formatDuration(Duration.ofSeconds(185))).isEqualTo("3m05s");
        assertThat(Progress.formatDuration(Duration.ofMinutes(62))).isEqualTo("1h02m");
    }

    @Test
    void detailsFollowEveryLine() {
        long[] gaps = {0};
        Progress progress = new Progress("camera", "frames", -1, out, Duration.ofSeconds(1), () -> now)
                .details(() -> "gaps " + gaps[0]);

        now += 1_000_000_000L;
        gaps[0] = 2;
        progress.advance(5);

        assertThat(printed()).isEqualTo("camera: 5, 5.0 frames/s, elapsed 1s, gaps 2" + System.lineSeparator());
    }
}
