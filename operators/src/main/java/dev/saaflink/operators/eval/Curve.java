package dev.saaflink.operators.eval;

import java.util.Arrays;

/**
 * A metric curve (ROC or precision-recall) as the points a report plots, both coordinates in [0, 1]. An empty curve
 * (no points) means the curve is undefined for the data, as the matching metric is NaN.
 *
 * @param x      abscissae, in the order the points are joined
 * @param y      ordinates, as long as {@code x}
 * @param xLabel axis title, e.g. "false positive rate"
 * @param yLabel axis title, e.g. "true positive rate"
 */
public record Curve(double[] x, double[] y, String xLabel, String yLabel) {

    public Curve {
        if (x.length != y.length) {
            throw new IllegalArgumentException(x.length + " x values but " + y.length + " y values");
        }
    }

    public static Curve empty(String xLabel, String yLabel) {
        return new Curve(new double[0], new double[0], xLabel, yLabel);
    }

    public int size() {
        return x.length;
    }

    public boolean isEmpty() {
        return x.length == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Curve c && Arrays.equals(x, c.x) && Arrays.equals(y, c.y)
                && xLabel.equals(c.xLabel) && yLabel.equals(c.yLabel);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(x) + Arrays.hashCode(y)) + xLabel.hashCode() * 7 + yLabel.hashCode();
    }

    @Override
    public String toString() {
        return "Curve[" + yLabel + " over " + xLabel + ", x=" + Arrays.toString(x) + ", y=" + Arrays.toString(y) + "]";
    }
}
