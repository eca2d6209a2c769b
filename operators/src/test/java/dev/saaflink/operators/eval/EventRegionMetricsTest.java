package dev.saaflink.operators.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Hand-made 10x10 grids; every expected count is worked out in the comments. */
class EventRegionMetricsTest {

    private static final int W = 10;
    private static final int H = 10;

    /** A grid with the rectangle [x0, x1] x [y0, y1] (inclusive) set, plus any extra (x, y) pixels. */
    private static boolean[] rect(int x0, int y0, int x1, int y1, int... extra) {
        boolean[] g = new boolean[W * H];
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                g[y * W + x] = true;
            }
        }
        for (int i = 0; i < extra.length; i += 2) {
            g[extra[i + 1] * W + extra[i]] = true;
        }
        return g;
    }

    private static boolean[] or(boolean[] a, boolean[] b) {
        boolean[] g = new boolean[a.length];
        for (int i = 0; i < a.length; i++) {
            g[i] = a[i] || b[i];
        }
        return g;
    }

    @Test
    void anIouOfExactlyTheThresholdMatchesAndJustBelowDoesNot() {
        boolean[] gt = rect(0, 0, 9, 0); // one component of 10 pixels
        EventRegionMetrics exact = new EventRegionMetrics(0.3);
        // 3 pixels inside: intersection 3, union 10, IoU 0.3
        assertThat(exact.add(List.of(rect(0, 0, 2, 0)), gt, W, H)).isEqualTo(1);

        EventRegionMetrics below = new EventRegionMetrics(0.3);
        // the same 3 pixels plus one outside at (0, 5): intersection 3, union 11, IoU 0.273
        assertThat(below.add(List.of(rect(0, 0, 2, 0, 0, 5)), gt, W, H)).isZero();
        assertThat(below.predicted()).isEqualTo(1);
        assertThat(below.groundTruth()).isEqualTo(1);
        assertThat(below.precision()).isZero();
        assertThat(below.recall()).isZero();
        assertThat(below.f1()).isZero();
    }

    @Test
    void aRegionOverTwoComponentsIsComparedWithEachAloneAndMatchesAtMostOne() {
        // components A = row 0, x 0..3 and B = row 2, x 0..3 (row 1 empty, so not 8-connected): 4 pixels each
        boolean[] gt = or(rect(0, 0, 3, 0), rect(0, 2, 3, 2));

        EventRegionMetrics wide = new EventRegionMetrics(0.3);
        // rows 0..2, x 0..3 = 12 pixels: IoU 4/12 = 0.333 with A and with B; one region matches one component
        assertThat(wide.add(List.of(rect(0, 0, 3, 2)), gt, W, H)).isEqualTo(1);
        assertThat(wide.groundTruth()).isEqualTo(2);
        assertThat(wide.precision()).isEqualTo(1.0);
        assertThat(wide.recall()).isEqualTo(0.5);
        assertThat(wide.f1()).isCloseTo(2 * 1.0 * 0.5 / 1.5, within(1e-12));

        EventRegionMetrics wider = new EventRegionMetrics(0.3);
        // rows 0..3, x 0..3 = 16 pixels: IoU 4/16 = 0.25 with each, so it locates neither
        assertThat(wider.add(List.of(rect(0, 0, 3, 3)), gt, W, H)).isZero();
        assertThat(wider.recall()).isZero();
    }

    @Test
    void matchingIsOneToOneAndTheHigherIouWins() {
        boolean[] gt = rect(0, 0, 9, 0);
        EventRegionMetrics m = new EventRegionMetrics(0.3);
        // region 0: x 0..5, IoU 6/10; region 1: x 0..8, IoU 9/10. One component: one match, one false positive.
        assertThat(m.add(List.of(rect(0, 0, 5, 0), rect(0, 0, 8, 0)), gt, W, H)).isEqualTo(1);
        assertThat(m.precision()).isEqualTo(0.5);
        assertThat(m.recall()).isEqualTo(1.0);

        // two components, two regions, each region best on its own component: both match
        boolean[] two = or(rect(0, 0, 3, 0), rect(6, 6, 9, 9));
        EventRegionMetrics both = new EventRegionMetrics(0.3);
        assertThat(both.add(List.of(rect(6, 6, 9, 8), rect(0, 0, 2, 0)), two, W, H)).isEqualTo(2);
        assertThat(both.precision()).isEqualTo(1.0);
        assertThat(both.recall()).isEqualTo(1.0);
    }

    @Test
    void emptyPredictionsMissEveryComponentAndEmptyGroundTruthMakesEveryRegionFalse() {
        EventRegionMetrics none = new EventRegionMetrics(0.3);
        none.add(List.of(), or(rect(0, 0, 3, 0), rect(0, 2, 3, 2)), W, H);
        assertThat(none.predicted()).isZero();
        assertThat(none.groundTruth()).isEqualTo(2);
        assertThat(none.precision()).isNaN();
        assertThat(none.recall()).isZero();
        assertThat(none.f1()).isNaN();

        EventRegionMetrics clean = new EventRegionMetrics(0.3);
        clean.add(List.of(rect(1, 1, 2, 2)), new boolean[W * H], W, H);
        assertThat(clean.precision()).isZero();
        assertThat(clean.recall()).isNaN();

        EventRegionMetrics nothing = new EventRegionMetrics(0.3);
        nothing.add(List.of(), new boolean[W * H], W, H);
        assertThat(nothing.precision()).isNaN();
        assertThat(nothing.recall()).isNaN();
    }

    @Test
    void framesArePooledMicro() {
        EventRegionMetrics m = new EventRegionMetrics(0.3);
        m.add(List.of(rect(0, 0, 2, 0)), rect(0, 0, 9, 0), W, H); // 1 region, 1 component, 1 match
        m.add(List.of(), or(rect(0, 0, 3, 0), rect(0, 2, 3, 2)), W, H); // dead letter: 2 components missed
        m.add(List.of(rect(5, 5, 6, 6)), new boolean[W * H], W, H); // 1 false region on a clean frame

        assertThat(m.predicted()).isEqualTo(2);
        assertThat(m.groundTruth()).isEqualTo(3);
        assertThat(m.matched()).isEqualTo(1);
        assertThat(m.precision()).isEqualTo(0.5);
        assertThat(m.recall()).isCloseTo(1.0 / 3, within(1e-12));
        // 2 * (1/2) * (1/3) / (1/2 + 1/3) = (1/3) / (5/6) = 0.4
        assertThat(m.f1()).isCloseTo(0.4, within(1e-12));
    }

    @Test
    void refusesARegionOfAnotherSizeAndABadThreshold() {
        EventRegionMetrics m = new EventRegionMetrics(0.3);
        assertThatThrownBy(() -> m.add(List.of(new boolean[5]), new boolean[W * H], W, H))
                .hasMessageContaining("5 pixels");
        assertThatThrownBy(() -> new EventRegionMetrics(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
