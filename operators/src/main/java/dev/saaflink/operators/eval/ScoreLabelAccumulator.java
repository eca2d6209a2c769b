package dev.saaflink.operators.eval;

/**
 * Collects (score, label) pairs, e.g. every pixel of every test map of a category, and computes the ranking metrics
 * of the reference evaluation exactly, with ties, in percent:
 * <ul>
 *   <li>{@link #maxF1()}: the best {@code 2PR/(P+R)} over sklearn's {@code precision_recall_curve}, i.e. over every
 *       distinct score t used as "positive when score >= t"; F1 counts as 0 where P + R = 0;</li>
 *   <li>{@link #auroc()}: the trapezoidal area under the ROC curve through all distinct thresholds, which equals the
 *       Mann-Whitney statistic with half credit for tied positive/negative pairs;</li>
 *   <li>{@link #averagePrecision()}: sklearn's step sum {@code sum_n (R_n - R_{n-1}) * P_n} over the thresholds from
 *       high to low (no interpolation).</li>
 * </ul>
 * Scores of the two classes go into separate primitive float arrays (about 4 bytes per sample, so the 110 million
 * pixels of a 680-image category at 400x400 need about 440 MB); the metrics sort both arrays once and walk the
 * distinct values from the top down. Scores are float, so double maps that differ only beyond float precision tie.
 * The sort dominates: about 17 s for 108 million pixels on the shared 2-core build machine, once per category.
 *
 * <p>{@link #rocCurve} and {@link #prCurve} walk the same distinct thresholds over the arrays the metrics sorted
 * (no second sort; one linear pass each). With more thresholds than the requested points they keep the two ends and
 * points evenly spaced in threshold index, so a 100-million-pixel curve plots as a few hundred points.
 *
 * <p>Undefined cases give NaN: AUROC without positives or without negatives (sklearn raises there), max-F1 and AP
 * without positives. With positives but no negatives, max-F1 and AP are 100, as in sklearn. NaN scores are rejected;
 * -0.0 is stored as 0.0 so that the two count as one threshold. Not thread-safe.
 */
public final class ScoreLabelAccumulator {

    private final GrowableFloats positives;
    private final GrowableFloats negatives;
    private Result result;

    public ScoreLabelAccumulator() {
        this(1 << 10, 1 << 10);
    }

    /** Pre-sizes the two arrays, which avoids copying while a large category fills up. */
    public ScoreLabelAccumulator(int expectedPositives, int expectedNegatives) {
        positives = new GrowableFloats(expectedPositives);
        negatives = new GrowableFloats(expectedNegatives);
    }

    public void add(float score, boolean positive) {
        checkScore(score);
        (positive ? positives : negatives).add(score + 0.0f);
        result = null;
    }

    /** Adds {@code scores[i]} with label {@code labels[i]} for every i. */
    public void add(float[] scores, boolean[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(scores.length + " scores but " + labels.length + " labels");
        }
        int positiveCount = 0;
        for (int i = 0; i < scores.length; i++) {
            checkScore(scores[i]);
            if (labels[i]) {
                positiveCount++;
            }
        }
        int p = positives.size();
        int n = negatives.size();
        positives.ensureCapacity((long) p + positiveCount);
        negatives.ensureCapacity((long) n + scores.length - positiveCount);
        float[] pos = positives.array();
        float[] neg = negatives.array();
        for (int i = 0; i < scores.length; i++) {
            // Adding +0.0f turns -0.0 into 0.0 and leaves every other value unchanged.
            if (labels[i]) {
                pos[p++] = scores[i] + 0.0f;
            } else {
                neg[n++] = scores[i] + 0.0f;
            }
        }
        positives.setSize(p);
        negatives.setSize(n);
        result = null;
    }

    public long positiveCount() {
        return positives.size();
    }

    public long negativeCount() {
        return negatives.size();
    }

    /** Pixel or image max-F1 in percent. */
    public double maxF1() {
        return result().maxF1;
    }

    /** The score threshold (positive when score >= it) at which {@link #maxF1()} is reached; NaN when undefined. */
    public double maxF1Threshold() {
        return result().maxF1Threshold;
    }

    /** Area under the ROC curve in percent. */
    public double auroc() {
        return result().auroc;
    }

    /** Average precision in percent. */
    public double averagePrecision() {
        return result().averagePrecision;
    }

    /**
     * The ROC curve, false positive rate against true positive rate, from (0, 0) (nothing positive) through one point
     * per distinct score, high to low, to (1, 1); at most {@code maxPoints} of them (see the class comment). Empty
     * without positives or without negatives, where {@link #auroc()} is NaN.
     */
    public Curve rocCurve(int maxPoints) {
        return curve(maxPoints, true);
    }

    /**
     * The precision-recall curve, recall against precision, starting as sklearn's at recall 0, precision 1 (nothing
     * positive) and then one point per distinct score, high to low; at most {@code maxPoints} of them. Empty without
     * positives, where {@link #averagePrecision()} is NaN. Drawn as straight segments; {@link #averagePrecision()}
     * is the step sum under the same points.
     */
    public Curve prCurve(int maxPoints) {
        return curve(maxPoints, false);
    }

    private static void checkScore(float score) {
        if (Float.isNaN(score)) {
            throw new IllegalArgumentException("NaN score");
        }
    }

    private Curve curve(int maxPoints, boolean roc) {
        if (maxPoints < 2) {
            throw new IllegalArgumentException("a curve needs at least its two ends, not " + maxPoints + " points");
        }
        String xLabel = roc ? "false positive rate" : "recall";
        String yLabel = roc ? "true positive rate" : "precision";
        // Sorts the arrays, once, as a side effect; the walk below relies on it.
        Result r = result();
        double totalPositives = positives.size();
        double totalNegatives = negatives.size();
        if (totalPositives == 0 || (roc && totalNegatives == 0)) {
            return Curve.empty(xLabel, yLabel);
        }
        long lastIndex = r.distinctThresholds;
        int count = (int) Math.min(maxPoints, lastIndex + 1);
        double[] x = new double[count];
        double[] y = new double[count];
        ThresholdWalk walk = new ThresholdWalk();
        long walked = 0;
        for (int k = 0; k < count; k++) {
            // Evenly over the threshold index, both ends kept; the index step is above 1 when thinning, so the
            // rounded targets strictly increase.
            long target = count == lastIndex + 1 ? k : Math.round((double) k * lastIndex / (count - 1));
            while (walked < target) {
                walk.next();
                walked++;
            }
            if (roc) {
                x[k] = walk.fp / totalNegatives;
                y[k] = walk.tp / totalPositives;
            } else {
                x[k] = walk.tp / totalPositives;
                y[k] = walked == 0 ? 1.0 : (double) walk.tp / (walk.tp + walk.fp);
            }
        }
        return new Curve(x, y, xLabel, yLabel);
    }

    private Result result() {
        if (result == null) {
            result = compute();
        }
        return result;
    }

    private Result compute() {
        int totalPositives = positives.size();
        int totalNegatives = negatives.size();
        if (totalPositives == 0) {
            return new Result(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        }
        positives.sort();
        negatives.sort();

        ThresholdWalk walk = new ThresholdWalk();
        long previousTp = 0;
        long previousFp = 0;
        long distinctThresholds = 0;
        // Twice the ROC area in units of one positive-negative pair: each step adds a trapezoid of width
        // (fp - previousFp) and heights previousTp and tp. Exact: the total is at most 2 * P * N < 2^63 for
        // any class sizes a Java array can hold.
        long doubledArea = 0;
        double averagePrecision = 0;
        double bestF1 = 0;
        double bestThreshold = Double.NaN;
        while (walk.next()) {
            long tp = walk.tp;
            long fp = walk.fp;
            distinctThresholds++;
            doubledArea += (fp - previousFp) * (tp + previousTp);
            if (tp > previousTp) {
                double recallStep = (double) (tp - previousTp) / totalPositives;
                averagePrecision += recallStep * ((double) tp / (tp + fp));
            }
            // F1 = 2PR/(P+R) = 2tp / (predicted positives + actual positives); tp = 0 gives 0, as P + R = 0 there.
            double f1 = 2.0 * tp / (tp + fp + totalPositives);
            if (f1 > bestF1) {
                bestF1 = f1;
                bestThreshold = walk.threshold;
            }
            previousTp = tp;
            previousFp = fp;
        }
        double auroc = totalNegatives == 0
                ? Double.NaN
                : 100.0 * doubledArea / (2.0 * totalPositives * (double) totalNegatives);
        return new Result(100.0 * bestF1, bestThreshold, auroc, 100.0 * averagePrecision, distinctThresholds);
    }

    /**
     * One pass over the sorted arrays from the highest score down: each {@link #next()} moves the threshold to the
     * next lower distinct score and counts the samples at or above it. The metrics and the curves share it, so a
     * curve is the very sequence of points the metrics integrate.
     */
    private final class ThresholdWalk {
        private final float[] pos = positives.array();
        private final float[] neg = negatives.array();
        private int i = positives.size() - 1;
        private int j = negatives.size() - 1;
        float threshold;
        long tp;
        long fp;

        boolean next() {
            if (i < 0 && j < 0) {
                return false;
            }
            if (i < 0) {
                threshold = neg[j];
            } else if (j < 0) {
                threshold = pos[i];
            } else {
                threshold = Math.max(pos[i], neg[j]);
            }
            while (i >= 0 && pos[i] == threshold) {
                tp++;
                i--;
            }
            while (j >= 0 && neg[j] == threshold) {
                fp++;
                j--;
            }
            return true;
        }
    }

    private static final class Result {
        final double maxF1;
        final double maxF1Threshold;
        final double auroc;
        final double averagePrecision;
        /** How many distinct scores the walk visited: a curve has one point more (the "nothing positive" end). */
        final long distinctThresholds;

        Result(double maxF1, double maxF1Threshold, double auroc, double averagePrecision, long distinctThresholds) {
            this.maxF1 = maxF1;
            this.maxF1Threshold = maxF1Threshold;
            this.auroc = auroc;
            this.averagePrecision = averagePrecision;
            this.distinctThresholds = distinctThresholds;
        }
    }
}
