package dev.saaflink.jobs.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.operators.eval.Curve;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {

    private static final Curve ROC = new Curve(new double[] {0, 0, 0.5, 1}, new double[] {0, 0.5, 1, 1},
            "false positive rate", "true positive rate");
    private static final Curve PR = new Curve(new double[] {0, 0.5, 1}, new double[] {1, 1, 0.5},
            "recall", "precision");
    private static final HtmlReport.Curves CURVES = new HtmlReport.Curves(ROC, PR, ROC, PR);

    private static Map<String, Object> minimalReport() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("dataset", "/data/mtd");
        report.put("pixelMaxF1", 61.5);
        report.put("pixelAuroc", 97.0);
        report.put("pixelAp", Double.NaN);
        report.put("imageAuroc", 88.25);
        report.put("images", 8L);
        report.put("perCategory", Map.of("tiles", Map.of("pixelAuroc", 97.0, "imageAuroc", Double.NaN)));
        report.put("perSubset", Map.of());
        return report;
    }

    /** The element with the given id, up to its closing tag; crude but enough for the page this class writes. */
    private static String element(String html, String tag, String id) {
        int start = html.indexOf("id=\"" + id + "\"");
        assertThat(start).as("element #" + id).isNotNegative();
        int open = html.lastIndexOf("<" + tag, start);
        int close = html.indexOf("</" + tag + ">", start);
        return html.substring(open, close + tag.length() + 3);
    }

    @Test
    void everySectionIsThere() {
        SyntheticEvaluation eval = new SyntheticEvaluation();
        String html = HtmlReport.render(eval.report, eval.curves(), eval.worst);
        for (String id : List.of("metrics", "per-category", "per-subset", "pixel-roc", "pixel-pr", "image-roc",
                "image-pr", "worst-fp", "worst-fn", "throughput", "provenance")) {
            assertThat(html).contains("id=\"" + id + "\"");
        }
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<title>SAA+ evaluation: ");
        assertThat(Pattern.compile("<svg class=\"curve\"").matcher(html).results().count()).isEqualTo(4);
        assertThat(element(html, "div", "worst-fp")).contains("data:image/png;base64,");
        assertThat(Pattern.compile("<figure class=\"case\">").matcher(html).results().count()).isEqualTo(6);
        // captions: frame id, then defect type and image score
        assertThat(element(html, "div", "worst-fn"))
                .containsPattern("<figcaption><b>tiles/MT_Blowhole/exp1</b><br>MT_Blowhole \u00b7 score 0\\.\\d{4}</figcaption>");
        assertThat(element(html, "section", "throughput"))
                .contains("Frames per second", "3.25", "812.5", "sam-encoder", "610.25");
        assertThat(element(html, "section", "provenance"))
                .contains("STAND_IN", "sam-encoder: mobilesam-encoder@1a2b3c4d", "v3", "cores: 2");
        // AUROC and AP of the pooled curves are the report's own numbers
        assertThat(html).contains(String.format(java.util.Locale.ROOT, "Pixel ROC \u00b7 AUROC %.2f %%",
                (Double) eval.report.get("pixelAuroc")));
    }

    @Test
    void selfContained() {
        SyntheticEvaluation eval = new SyntheticEvaluation();
        String html = HtmlReport.render(eval.report, eval.curves(), eval.worst);
        assertThat(html).doesNotContain("http:", "https:", "<script", "<link");
        Matcher src = Pattern.compile("src=\"([^\"]{0,30})").matcher(html);
        while (src.find()) {
            assertThat(src.group(1)).startsWith("data:image/png;base64,");
        }
    }

    @Test
    void escapesEveryText() {
        SyntheticEvaluation eval = new SyntheticEvaluation();
        eval.report.put("configVersion", "<b>v3</b>");
        eval.report.put("some<key>", "x & y");
        String html = HtmlReport.render(eval.report, eval.curves(), eval.worst);
        // the synthetic frame id "tiles/MT_Free/exp6<&\"'>" and dataset "/data/magnetic <tile> & \"MTD\""
        assertThat(html).contains("exp6&lt;&amp;&quot;&#39;&gt;").doesNotContain("exp6<");
        assertThat(html).contains("/data/magnetic &lt;tile&gt; &amp; &quot;MTD&quot;");
        assertThat(html).contains("&lt;b&gt;v3&lt;/b&gt;").doesNotContain("<b>v3");
        assertThat(element(html, "section", "provenance")).contains("some&lt;key&gt;", "x &amp; y");
        assertThat(HtmlReport.escape("a<b>&\"c'")).isEqualTo("a&lt;b&gt;&amp;&quot;c&#39;");
    }

    @Test
    void undefinedMetricsReadNotAvailable() {
        String html = HtmlReport.render(minimalReport(), CURVES, null);
        String metrics = element(html, "table", "metrics");
        assertThat(metrics).contains("<th>Pixel AP (%)</th><td class=\"na\">n/a</td>")
                .contains("<th>Pixel AUROC (%)</th><td class=\"num\">97.00</td>")
                // missing keys too
                .contains("<th>AUPRO, FPR up to 0.3 (%)</th><td class=\"na\">n/a</td>")
                .contains("<th>Images</th><td class=\"num\">8</td>");
        assertThat(element(html, "table", "per-category")).contains("<th>tiles</th>").contains("n/a");
        assertThat(element(html, "figure", "pixel-pr")).contains("AP n/a");
        assertThat(html).doesNotContain("NaN");
        assertThat(element(html, "div", "worst-fp")).contains("none");
    }

    @Test
    void formatsNumbersByKind() {
        assertThat(HtmlReport.formatValue(97.0, "pixelAuroc")).isEqualTo("97.00");
        assertThat(HtmlReport.formatValue(0.123456, "imageThresholdAtMaxF1")).isEqualTo("0.1235");
        assertThat(HtmlReport.formatValue(3.5, "framesPerSecond")).isEqualTo("3.5");
        assertThat(HtmlReport.formatValue(4.0, "")).isEqualTo("4");
        assertThat(HtmlReport.formatValue(12L, "images")).isEqualTo("12");
        assertThat(HtmlReport.formatValue(Double.POSITIVE_INFINITY, "pixelAp")).isEqualTo("n/a");
        assertThat(HtmlReport.formatValue("NaN", "pixelAp")).isEqualTo("n/a");
        assertThat(HtmlReport.formatValue(null, "pixelAp")).isEqualTo("n/a");
    }

    @Test
    void oneSvgPathCommandPerCurvePointInPlotCoordinates() {
        // plot area: x 50..304, y 228 (value 0) .. 14 (value 1)
        assertThat(HtmlReport.pathData(ROC)).isEqualTo("M50.00 228.00 L50.00 121.00 L177.00 14.00 L304.00 14.00");
        String html = HtmlReport.render(minimalReport(), CURVES, null);
        for (String id : List.of("pixel-roc", "image-roc", "pixel-pr", "image-pr")) {
            String svg = element(html, "svg", id);
            Matcher d = Pattern.compile("<path class=\"line\" d=\"([^\"]*)\"").matcher(svg);
            assertThat(d.find()).as(id).isTrue();
            int points = (int) Pattern.compile("[ML]").matcher(d.group(1)).results().count();
            assertThat(points).as(id).isEqualTo(id.endsWith("roc") ? ROC.size() : PR.size());
        }
        // the ROC charts get the chance diagonal, the PR charts don't
        assertThat(element(html, "svg", "pixel-roc")).contains("class=\"chance\"");
        assertThat(element(html, "svg", "pixel-pr")).doesNotContain("class=\"chance\"");
        // axes: six ticks per axis, axis titles from the curve
        assertThat(Pattern.compile(">0\\.4</text>").matcher(element(html, "svg", "pixel-roc")).results().count())
                .isEqualTo(2);
        assertThat(element(html, "svg", "pixel-pr")).contains(">recall</text>", ">precision</text>");
    }

    @Test
    void undefinedCurveIsLabelledNotDrawn() {
        HtmlReport.Curves curves = new HtmlReport.Curves(Curve.empty("false positive rate", "true positive rate"),
                Curve.empty("recall", "precision"), ROC, PR);
        String html = HtmlReport.render(minimalReport(), curves, null);
        assertThat(element(html, "svg", "pixel-roc")).doesNotContain("<path").contains("n/a: needs defect");
        assertThat(element(html, "svg", "pixel-pr")).doesNotContain("<path").contains("n/a: no defects");
        assertThat(element(html, "svg", "image-roc")).contains("<path");
    }

    @Test
    void writesUtf8FileCreatingTheFolder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out/eval/report.html");
        HtmlReport.write(file, minimalReport(), CURVES, null);
        assertThat(Files.readString(file, StandardCharsets.UTF_8)).contains("<meta charset=\"utf-8\">", "\u00b7");
    }
}
