package dev.saaflink.operators.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ScoreLabelAccumulatorTest {

    private static final double EPS = 1e-9;

    private static ScoreLabelAccumulator of(float[] positives, float[] negatives) {
        ScoreLabelAccumulator acc = new ScoreLabelAccumulator();
        for (float p : positives) {
            acc.add(p, true);
        }
        for (float n : negatives) {
            acc.add(n, false);
        }
        return acc;
    }

    @Test
    void perfectSeparationScoresHundred() {
        ScoreLabelAccumulator acc = of(new float[] {0.8f, 0.9f}, new float[] {0.1f, 0.2f, 0.3f});
        assertThat(acc.auroc()).isCloseTo(100.0, within(EPS));
        assertThat(acc.averagePrecision()).isCloseTo(100.0, within(EPS));
        // at t = .8: tp 2, fp 0 -> P = R = 1
        assertThat(acc.maxF1()).isCloseTo(100.0, within(EPS));
        assertThat(acc.maxF1Threshold()).isEqualTo((double) 0.8f);
    }

    @Test
    void reversedRanking() {
        // positives .1 .2, negatives .8 .9
        ScoreLabelAccumulator acc = of(new float[] {0.1f, 0.2f}, new float[] {0.8f, 0.9f});
        // every positive-negative pair is ordered wrongly
        assertThat(acc.auroc()).isCloseTo(0.0, within(EPS));
        // thresholds high to low: .9 (tp0 fp1), .8 (tp0 fp2), .2 (tp1 fp2: P 1/3, R .5), .1 (tp2 fp2: P .5, R 1)
        // AP = .5 * 1/3 + .5 * .5 = .416667
        assertThat(acc.averagePrecision()).isCloseTo(100.0 * (0.5 / 3 + 0.25), within(EPS));
        // F1 at .2 = 2/(1+2+2) = .4; at .1 = 4/(2+2+2) = .6667 (P .5, R 1: 2*.5/1.5)
        assertThat(acc.maxF1()).isCloseTo(100.0 * 2 / 3, within(EPS));
    }

    /*
     * Ties. Positives .9 .5 .3, negatives .5 .5 .1 (P = N = 3).
     * Mann-Whitney over 9 pairs: .9 beats all three (3); .5 ties two .5s (0.5 + 0.5) and beats .1 (1) -> 2;
     * .3 beats only .1 -> 1. Total 6/9 -> AUROC 66.667 %.
     * Same by trapezoids: thresholds .9 (tp1 fp0), .5 (tp2 fp2), .3 (tp3 fp2), .1 (tp3 fp3);
     * ROC points (0,0) (0,1/3) (2/3,2/3) (2/3,1) (1,1): areas 0 + 2/3 * (1/3+2/3)/2 + 0 + 1/3 * 1 = 1/3 + 1/3 = 2/3.
     * AP: .9 -> R 1/3, P 1 (+1/3); .5 -> R 2/3, P 2/4 (+1/6); .3 -> R 1, P 3/5 (+1/5); .1 -> no recall gain.
     *   AP = 1/3 + 1/6 + 1/5 = .7 -> 70 %.
     * F1 = 2tp / (tp + fp + P): .9 -> 2/4 = .5; .5 -> 4/7 = .571; .3 -> 6/8 = .75; .1 -> 6/9 = .667. Max 75 % at .3.
     */
    @Test
    void tiesGetHalfCredit() {
        ScoreLabelAccumulator acc = of(new float[] {0.9f, 0.5f, 0.3f}, new float[] {0.5f, 0.5f, 0.1f});
        assertThat(acc.auroc()).isCloseTo(100.0 * 2 / 3, within(EPS));
        assertThat(acc.averagePrecision()).isCloseTo(70.0, within(EPS));
        assertThat(acc.maxF1()).isCloseTo(75.0, within(EPS));
        assertThat(acc.maxF1Threshold()).isEqualTo((double) 0.3f);
    }

    @Test
    void allTiedIsChance() {
        // one threshold: ROC jumps from (0,0) to (1,1) -> area .5; P = 2/5 at R = 1 -> AP 40; F1 = 4/(2+3+2) = 4/7
        ScoreLabelAccumulator acc = of(new float[] {0.4f, 0.4f}, new float[] {0.4f, 0.4f, 0.4f});
        assertThat(acc.auroc()).isCloseTo(50.0, within(EPS));
        assertThat(acc.averagePrecision()).isCloseTo(40.0, within(EPS));
        assertThat(acc.maxF1()).isCloseTo(100.0 * 4 / 7, within(EPS));
    }

    @Test
    void negativeAndPositiveZeroAreOneThreshold() {
        ScoreLabelAccumulator acc = of(new float[] {0.0f}, new float[] {-0.0f});
        assertThat(acc.auroc()).isCloseTo(50.0, within(EPS));
    }

    @Test
    void allNegativeIsUndefined() {
        ScoreLabelAccumulator acc = of(new float[0], new float[] {0.1f, 0.5f});
        assertThat(acc.auroc()).isNaN();
        assertThat(acc.averagePrecision()).isNaN();
        assertThat(acc.maxF1()).isNaN();
        assertThat(acc.maxF1Threshold()).isNaN();
    }

    @Test
    void allPositiveHasNoAurocButPerfectPrecision() {
        // as sklearn: no ROC without negatives; precision is 1 at every threshold
        ScoreLabelAccumulator acc = of(new float[] {0.1f, 0.5f}, new float[0]);
        assertThat(acc.auroc()).isNaN();
        assertThat(acc.averagePrecision()).isCloseTo(100.0, within(EPS));
        assertThat(acc.maxF1()).isCloseTo(100.0, within(EPS));
    }

    @Test
    void emptyIsUndefined() {
        assertThat(new ScoreLabelAccumulator().auroc()).isNaN();
    }

    @Test
    void bulkAddMatchesSingleAdds() {
        ScoreLabelAccumulator bulk = new ScoreLabelAccumulator(1, 1);
        bulk.add(new float[] {0.9f, 0.5f, 0.5f}, new boolean[] {true, true, false});
        bulk.add(new float[] {0.3f, 0.5f, 0.1f}, new boolean[] {true, false, false});
        assertThat(bulk.positiveCount()).isEqualTo(3);
        assertThat(bulk.negativeCount()).isEqualTo(3);
        // same data as tiesGetHalfCredit
        assertThat(bulk.auroc()).isCloseTo(100.0 * 2 / 3, within(EPS));
        assertThat(bulk.averagePrecision()).isCloseTo(70.0, within(EPS));
        assertThat(bulk.maxF1()).isCloseTo(75.0, within(EPS));
    }

    @Test
    void addingAfterReadingRecomputes() {
        ScoreLabelAccumulator acc = of(new float[] {0.9f}, new float[] {0.1f});
        assertThat(acc.auroc()).isCloseTo(100.0, within(EPS));
        // a negative above the positive: 1 of 2 pairs right
        acc.add(0.95f, false);
        assertThat(acc.auroc()).isCloseTo(50.0, within(EPS));
    }

    @Test
    void rejectsNaNAndMismatchedLengths() {
        ScoreLabelAccumulator acc = new ScoreLabelAccumulator();
        assertThatThrownBy(() -> acc.add(Float.NaN, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> acc.add(new float[2], new boolean[3])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void handlesAMillionSamplesWithManyTies() {
        // scores k/100 for k = 0..99; positives are those with k >= 90, plus every 1000th sample as label noise.
        // Checked against the rank formula: AUROC = (sum over positives of (#negatives below + #ties/2)) / (P*N).
        int n = 1_000_000;
        float[] scores = new float[n];
        boolean[] labels = new boolean[n];
        long[] negAt = new long[100];
        long[] posAt = new long[100];
        for (int i = 0; i < n; i++) {
            int k = i % 100;
            scores[i] = k / 100f;
            labels[i] = k >= 90 || i % 1000 == 7;
            (labels[i] ? posAt : negAt)[k]++;
        }
        ScoreLabelAccumulator acc = new ScoreLabelAccumulator();
        acc.add(scores, labels);
        double pairs = 0;
        long below = 0;
        long positives = 0;
        long negatives = 0;
        for (int k = 0; k < 100; k++) {
            pairs += posAt[k] * (below + negAt[k] / 2.0);
            below += negAt[k];
            positives += posAt[k];
            negatives += negAt[k];
        }
        assertThat(acc.auroc()).isCloseTo(100.0 * pairs / ((double) positives * negatives), within(1e-9));
    }

    /*
     * Curves on the tie case above (positives .9 .5 .3, negatives .5 .5 .1): index 0 is "nothing positive", then one
     * point per distinct threshold .9 .5 .3 .1, i.e. (tp, fp) = (1,0) (2,2) (3,2) (3,3).
     *   ROC (fp/3, tp/3): (0,0) (0,1/3) (2/3,2/3) (2/3,1) (1,1)
     *   PR (tp/3, tp/(tp+fp)): (0,1) (1/3,1) (2/3,1/2) (1,3/5) (1,1/2)
     */
    @Test
    void curvesWalkEveryDistinctThresholdWithTies() {
        ScoreLabelAccumulator acc = of(new float[] {0.9f, 0.5f, 0.3f}, new float[] {0.5f, 0.5f, 0.1f});
        Curve roc = acc.rocCurve(100);
        assertThat(roc.x()).containsExactly(new double[] {0, 0, 2.0 / 3, 2.0 / 3, 1}, within(EPS));
        assertThat(roc.y()).containsExactly(new double[] {0, 1.0 / 3, 2.0 / 3, 1, 1}, within(EPS));
        assertThat(roc.xLabel()).isEqualTo("false positive rate");
        Curve pr = acc.prCurve(100);
        assertThat(pr.x()).containsExactly(new double[] {0, 1.0 / 3, 2.0 / 3, 1, 1}, within(EPS));
        assertThat(pr.y()).containsExactly(new double[] {1, 1, 0.5, 0.6, 0.5}, within(EPS));
        assertThat(pr.yLabel()).isEqualTo("precision");
    }

    @Test
    void curvesThinEvenlyOverTheThresholdIndexKeepingBothEnds() {
        ScoreLabelAccumulator acc = of(new float[] {0.9f, 0.5f, 0.3f}, new float[] {0.5f, 0.5f, 0.1f});
        // five points, indices 0..4: three keep 0, 2, 4; four keep round(0, 4/3, 8/3, 4) = 0, 1, 3, 4
        Curve three = acc.rocCurve(3);
        assertThat(three.x()).containsExactly(new double[] {0, 2.0 / 3, 1}, within(EPS));
        assertThat(three.y()).containsExactly(new double[] {0, 2.0 / 3, 1}, within(EPS));
        Curve four = acc.prCurve(4);
        assertThat(four.x()).containsExactly(new double[] {0, 1.0 / 3, 1, 1}, within(EPS));
        assertThat(four.y()).containsExactly(new double[] {1, 1, 0.6, 0.5}, within(EPS));
        assertThat(acc.rocCurve(2).x()).containsExactly(new double[] {0, 1}, within(EPS));
        assertThatThrownBy(() -> acc.rocCurve(1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void curvesAreEmptyWhereTheirMetricIsUndefined() {
        ScoreLabelAccumulator noPositives = of(new float[0], new float[] {0.1f, 0.5f});
        assertThat(noPositives.rocCurve(10).isEmpty()).isTrue();
        assertThat(noPositives.prCurve(10).isEmpty()).isTrue();
        assertThat(new ScoreLabelAccumulator().rocCurve(10).isEmpty()).isTrue();
        // positives only: no ROC (no false positive rate), but precision is 1 all along
        ScoreLabelAccumulator noNegatives = of(new float[] {0.1f, 0.5f}, new float[0]);
        assertThat(noNegatives.rocCurve(10).isEmpty()).isTrue();
        Curve pr = noNegatives.prCurve(10);
        assertThat(pr.x()).containsExactly(new double[] {0, 0.5, 1}, within(EPS));
        assertThat(pr.y()).containsExactly(new double[] {1, 1, 1}, within(EPS));
    }

    @Test
    void curveAfterAddingMoreFollowsTheNewData() {
        ScoreLabelAccumulator acc = of(new float[] {0.9f}, new float[] {0.1f});
        assertThat(acc.rocCurve(10).size()).isEqualTo(3);
        acc.add(0.95f, false);
        assertThat(acc.rocCurve(10).x()).containsExactly(new double[] {0, 0.5, 0.5, 1}, within(EPS));
        // reading a metric first (which sorts) and a curve afterwards gives the same curve as the other way round
        ScoreLabelAccumulator other = of(new float[] {0.9f}, new float[] {0.1f, 0.95f});
        Curve curveFirst = other.rocCurve(10);
        other.auroc();
        assertThat(other.rocCurve(10)).isEqualTo(curveFirst).isEqualTo(acc.rocCurve(10));
    }

    @Test
    void fullResolutionCurvesIntegrateToTheMetrics() {
        // 200 score levels, positives skewed high: trapezoids under the full ROC give AUROC, the step sum under
        // the full PR gives AP, and a thinned curve is monotone with the same ends.
        int n = 200_000;
        float[] scores = new float[n];
        boolean[] labels = new boolean[n];
        for (int i = 0; i < n; i++) {
            int k = (int) ((i * 2654435761L) % 200);
            scores[i] = k / 200f;
            labels[i] = (i % 7) * 30 < k;
        }
        ScoreLabelAccumulator acc = new ScoreLabelAccumulator();
        acc.add(scores, labels);
        Curve roc = acc.rocCurve(1000);
        Curve pr = acc.prCurve(1000);
        assertThat(roc.size()).isEqualTo(201);
        double area = 0;
        double ap = 0;
        for (int k = 1; k < roc.size(); k++) {
            area += (roc.x()[k] - roc.x()[k - 1]) * (roc.y()[k] + roc.y()[k - 1]) / 2;
            ap += (pr.x()[k] - pr.x()[k - 1]) * pr.y()[k];
        }
        assertThat(100 * area).isCloseTo(acc.auroc(), within(1e-9));
        assertThat(100 * ap).isCloseTo(acc.averagePrecision(), within(1e-9));
        Curve thin = acc.rocCurve(17);
        assertThat(thin.size()).isEqualTo(17);
        assertThat(thin.x()[0]).isZero();
        assertThat(thin.x()[16]).isEqualTo(1.0);
        assertThat(thin.y()[16]).isEqualTo(1.0);
        for (int k = 1; k < thin.size(); k++) {
            assertThat(thin.x()[k]).isGreaterThanOrEqualTo(thin.x()[k - 1]);
            assertThat(thin.y()[k]).isGreaterThanOrEqualTo(thin.y()[k - 1]);
        }
    }
}
