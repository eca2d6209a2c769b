package dev.saaflink.jobs.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.saaflink.jobs.ingest.PublishOrder;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./saa eval --dataset ... --repeat-orders N}: the same frames evaluated in N shuffled orders (seeds
 * {@code seed, seed + 1, ..., seed + N - 1}) and in the sorted order, one after the other, each run a full
 * {@link EvalRunner#run} with its own broker and MiniCluster and its own report in {@code <out>/<run>/}. The top-level
 * report.json lists each run's metrics and summarises them with {@link RunSummary}: the shuffled runs together, the
 * sorted run on its own (a production line is never sorted by defect type, so it is reported beside, not mixed in).
 *
 * <p>Runs are sequential rather than sharing one cluster: each needs a fresh job anyway (the stream context is
 * per-job state), and a run's startup is seconds against minutes of inference.
 */
public final class RepeatedEval {

    /** The run folder names, e.g. {@code shuffled-seed-7} and {@code sorted}. */
    static String runName(PublishOrder order, long seed) {
        return order == PublishOrder.SORTED ? "sorted" : "shuffled-seed-" + seed;
    }

    private RepeatedEval() {}

    /**
     * Runs {@code shuffledRuns} shuffled orders and the sorted one and writes {@code outDir/report.json} and
     * {@code report.html}; returns the top-level report.
     *
     * @param saveMaps where each run's maps go ({@code <saveMaps>/<run>/...}), or null
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> run(EvalRunner runner, Path dataset, String category, Path outDir, int limit,
                                          int parallelism, Path saveMaps, long firstSeed, int shuffledRuns,
                                          PrintStream out) throws Exception {
        if (shuffledRuns < 1) {
            throw new IllegalArgumentException("--repeat-orders must be >= 1, got " + shuffledRuns);
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        List<Map<String, Object>> shuffled = new ArrayList<>();
        List<Map<String, Object>> sorted = new ArrayList<>();
        for (int i = 0; i <= shuffledRuns; i++) {
            PublishOrder order = i < shuffledRuns ? PublishOrder.SHUFFLED : PublishOrder.SORTED;
            long seed = order == PublishOrder.SHUFFLED ? firstSeed + i : 0;
            String name = runName(order, seed);
            out.printf("eval: run %d of %d (%s)%n", i + 1, shuffledRuns + 1, name);
            Map<String, Object> report = runner.run(dataset, category, outDir.resolve(name), limit, parallelism,
                    saveMaps == null ? null : saveMaps.resolve(name), order, seed);
            (order == PublishOrder.SHUFFLED ? shuffled : sorted).add(report);
            runs.add(runEntry(name, order, seed, report));
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("shuffled", RunSummary.of(shuffled));
        summary.put("sorted", RunSummary.of(sorted));

        Map<String, Object> top = new LinkedHashMap<>();
        Map<String, Object> first = shuffled.get(0);
        top.put("dataset", first.get("dataset"));
        top.put("split", first.get("split"));
        top.put("splitRule", first.get("splitRule"));
        top.put("orders", shuffledRuns + " shuffled (seeds " + firstSeed + ".." + (firstSeed + shuffledRuns - 1)
                + ") and sorted");
        top.put("summaryDefinition", "per metric over the shuffled runs and, separately, the sorted run: mean, std "
                + "(sample standard deviation, n - 1; NaN for one run), min, max, n (runs where the metric is defined)");
        top.put("summary", summary);
        top.put("runs", runs);
        top.put("time", Instant.now().toString());

        Files.createDirectories(outDir);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(outDir.resolve("report.json").toFile(),
                top);
        Files.writeString(outDir.resolve("report.html"), html(top), StandardCharsets.UTF_8);
        Map<String, ?> f1 = (Map<String, ?>) ((Map<String, ?>) summary.get("shuffled")).get("pixelMaxF1");
        out.printf(Locale.ROOT, "eval: %d runs; pixelMaxF1 over the shuffled orders %s ± %s -> %s%n", runs.size(),
                f1.get("mean"), f1.get("std"), outDir.resolve("report.json"));
        return top;
    }

    private static Map<String, Object> runEntry(String name, PublishOrder order, long seed, Map<String, Object> report) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("run", name);
        entry.put("order", order.toString());
        entry.put("seed", order == PublishOrder.SHUFFLED ? seed : null);
        entry.put("report", name + "/report.json");
        for (String key : List.of("images", "defectImages", "framesScoredAsMisses")) {
            entry.put(key, report.get(key));
        }
        for (String key : RunSummary.KEYS) {
            String top = key.contains(".") ? key.substring(0, key.indexOf('.')) : key;
            entry.putIfAbsent(top, report.get(top));
        }
        return entry;
    }

    /** A small page: the summary table (mean ± std, min–max, n; sorted beside) and the runs with links. */
    @SuppressWarnings("unchecked")
    static String html(Map<String, Object> top) {
        StringBuilder h = new StringBuilder(16 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>SAA+ evaluation over ")
                .append("publishing orders</title>\n<style>body{font:14px/1.45 system-ui,sans-serif;margin:24px}"
                        + "table{border-collapse:collapse}th,td{border:1px solid #d8dce4;padding:3px 8px}"
                        + "td{text-align:right;font-variant-numeric:tabular-nums}th{background:#f1f3f7;text-align:left}"
                        + "</style>\n</head>\n<body>\n<h1>SAA+ evaluation over publishing orders</h1>\n<p>")
                .append(HtmlReport.escape(String.valueOf(top.get("dataset")))).append(" &middot; ")
                .append(HtmlReport.escape(String.valueOf(top.get("splitRule")))).append(" &middot; ")
                .append(HtmlReport.escape(String.valueOf(top.get("orders")))).append("</p>\n");
        Map<String, Object> summary = (Map<String, Object>) top.get("summary");
        Map<String, Object> shuffled = (Map<String, Object>) summary.get("shuffled");
        Map<String, Object> sorted = (Map<String, Object>) summary.get("sorted");
        h.append("<table id=\"summary\">\n<tr><th>metric</th><th>shuffled: mean &plusmn; std</th><th>min&ndash;max</th>"
                + "<th>n</th><th>sorted</th></tr>\n");
        for (String key : RunSummary.KEYS) {
            Map<String, Object> s = (Map<String, Object>) shuffled.get(key);
            Map<String, Object> o = (Map<String, Object>) sorted.get(key);
            h.append("<tr><th>").append(HtmlReport.escape(key)).append("</th><td>")
                    .append(HtmlReport.formatValue(s.get("mean"), key)).append(" &plusmn; ")
                    .append(HtmlReport.formatValue(s.get("std"), key)).append("</td><td>")
                    .append(HtmlReport.formatValue(s.get("min"), key)).append("&ndash;")
                    .append(HtmlReport.formatValue(s.get("max"), key)).append("</td><td>").append(s.get("n"))
                    .append("</td><td>").append(HtmlReport.formatValue(o.get("mean"), key)).append("</td></tr>\n");
        }
        h.append("</table>\n<h2>Runs</h2>\n<table id=\"runs\">\n<tr><th>run</th>");
        RunSummary.KEYS.forEach(k -> h.append("<th>").append(HtmlReport.escape(k)).append("</th>"));
        h.append("</tr>\n");
        for (Map<String, Object> run : (List<Map<String, Object>>) top.get("runs")) {
            String name = HtmlReport.escape(String.valueOf(run.get("run")));
            h.append("<tr><th><a href=\"").append(name).append("/report.html\">").append(name).append("</a></th>");
            RunSummary.KEYS.forEach(k -> h.append("<td>").append(HtmlReport.formatValue(HtmlReport.lookup(run, k), k))
                    .append("</td>"));
            h.append("</tr>\n");
        }
        h.append("</table>\n</body>\n</html>\n");
        return h.toString();
    }
}
