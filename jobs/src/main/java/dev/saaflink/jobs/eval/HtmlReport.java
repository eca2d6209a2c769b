package dev.saaflink.jobs.eval;

import dev.saaflink.operators.eval.CategoryMetrics;
import dev.saaflink.operators.eval.Curve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Writes an evaluation as one self-contained HTML page (inline CSS and SVG, images as data URIs, no script, no
 * external URL) that can be mailed or archived next to report.json. It shows the very values of report.json, plus
 * what JSON cannot show well: the ROC and precision-recall curves and the frames the method gets most wrong.
 *
 * <p>The page's element ids ({@code metrics}, {@code per-category}, {@code per-subset}, {@code pixel-roc},
 * {@code pixel-pr}, {@code image-roc}, {@code image-pr}, {@code worst-fp}, {@code worst-fn}, {@code throughput},
 * {@code provenance}) are stable, for tests and for anyone scraping reports. Undefined metrics (NaN, missing) read
 * "n/a". Report keys this class does not know are listed under provenance rather than dropped.
 */
public final class HtmlReport {

    /** Points per curve: smooth at the plotted size, a few kB of SVG. */
    public static final int CURVE_POINTS = 400;

    /** The four curves of the pooled evaluation (see {@link CategoryMetrics#pixelRoc(int)} and friends). */
    public record Curves(Curve pixelRoc, Curve pixelPr, Curve imageRoc, Curve imagePr) {
        public static Curves of(CategoryMetrics metrics, int maxPoints) {
            return new Curves(metrics.pixelRoc(maxPoints), metrics.pixelPr(maxPoints),
                    metrics.imageRoc(maxPoints), metrics.imagePr(maxPoints));
        }
    }

    /** Summary rows: report key and label. */
    private static final List<String[]> METRICS = List.of(
            new String[] {"pixelMaxF1", "Pixel max-F1 (%)"},
            new String[] {"pixelAuroc", "Pixel AUROC (%)"},
            new String[] {"pixelAp", "Pixel AP (%)"},
            new String[] {"imageAuroc", "Image AUROC (%)"},
            new String[] {"imageMaxF1", "Image max-F1 (%)"},
            new String[] {"imageAp", "Image AP (%)"},
            new String[] {"aupro", "AUPRO, FPR up to 0.3 (%)"},
            new String[] {"regionMaxF1Reference", "Region max-F1, reference counting (%)"},
            new String[] {"regionMaxF1", "Region max-F1, one-to-one (%)"},
            new String[] {"eventRegions.precision", "Event regions: precision at IoU \u2265 0.3 (%)"},
            new String[] {"eventRegions.recall", "Event regions: recall at IoU \u2265 0.3 (%)"},
            new String[] {"eventRegions.f1", "Event regions: F1 at IoU \u2265 0.3 (%)"},
            new String[] {"eventRegions.predicted", "Event regions: predicted"},
            new String[] {"eventRegions.groundTruth", "Event regions: ground-truth components"},
            new String[] {"eventRegions.matched", "Event regions: matched"},
            new String[] {"images", "Images"},
            new String[] {"defectImages", "Defect images"},
            new String[] {"imageThresholdAtMaxF1", "Image score at max-F1 (raw)"});

    /** Per-category and per-subset columns: report key and short header. */
    private static final List<String[]> COLUMNS = List.of(
            new String[] {"images", "images"},
            new String[] {"defectImages", "defect"},
            new String[] {"pixelMaxF1", "pixel F1"},
            new String[] {"pixelAuroc", "pixel AUROC"},
            new String[] {"pixelAp", "pixel AP"},
            new String[] {"imageAuroc", "image AUROC"},
            new String[] {"imageMaxF1", "image F1"},
            new String[] {"imageAp", "image AP"},
            new String[] {"aupro", "AUPRO"},
            new String[] {"regionMaxF1Reference", "region F1 (ref)"},
            new String[] {"regionMaxF1", "region F1"},
            new String[] {"eventRegions.precision", "event-region P"},
            new String[] {"eventRegions.recall", "event-region R"},
            new String[] {"eventRegions.f1", "event-region F1"},
            new String[] {"imageThresholdAtMaxF1", "threshold"});

    private static final List<String[]> THROUGHPUT = List.of(
            new String[] {"frames", "Frames published"},
            new String[] {"events", "Anomaly events"},
            new String[] {"deadLetters", "Dead letters"},
            new String[] {"framesPerSecond", "Frames per second"},
            new String[] {"latencyMsP50", "Latency p50 (ms)"},
            new String[] {"latencyMsP99", "Latency p99 (ms)"},
            new String[] {"jobSeconds", "Job wall time (s)"});

    private static final List<String[]> PROVENANCE = List.of(
            new String[] {"dataset", "Dataset"},
            new String[] {"protocol", "Protocol"},
            new String[] {"regionSource", "Region source"},
            new String[] {"configVersion", "Config version"},
            new String[] {"modelIds", "Models"},
            new String[] {"machine", "Machine"},
            new String[] {"time", "Written"});

    /** Keys shown elsewhere on the page, so that provenance lists only the unknown rest. */
    private static final Set<String> PLACED = placedKeys();

    private static Set<String> placedKeys() {
        Set<String> keys = new LinkedHashSet<>(List.of("perCategory", "perSubset", "stageMsMean", "latencyDefinition",
                "eventRegions"));
        for (List<String[]> rows : List.of(METRICS, THROUGHPUT, PROVENANCE)) {
            rows.forEach(r -> keys.add(r[0]));
        }
        return Set.copyOf(keys);
    }

    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d2330;\
            background:#fff;max-width:1180px;margin:24px auto;padding:0 20px}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dce4;\
            padding-bottom:4px}.sub{color:#5a6272;margin:0 0 12px;word-break:break-all}
            table{border-collapse:collapse;margin:4px 0 8px;font-variant-numeric:tabular-nums}
            th,td{border:1px solid #d8dce4;padding:3px 8px;text-align:left;vertical-align:top}
            th{background:#f1f3f7;font-weight:600}td.num{text-align:right;white-space:nowrap}
            td.na{color:#9aa1ad;text-align:right}.scroll{overflow-x:auto}
            .row{display:flex;flex-wrap:wrap;gap:12px}
            .curves{display:grid;grid-template-columns:repeat(2,max-content);gap:12px}
            figure{margin:0;border:1px solid #d8dce4;border-radius:4px;padding:6px;background:#fafbfc}
            figcaption{font-size:12px;color:#394050;margin-top:4px;max-width:320px;overflow-wrap:anywhere}
            svg.curve{display:block;width:320px;height:280px}
            .axis{stroke:#394050;stroke-width:1}.grid{stroke:#e3e6ec;stroke-width:1}
            .chance{stroke:#9aa1ad;stroke-width:1;stroke-dasharray:4 3}
            .line{fill:none;stroke:#c0392b;stroke-width:2;stroke-linejoin:round}
            .tick{font-size:10px;fill:#394050}.label{font-size:11px;fill:#1d2330}
            .empty{font-size:13px;fill:#9aa1ad}
            figure.case img{display:block;width:192px;image-rendering:auto}
            figure.case figcaption{max-width:192px}figure.case b{font-weight:600}.note{color:#5a6272;font-size:12px}
            """;

    private HtmlReport() {}

    /**
     * Writes the page to {@code file} (UTF-8), creating its folder.
     *
     * @param report the map written as report.json
     * @param curves the pooled curves, e.g. {@code Curves.of(pooled, CURVE_POINTS)}
     * @param worst  the worst frames, or null when none were collected
     */
    public static void write(Path file, Map<String, ?> report, Curves curves, WorstCases worst) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, render(report, curves, worst), StandardCharsets.UTF_8);
    }

    /** The page as a string; see {@link #write}. */
    public static String render(Map<String, ?> report, Curves curves, WorstCases worst) {
        StringBuilder h = new StringBuilder(64 * 1024);
        String dataset = report.get("dataset") == null ? "" : String.valueOf(report.get("dataset"));
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>SAA+ evaluation: ").append(escape(dataset)).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<h1>SAA+ evaluation</h1>\n<p class=\"sub\">").append(escape(dataset));
        if (report.get("time") != null) {
            h.append(" &middot; ").append(escape(String.valueOf(report.get("time"))));
        }
        h.append("</p>\n");

        h.append("<h2>Metrics (all frames pooled)</h2>\n");
        keyValueTable(h, "metrics", report, METRICS);
        if (report.get("framesScoredAsMisses") instanceof Number misses && misses.intValue() > 0) {
            h.append("<p class=\"note\" id=\"misses\">Includes ").append(misses.intValue())
                    .append(" frame(s) that ended as dead letters, scored as misses (map all zeros).</p>\n");
        }

        h.append("<h2>Curves</h2>\n<div class=\"curves\">\n");
        curveFigure(h, "pixel-roc", "Pixel ROC", curves.pixelRoc(), "AUROC", report.get("pixelAuroc"), true);
        curveFigure(h, "pixel-pr", "Pixel precision-recall", curves.pixelPr(), "AP", report.get("pixelAp"), false);
        curveFigure(h, "image-roc", "Image ROC", curves.imageRoc(), "AUROC", report.get("imageAuroc"), true);
        curveFigure(h, "image-pr", "Image precision-recall", curves.imagePr(), "AP", report.get("imageAp"), false);
        h.append("</div>\n");

        h.append("<h2>Per category</h2>\n");
        breakdownTable(h, "per-category", "category", report.get("perCategory"));
        h.append("<h2>Per subset (defect type)</h2>\n");
        breakdownTable(h, "per-subset", "subset", report.get("perSubset"));

        h.append("<h2>Worst false positives</h2>\n<p class=\"note\">Defect-free frames with the highest image score."
                + " Red: anomaly map; green: ground-truth outline.</p>\n");
        cases(h, "worst-fp", worst == null ? null : worst.falsePositives());
        h.append("<h2>Worst false negatives</h2>\n<p class=\"note\">Defect frames with the lowest image score.</p>\n");
        cases(h, "worst-fn", worst == null ? null : worst.falseNegatives());

        h.append("<section id=\"throughput\">\n<h2>Throughput and latency</h2>\n");
        keyValueTable(h, "throughput-table", report, THROUGHPUT);
        if (report.get("latencyDefinition") != null) {
            h.append("<p class=\"note\">Latency: ").append(escape(String.valueOf(report.get("latencyDefinition"))))
                    .append("</p>\n");
        }
        h.append("<table id=\"stages\">\n<tr><th>stage</th><th>mean ms per frame</th></tr>\n");
        if (report.get("stageMsMean") instanceof Map<?, ?> stages) {
            stages.forEach((stage, ms) -> h.append("<tr><td>").append(escape(String.valueOf(stage))).append("</td>")
                    .append(valueCell(ms, "")).append("</tr>\n"));
        }
        h.append("</table>\n</section>\n");

        h.append("<section id=\"provenance\">\n<h2>Provenance</h2>\n<table>\n");
        for (String[] row : PROVENANCE) {
            h.append("<tr><th>").append(row[1]).append("</th><td>").append(text(report.get(row[0])))
                    .append("</td></tr>\n");
        }
        for (Map.Entry<String, ?> e : report.entrySet()) {
            if (!PLACED.contains(e.getKey())) {
                h.append("<tr><th>").append(escape(e.getKey())).append("</th><td>").append(text(e.getValue()))
                        .append("</td></tr>\n");
            }
        }
        h.append("</table>\n</section>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void keyValueTable(StringBuilder h, String id, Map<String, ?> values, List<String[]> rows) {
        h.append("<table id=\"").append(id).append("\">\n");
        for (String[] row : rows) {
            h.append("<tr><th>").append(row[1]).append("</th>").append(valueCell(lookup(values, row[0]), row[0]))
                    .append("</tr>\n");
        }
        h.append("</table>\n");
    }

    /** One row per entry of a name → metrics map (perCategory, perSubset). */
    private static void breakdownTable(StringBuilder h, String id, String firstHeader, Object breakdown) {
        h.append("<div class=\"scroll\"><table id=\"").append(id).append("\">\n<tr><th>").append(firstHeader)
                .append("</th>");
        for (String[] col : COLUMNS) {
            h.append("<th>").append(col[1]).append("</th>");
        }
        h.append("</tr>\n");
        if (breakdown instanceof Map<?, ?> rows) {
            for (Map.Entry<?, ?> row : rows.entrySet()) {
                Map<?, ?> metrics = row.getValue() instanceof Map<?, ?> m ? m : Map.of();
                h.append("<tr><th>").append(escape(String.valueOf(row.getKey()))).append("</th>");
                for (String[] col : COLUMNS) {
                    h.append(valueCell(lookup(metrics, col[0]), col[0]));
                }
                h.append("</tr>\n");
            }
        }
        h.append("</table></div>\n");
    }

    private static void cases(StringBuilder h, String id, List<WorstCases.Case> cases) {
        h.append("<div class=\"row\" id=\"").append(id).append("\">\n");
        if (cases == null || cases.isEmpty()) {
            h.append("<p class=\"note\">none</p>\n");
        } else {
            for (WorstCases.Case c : cases) {
                String subset = c.subset() == null || c.subset().isEmpty() ? "" : c.subset() + " \u00b7 ";
                h.append("<figure class=\"case\">");
                if (c.thumbnailPng() != null) {
                    h.append("<img width=\"").append(WorstCases.THUMBNAIL_WIDTH)
                            .append("\" alt=\"").append(escape(c.frameId()))
                            .append("\" src=\"data:image/png;base64,")
                            .append(Base64.getEncoder().encodeToString(c.thumbnailPng())).append("\">");
                } else {
                    h.append("<p class=\"note\">(frame could not be drawn)</p>");
                }
                h.append("<figcaption><b>").append(escape(c.frameId())).append("</b><br>").append(escape(subset))
                        .append("score ").append(format(c.imageScore(), 4)).append("</figcaption></figure>\n");
            }
        }
        h.append("</div>\n");
    }

    // Plot geometry in SVG user units: a square-ish plot area with room for tick labels and axis titles.
    private static final double LEFT = 50;
    private static final double TOP = 14;
    private static final double PLOT_W = 254;
    private static final double PLOT_H = 214;
    private static final double BOTTOM = TOP + PLOT_H;

    private static void curveFigure(StringBuilder h, String id, String title, Curve curve, String metricName,
                                    Object metric, boolean roc) {
        String caption = title + " \u00b7 " + metricName + " " + formatValue(metric, "pixelAuroc")
                + (isMissing(metric) ? "" : " %");
        h.append("<figure class=\"curve-figure\">\n<svg class=\"curve\" id=\"").append(id)
                .append("\" viewBox=\"0 0 320 280\" role=\"img\">")
                .append("<title>").append(escape(caption)).append("</title>\n");
        for (int t = 0; t <= 5; t++) {
            double v = t / 5.0;
            double x = px(v);
            double y = py(v);
            if (t > 0) {
                h.append(String.format(Locale.ROOT,
                        "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                                + "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                        x, TOP, x, BOTTOM, LEFT, y, LEFT + PLOT_W, y));
            }
            String label = String.format(Locale.ROOT, "%.1f", v);
            h.append(String.format(Locale.ROOT,
                    "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                            + "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>"
                            + "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                            + "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    x, BOTTOM, x, BOTTOM + 4, x, BOTTOM + 15, label,
                    LEFT - 4, y, LEFT, y, LEFT - 6, y + 3.5, label));
        }
        h.append(String.format(Locale.ROOT,
                "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                        + "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                LEFT, BOTTOM, LEFT + PLOT_W, BOTTOM, LEFT, TOP, LEFT, BOTTOM));
        h.append(String.format(Locale.ROOT,
                "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>"
                        + "<text class=\"label\" transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">%s"
                        + "</text>\n",
                LEFT + PLOT_W / 2, BOTTOM + 34, escape(curve.xLabel()), TOP + PLOT_H / 2, escape(curve.yLabel())));
        if (roc) {
            // The diagonal is what a random score achieves: the reader's reference for the ROC.
            h.append(String.format(Locale.ROOT,
                    "<line class=\"chance\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                    px(0), py(0), px(1), py(1)));
        }
        if (curve.isEmpty()) {
            h.append(String.format(Locale.ROOT,
                    "<text class=\"empty\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">n/a: %s</text>\n",
                    LEFT + PLOT_W / 2, TOP + PLOT_H / 2, roc ? "needs defect and good samples" : "no defects"));
        } else {
            h.append("<path class=\"line\" d=\"").append(pathData(curve)).append("\"/>\n");
        }
        h.append("</svg>\n<figcaption>").append(escape(caption)).append("</figcaption>\n</figure>\n");
    }

    /** SVG path data: one absolute command per curve point, M then L. */
    static String pathData(Curve curve) {
        StringBuilder d = new StringBuilder(curve.size() * 14);
        for (int k = 0; k < curve.size(); k++) {
            d.append(k == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.2f %.2f",
                    px(curve.x()[k]), py(curve.y()[k])));
        }
        return d.toString();
    }

    private static double px(double v) {
        return LEFT + clamp(v) * PLOT_W;
    }

    private static double py(double v) {
        return BOTTOM - clamp(v) * PLOT_H;
    }

    private static double clamp(double v) {
        return Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, v));
    }

    /** {@code values.get(key)}, where {@code a.b} reads key b of the map under key a. */
    static Object lookup(Map<?, ?> values, String key) {
        int dot = key.indexOf('.');
        if (dot < 0) {
            return values.get(key);
        }
        return values.get(key.substring(0, dot)) instanceof Map<?, ?> inner ? lookup(inner, key.substring(dot + 1))
                : null;
    }

    private static String valueCell(Object value, String key) {
        String text = formatValue(value, key);
        return isMissing(value) ? "<td class=\"na\">" + text + "</td>" : "<td class=\"num\">" + text + "</td>";
    }

    /** A value as escaped HTML: nested maps as "key: value" lines, numbers formatted. */
    private static String text(Object value) {
        if (value instanceof Map<?, ?> map) {
            StringBuilder s = new StringBuilder();
            map.forEach((k, v) -> s.append(s.length() == 0 ? "" : "<br>").append(escape(String.valueOf(k)))
                    .append(": ").append(text(v)));
            return s.length() == 0 ? "n/a" : s.toString();
        }
        return formatValue(value, "");
    }

    private static boolean isMissing(Object value) {
        return value == null
                || value instanceof Double d && !Double.isFinite(d)
                || value instanceof Float f && !Float.isFinite(f)
                || value instanceof String s && (s.equals("NaN") || s.isEmpty());
    }

    /**
     * Percentages with 2 decimals, the image threshold (a raw score) with 4, integers as they are, other numbers with
     * up to 4 significant decimals; NaN, infinite, missing: "n/a". Escaped.
     */
    static String formatValue(Object value, String key) {
        if (isMissing(value)) {
            return "n/a";
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            return value.toString();
        }
        if (value instanceof Number n) {
            double d = n.doubleValue();
            if (key.equals("imageThresholdAtMaxF1")) {
                return format(d, 4);
            }
            if (isPercent(key)) {
                return format(d, 2);
            }
            String s = format(d, 4);
            return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
        }
        return escape(String.valueOf(value));
    }

    private static boolean isPercent(String key) {
        return key.startsWith("pixel") || key.startsWith("image") && !key.equals("images")
                || key.equals("aupro") || key.startsWith("regionMaxF1")
                || key.matches("(.*\\.)?eventRegions\\.(precision|recall|f1)");
    }

    private static String format(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** Escapes text for HTML element content and double- or single-quoted attribute values. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
