package dev.saaflink.jobs.eval;

import dev.saaflink.operators.eval.CategoryMetrics;
import dev.saaflink.operators.eval.EvaluationSummary;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics of one category (or of a pooled set) as the ordered key/value map that reports serialise to JSON.
 * Keys: {@code images}, {@code defectImages}, then {@code pixelMaxF1}, {@code pixelAuroc}, {@code pixelAp},
 * {@code imageAuroc}, {@code imageMaxF1}, {@code imageAp} and, where the summary has them, {@code aupro},
 * {@code regionMaxF1Reference}, {@code regionMaxF1}, all in percent rounded to 2 decimals; a metric that is undefined
 * for the data stays NaN.
 */
public final class MetricsJson {

    private MetricsJson() {}

    /** The summary's metrics; see the class comment for the keys. */
    public static Map<String, Object> of(EvaluationSummary m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("images", m.images());
        r.put("defectImages", m.anomalousImages());
        r.put("pixelMaxF1", round2(m.pixelMaxF1()));
        r.put("pixelAuroc", round2(m.pixelAuroc()));
        r.put("pixelAp", round2(m.pixelAp()));
        r.put("imageAuroc", round2(m.imageAuroc()));
        r.put("imageMaxF1", round2(m.imageMaxF1()));
        r.put("imageAp", round2(m.imageAp()));
        r.put("aupro", round2(m.aupro()));
        r.put("regionMaxF1Reference", round2(m.regionMaxF1Reference()));
        r.put("regionMaxF1", round2(m.regionMaxF1()));
        return r;
    }

    /**
     * {@link #of(EvaluationSummary)} of the accumulator's summary plus {@code imageThresholdAtMaxF1}: the image score
     * at which image max-F1 is reached, rounded to 4 decimals (a raw score, not a percentage).
     */
    public static Map<String, Object> of(CategoryMetrics metrics) {
        Map<String, Object> r = of(metrics.summary());
        r.put("imageThresholdAtMaxF1", round4(metrics.imageThresholdAtMaxF1()));
        return r;
    }

    /** Rounds to 2 decimals; NaN stays NaN. */
    public static double round2(double v) {
        return Double.isNaN(v) ? Double.NaN : Math.round(v * 100) / 100.0;
    }

    private static double round4(double v) {
        return Double.isNaN(v) ? Double.NaN : Math.round(v * 1e4) / 1e4;
    }
}
