package dev.saaflink.operators.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** The in-flight count: one finish per start, whoever (completion or timeout) gets there first. */
class InFlightRequestsTest {

    /** A handle whose equals says every handle is the same: identity must still tell requests apart. */
    static final class EqualToAll {
        @Override
        public boolean equals(Object o) {
            return o instanceof EqualToAll;
        }

        @Override
        public int hashCode() {
            return 1;
        }
    }

    @Test
    void oneFinishPerStart() {
        InFlightRequests r = new InFlightRequests();
        Object a = new Object();
        Object b = new Object();
        assertThat(r.start(a)).isTrue();
        assertThat(r.start(b)).isTrue();
        assertThat(r.count()).isEqualTo(2);

        assertThat(r.finish(a)).isTrue();   // e.g. the timeout answered
        assertThat(r.finish(a)).isFalse();  // the worker's late completion
        assertThat(r.count()).isEqualTo(1);
        assertThat(r.finish(new Object())).isFalse(); // never started (a timeout for a pass-through frame)
        assertThat(r.finish(b)).isTrue();
        assertThat(r.count()).isZero();
        assertThat(r.finish(b)).isFalse();
        assertThat(r.count()).isZero();
    }

    @Test
    void handlesAreRequestsByIdentityNotEquals() {
        InFlightRequests r = new InFlightRequests();
        EqualToAll a = new EqualToAll();
        EqualToAll b = new EqualToAll();
        r.start(a);
        r.start(b);
        assertThat(r.count()).isEqualTo(2);
        assertThat(r.start(a)).isFalse();
        assertThat(r.count()).isEqualTo(2);
        r.finish(a);
        r.finish(a);
        assertThat(r.count()).isEqualTo(1);
        r.finish(b);
        assertThat(r.count()).isZero();
    }

    @Test
    void completionRacingTimeoutCountsEachRequestOnce() throws Exception {
        InFlightRequests r = new InFlightRequests();
        int requests = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicBoolean sawNegative = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        Thread watcher = new Thread(() -> {
            while (!done.get()) {
                if (r.count() < 0) {
                    sawNegative.set(true);
                }
            }
        });
        watcher.start();
        AtomicInteger finishes = new AtomicInteger();
        try {
            for (int i = 0; i < requests; i++) {
                Object handle = new Object();
                r.start(handle);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> racers = new ArrayList<>();
                for (int k = 0; k < 2; k++) { // worker completion and timer, at the same moment
                    racers.add(pool.submit(() -> {
                        go.await();
                        if (r.finish(handle)) {
                            finishes.incrementAndGet();
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : racers) {
                    f.get(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            done.set(true);
            watcher.join();
            pool.shutdownNow();
        }
        assertThat(finishes).hasValue(requests);
        assertThat(r.count()).isZero();
        assertThat(sawNegative).isFalse();
    }
}
