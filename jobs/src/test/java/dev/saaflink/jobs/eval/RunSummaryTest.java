package dev.saaflink.jobs.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The summary arithmetic, with every expected figure worked out by hand in the comments. */
class RunSummaryTest {

    private static Map<String, Object> report(double pixelMaxF1, double imageAuroc, double imageAp, Double f1) {
        Map<String, Object> r = new HashMap<>();
        r.put("pixelMaxF1", pixelMaxF1);
        r.put("imageAuroc", imageAuroc);
        r.put("imageAp", imageAp);
        if (f1 != null) {
            r.put("eventRegions", Map.of("f1", f1, "predicted", 4L));
        }
        return r;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stat(Map<String, Object> summary, String key) {
        return (Map<String, Object>) summary.get(key);
    }

    @Test
    void meanSampleStdMinMaxAndNOverTheRunsWhereTheMetricIsDefined() {
        Map<String, Object> s = RunSummary.of(List.of(
                report(70, Double.NaN, 1, 10.0),
                report(72, 90, 2, 20.0),
                report(77, 94, 2, null)));

        // 70, 72, 77: mean 73; squared deviations 9 + 1 + 16 = 26; sample std sqrt(26 / 2) = sqrt(13) = 3.6056
        assertThat(stat(s, "pixelMaxF1")).containsEntry("mean", 73.0).containsEntry("std", 3.61)
                .containsEntry("min", 70.0).containsEntry("max", 77.0).containsEntry("n", 3);
        // NaN left out: 90, 94: mean 92, std sqrt((4 + 4) / 1) = 2.828
        assertThat(stat(s, "imageAuroc")).containsEntry("mean", 92.0).containsEntry("std", 2.83)
                .containsEntry("n", 2);
        // 1, 2, 2: mean 1.6667; deviations -2/3, 1/3, 1/3: (4/9 + 1/9 + 1/9) / 2 = 1/3, std 0.5774
        assertThat(stat(s, "imageAp")).containsEntry("mean", 1.67).containsEntry("std", 0.58)
                .containsEntry("min", 1.0).containsEntry("max", 2.0);
        // nested key, absent in the third run: 10, 20: mean 15, std sqrt(50) = 7.071
        assertThat(stat(s, "eventRegions.f1")).containsEntry("mean", 15.0).containsEntry("std", 7.07)
                .containsEntry("n", 2);
        // in no run: undefined, n 0
        assertThat((double) stat(s, "aupro").get("mean")).isNaN();
        assertThat(stat(s, "aupro")).containsEntry("n", 0);
        assertThat(s.keySet()).containsExactlyElementsOf(RunSummary.KEYS);
    }

    @Test
    void oneRunHasAMeanButNoSpread() {
        Map<String, Object> s = RunSummary.of(List.of(report(50, 60, 70, 5.0)));

        assertThat(stat(s, "pixelMaxF1")).containsEntry("mean", 50.0).containsEntry("min", 50.0)
                .containsEntry("max", 50.0).containsEntry("n", 1);
        assertThat((double) stat(s, "pixelMaxF1").get("std")).isNaN();
    }

    @Test
    void thePageShowsMeanPlusMinusSpreadAndTheSortedRunBeside() {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("shuffled", RunSummary.of(List.of(report(70, 90, 1, 10.0), report(72, 94, 2, 20.0),
                report(77, 92, 2, 30.0))));
        summary.put("sorted", RunSummary.of(List.of(report(65.5, 91, 3, 12.0))));
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("dataset", "d");
        top.put("splitRule", "validate half");
        top.put("orders", "3 shuffled and sorted");
        top.put("summary", summary);
        Map<String, Object> run = new LinkedHashMap<>(report(70, 90, 1, 10.0));
        run.put("run", "shuffled-seed-7");
        top.put("runs", List.of(run));

        String page = RepeatedEval.html(top);

        assertThat(page).contains("<tr><th>pixelMaxF1</th><td>73.00 &plusmn; 3.61</td><td>70.00&ndash;77.00</td>"
                + "<td>3</td><td>65.50</td></tr>");
        assertThat(page).contains("<a href=\"shuffled-seed-7/report.html\">shuffled-seed-7</a>");
    }
}
