package dev.saaflink.jobs.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mean and spread of a metric over several evaluation runs of the same data (e.g. shuffled publishing orders): the
 * stream-context saliency scores each frame against the frames before it, so one order's figure is one draw, and a
 * figure meant to carry over to unseen data is given as the mean and spread over orders.
 *
 * <p>For each metric: {@code mean}, {@code std} (the sample standard deviation, n - 1 in the denominator; NaN for a
 * single run), {@code min}, {@code max} and {@code n}, the number of runs where the metric is defined. A run where
 * the metric is NaN or absent is left out of that metric (and of its n); with no run left every figure is NaN and n
 * is 0. Figures are rounded to 2 decimals, like the runs' own.
 */
public final class RunSummary {

    /** The report.json keys summarised; a dotted key reads a nested value ({@code eventRegions.f1}). */
    public static final List<String> KEYS = List.of("pixelMaxF1", "pixelAuroc", "pixelAp", "imageAuroc",
            "imageMaxF1", "imageAp", "aupro", "regionMaxF1Reference", "regionMaxF1", "eventRegions.precision",
            "eventRegions.recall", "eventRegions.f1", "framesPerSecond");

    private RunSummary() {}

    /** {@code {key: {mean, std, min, max, n}}} over {@code reports} for every key of {@link #KEYS}. */
    public static Map<String, Object> of(List<? extends Map<String, ?>> reports) {
        Map<String, Object> summary = new LinkedHashMap<>();
        for (String key : KEYS) {
            List<Double> values = new ArrayList<>();
            for (Map<String, ?> report : reports) {
                if (HtmlReport.lookup(report, key) instanceof Number n && Double.isFinite(n.doubleValue())) {
                    values.add(n.doubleValue());
                }
            }
            summary.put(key, stats(values));
        }
        return summary;
    }

    /** {@code {mean, std, min, max, n}} of the values; see the class comment. */
    static Map<String, Object> stats(List<Double> values) {
        int n = values.size();
        double mean = Double.NaN;
        double std = Double.NaN;
        double min = Double.NaN;
        double max = Double.NaN;
        if (n > 0) {
            double sum = 0;
            min = Double.POSITIVE_INFINITY;
            max = Double.NEGATIVE_INFINITY;
            for (double v : values) {
                sum += v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            mean = sum / n;
            if (n > 1) {
                double squares = 0;
                for (double v : values) {
                    squares += (v - mean) * (v - mean);
                }
                std = Math.sqrt(squares / (n - 1));
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mean", MetricsJson.round2(mean));
        r.put("std", MetricsJson.round2(std));
        r.put("min", MetricsJson.round2(min));
        r.put("max", MetricsJson.round2(max));
        r.put("n", n);
        return r;
    }
}
