package dev.saaflink.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class PacerTest {

    private long now;
    private final List<Long> sleeps = new ArrayList<>();

    private Pacer pacer(double perSecond) {
        return new Pacer(perSecond, () -> now, nanos -> {
            sleeps.add(nanos);
            now += nanos;
        });
    }

    @Test
    void spacesCallsAtTheRate() throws InterruptedException {
        Pacer pacer = pacer(4);
        for (int i = 0; i < 4; i++) {
            pacer.acquire();
        }
        assertThat(sleeps).containsExactly(250_000_000L, 250_000_000L, 250_000_000L);
        assertThat(now).isEqualTo(750_000_000L);
    }

    @Test
    void catchesUpAfterASlowStep() throws InterruptedException {
        Pacer pacer = pacer(10);
        pacer.acquire();
        now += 350_000_000L; // the caller took 350 ms: slots 1..3 are already due
        pacer.acquire();
        pacer.acquire();
        pacer.acquire();
        assertThat(sleeps).isEmpty();
        pacer.acquire();
        assertThat(sleeps).containsExactly(50_000_000L);
    }

    @Test
    void zeroMeansUnpaced() throws InterruptedException {
        Pacer pacer = pacer(0);
        for (int i = 0; i < 100; i++) {
            pacer.acquire();
        }
        assertThat(sleeps).isEmpty();
    }
}
