package dev.saaflink.jobs.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.saaflink.jobs.testutil.Chromium;
import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens a report built from synthetic data in a real headless Chromium and checks what a reader would see: the
 * tables, four drawn curves, and thumbnails that actually decode. Skipped where no Chromium is installed, unless
 * {@code SAA_REQUIRE_CHROMIUM=1} (as in CI), where a missing browser is a failure.
 *
 * <p>The page and its screenshot stay in {@code target/html-report-chromium/} for a look by eye.
 */
class HtmlReportChromiumTest {

    private static final long TIMEOUT_SECONDS = 60;
    /**
     * Appended to a copy of the page only (the report itself has no script): after load, it writes each image's
     * decoded size and each curve path's rendered box into attributes, which --dump-dom then shows.
     */
    private static final String PROBE = """
            <script>
            window.addEventListener('load', () => {
              for (const img of document.images) {
                img.setAttribute('data-decoded', img.complete && img.naturalWidth > 0
                    ? img.naturalWidth + 'x' + img.naturalHeight : 'no');
              }
              for (const path of document.querySelectorAll('svg.curve path')) {
                const box = path.getBBox();
                path.setAttribute('data-box', Math.round(box.width) + 'x' + Math.round(box.height));
              }
              document.body.setAttribute('data-probed', 'yes');
            });
            </script>
            """;

    private static Path chromium;

    @BeforeAll
    static void findChromium() {
        chromium = Chromium.locateOrSkip("the headless rendering test");
    }

    @Test
    void rendersTablesCurvesAndThumbnails(@TempDir Path profile) throws Exception {
        Path dir = Paths.get("target", "html-report-chromium").toAbsolutePath();
        Files.createDirectories(dir);
        SyntheticEvaluation eval = new SyntheticEvaluation();
        Path report = dir.resolve("report.html");
        HtmlReport.write(report, eval.report, eval.curves(), eval.worst);
        String page = Files.readString(report, StandardCharsets.UTF_8);
        Path probed = dir.resolve("report-probed.html");
        Files.writeString(probed, page.replace("</body>", PROBE + "</body>"), StandardCharsets.UTF_8);

        String dom = run(profile.resolve("dom"), dir.resolve("dump-dom.log"),
                "--virtual-time-budget=5000", "--dump-dom", probed.toUri().toString());

        assertThat(dom).as("the load handler ran").contains("data-probed=\"yes\"");
        for (String id : List.of("metrics", "per-category", "per-subset", "throughput", "provenance", "stages")) {
            assertThat(dom).as(id).containsPattern("<(table|section)[^>]* id=\"" + id + "\"");
        }
        for (String id : List.of("pixel-roc", "pixel-pr", "image-roc", "image-pr")) {
            Matcher svg = Pattern.compile("<svg class=\"curve\" id=\"" + id + "\".*?</svg>", Pattern.DOTALL)
                    .matcher(dom);
            assertThat(svg.find()).as(id).isTrue();
            // a drawn curve spans a visible box (a flat PR line still has width)
            Matcher box = Pattern.compile("data-box=\"(\\d+)x(\\d+)\"").matcher(svg.group());
            assertThat(box.find()).as(id + " has a rendered path").isTrue();
            assertThat(Integer.parseInt(box.group(1))).as(id + " width").isGreaterThan(50);
        }
        List<String> decoded = new ArrayList<>();
        Matcher img = Pattern.compile("data-decoded=\"([^\"]*)\"").matcher(dom);
        while (img.find()) {
            decoded.add(img.group(1));
        }
        // 3 false positives and 3 false negatives, each a 192-wide thumbnail of a 4:3 frame
        assertThat(decoded).hasSize(6).containsOnly("192x144");
        assertThat(Pattern.compile("<figure class=\"case\">").matcher(dom).results().count()).isEqualTo(6);

        Path screenshot = dir.resolve("report.png");
        Files.deleteIfExists(screenshot);
        run(profile.resolve("shot"), dir.resolve("screenshot.log"), "--hide-scrollbars", "--window-size=1200,2400",
                "--screenshot=" + screenshot, report.toUri().toString());
        assertThat(screenshot).exists();
        BufferedImage shot = ImageIO.read(screenshot.toFile());
        assertThat(shot).isNotNull();
        assertThat(shot.getWidth()).isEqualTo(1200);
        Set<Integer> colours = new HashSet<>();
        int curveRed = 0;
        int maskGreen = 0;
        for (int y = 0; y < shot.getHeight(); y += 2) {
            for (int x = 0; x < shot.getWidth(); x += 2) {
                int rgb = shot.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                int r = rgb >> 16;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                if (r > 170 && g < 90 && b < 80) {
                    curveRed++;
                }
                if (g > 200 && r < 60 && b < 60) {
                    maskGreen++;
                }
            }
        }
        assertThat(colours.size()).as("distinct colours in the screenshot").isGreaterThan(200);
        assertThat(curveRed).as("curve strokes and heat").isGreaterThan(100);
        assertThat(maskGreen).as("ground-truth outlines in the thumbnails").isGreaterThan(20);
    }

    /** Runs headless Chromium on a fresh profile; returns its stdout; always ends the process tree. */
    private static String run(Path profile, Path log, String... args) throws IOException, InterruptedException {
        Files.createDirectories(profile);
        List<String> command = new ArrayList<>(List.of(chromium.toString()));
        command.addAll(Chromium.HEADLESS_FLAGS);
        command.add("--user-data-dir=" + profile);
        command.addAll(List.of(args));
        Path stdout = Files.createTempFile(profile, "stdout", ".html");
        Process process = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(log.toFile())
                .start();
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                fail("chromium did not finish within " + TIMEOUT_SECONDS + " s; its log: " + tail(log));
            }
            assertThat(process.exitValue()).as("chromium exit code; log: " + tail(log)).isZero();
            return Files.readString(stdout, StandardCharsets.UTF_8);
        } finally {
            // Chromium forks helpers (zygote, renderer); end them before the parent so none outlives the test.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String tail(Path log) throws IOException {
        String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
    }
}
