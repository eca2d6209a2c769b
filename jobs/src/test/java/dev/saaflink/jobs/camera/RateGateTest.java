package dev.saaflink.jobs.camera;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class RateGateTest {

    private static final long MS = 1_000_000L;

    /** Admitted frame indexes of a source at {@code sourceFps} with the given jitter pattern, over {@code n} frames. */
    private static List<Integer> admitted(double fps, double sourceFps, int n, long[] jitterMillis) {
        RateGate gate = new RateGate(fps);
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t = Math.round(i * 1000 / sourceFps) * MS + jitterMillis[i % jitterMillis.length] * MS;
            if (gate.admit(t)) {
                kept.add(i);
            }
        }
        return kept;
    }

    @Test
    void keepsEveryThirdFrameOf30FpsAt10DespiteJitter() {
        assertThat(admitted(10, 30, 30, new long[] {0, 3, -3, -2, 4})).containsExactly(0, 3, 6, 9, 12, 15, 18, 21,
                24, 27);
    }

    @Test
    void zeroKeepsEverythingAndASlowerSourceIsNotThinned() {
        assertThat(admitted(0, 30, 10, new long[] {0})).hasSize(10);
        assertThat(admitted(10, 5, 10, new long[] {0, 7, -7})).hasSize(10);
    }

    @Test
    void afterAPauseTheScheduleRestartsInsteadOfLettingABurstThrough() {
        RateGate gate = new RateGate(2); // 500 ms
        assertThat(gate.admit(0)).isTrue();
        assertThat(gate.admit(500 * MS)).isTrue();
        // ten seconds of silence, then frames every 100 ms for 5 s: two a second again, not a catch-up burst of the
        // twenty slots missed meanwhile
        long t = Duration.ofSeconds(10).toNanos();
        int kept = 0;
        int inFirstSecond = 0;
        for (int i = 0; i < 50; i++) {
            if (gate.admit(t + i * 100 * MS)) {
                kept++;
                inFirstSecond += i < 10 ? 1 : 0;
            }
        }
        assertThat(kept).isBetween(10, 11);
        assertThat(inFirstSecond).isBetween(2, 3);
    }

    @Test
    void backoffDoublesUpToTheCapAndStartsOverAfterASuccess() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(700));
        assertThat(List.of(backoff.nextDelayMillis(), backoff.nextDelayMillis(), backoff.nextDelayMillis(),
                backoff.nextDelayMillis(), backoff.nextDelayMillis())).containsExactly(100L, 200L, 400L, 700L, 700L);
        backoff.reset();
        assertThat(backoff.nextDelayMillis()).isEqualTo(100L);
    }
}
