package dev.saaflink.jobs.view;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.saaflink.jobs.testutil.Chromium;
import dev.saaflink.jobs.cli.SaaCli;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.jobs.kafka.KafkaTopics;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.AvroBytes;
import dev.saaflink.schemas.Frame;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code saa view} end to end: a real in-process broker, the command on a free port, and a real headless Chromium
 * on its page. Frames are the repository's MTD samples made into Avro frames by the ingest's {@link FrameFactory};
 * the events are real {@link AnomalyEvent}s with a known heat map (no model run). Checks the empty state, one panel
 * per camera with verdict, score, charts and anomalous frames, the heat map in a screenshot, a later event arriving
 * without a reload, and an aborted transaction never shown.
 *
 * <p>Skipped without Chromium unless {@code SAA_REQUIRE_CHROMIUM=1}. The screenshot stays in
 * {@code target/saa-view-chromium/} (docs/img/saa-view.png is a copy of it).
 */
class ViewCommandITCase {

    private static final String FRAMES = "view-frames";
    private static final String EVENTS = "view-events";
    private static final int WIDTH = 1280;
    private static final int HEIGHT = 680;

    private static Path chromium;
    private static Path mtd;
    private static EmbeddedKafka kafka;
    private static final AtomicInteger transactions = new AtomicInteger();

    @BeforeAll
    static void setUp() {
        chromium = Chromium.locateOrSkip("the live view test");
        for (Path p = Paths.get("").toAbsolutePath(); p != null && mtd == null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("samples/mtd"))) {
                mtd = p.resolve("samples/mtd");
            }
        }
        Assumptions.assumeTrue(mtd != null, "no samples/mtd found above the working directory: skipping");
        kafka = EmbeddedKafka.start();
        for (String topic : List.of(FRAMES, EVENTS)) {
            KafkaTopics.createIfMissing(kafka.bootstrapServers(), topic, 1, (short) -1, kafka.clientProperties());
        }
    }

    @AfterAll
    static void tearDown() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void showsCamerasHeatMapsChartsAndLiveUpdates(@TempDir Path profile) throws Exception {
        Path dir = Paths.get("target", "saa-view-chromium").toAbsolutePath();
        Files.createDirectories(dir);
        StringWriter output = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        List<String> args = new ArrayList<>(List.of("view", "--bootstrap-servers", kafka.bootstrapServers(),
                "--events-topic", EVENTS, "--frames-topic", FRAMES, "--port", "0"));
        kafka.clientProperties().forEach((k, v) -> args.addAll(List.of("--kafka-property", k + "=" + v)));
        Thread view = new Thread(() -> exit.set(SaaCli.commandLine()
                .setOut(new PrintWriter(output, true)).setErr(new PrintWriter(output, true))
                .execute(args.toArray(String[]::new))), "saa-view-under-test");
        view.start();
        try (HeadlessChromium browser = new HeadlessChromium(chromium, profile, dir.resolve("chromium.log"),
                WIDTH, HEIGHT)) {
            String url = await("the view to print its address", () -> {
                Matcher m = Pattern.compile("http://127\\.0\\.0\\.1:\\d+/").matcher(output.toString());
                return m.find() ? m.group() : null;
            });
            browser.navigate(url);

            // nothing published yet: the page says so once the stream has answered
            await("the empty state", () -> browser.evaluate(
                    "document.body.dataset.events === '0' && !document.getElementById('empty').hidden"
                            + " && document.querySelectorAll('section.camera').length === 0").asBoolean() ? 1 : null);
            assertThat(browser.evaluate("document.getElementById('empty').textContent").asText())
                    .contains("No events yet").contains(EVENTS);

            // two cameras, committed together; then an aborted transaction that must never show
            List<Object[]> committed = List.of(
                    new Object[] {"cam-1", "free/exp1_num_3786.jpg", 0.12, 120L},
                    new Object[] {"cam-2", "fray/exp1_num_136254.jpg", 0.81, 150L},
                    new Object[] {"cam-1", "blowhole/exp1_num_4727.jpg", 0.93, 180L},
                    new Object[] {"cam-2", "break/exp1_num_241889.jpg", 0.74, 240L},
                    new Object[] {"cam-1", "free/exp1_num_71177.jpg", 0.20, 160L},
                    new Object[] {"cam-2", "uneven/exp2_num_542.jpg", 0.31, 210L},
                    new Object[] {"cam-1", "crack/exp1_num_32128.jpg", 0.88, 300L});
            publish(committed, null, true);
            publish(List.<Object[]>of(new Object[] {"cam-2", "crack/exp1_num_32128.jpg", 0.99, 100L}),
                    "aborted", false);

            String ready = "(() => { const cams = [...document.querySelectorAll('section.camera')];"
                    + " return cams.length === 2 && cams.every(c => { const img = c.querySelector('img.latest');"
                    // the latest picture is of the latest event: every frame has joined its event
                    + " return img && img.complete && img.naturalWidth > 0 && img.dataset.frame === c.dataset.frame"
                    + " && [...c.querySelectorAll('.anomalies img')].every(i => i.complete && i.naturalWidth > 0)"
                    + " && c.querySelectorAll('svg.chart polyline.series').length === 3; })"
                    + " && document.body.dataset.events === '7'; })()";
            await("both camera panels with pictures and charts", () -> browser.evaluate(ready).asBoolean() ? 1 : null);
            JsonNode panels = browser.evaluate("[...document.querySelectorAll('section.camera')].map(c => ({"
                    + " id: c.dataset.camera, frame: c.dataset.frame,"
                    + " verdict: c.querySelector('.verdict').textContent, score: c.querySelector('.score').textContent,"
                    + " anomalies: [...c.querySelectorAll('.anomalies figure')].map(f => f.dataset.frame),"
                    + " points: c.querySelector('svg.rate polyline').getAttribute('points').split(' ').length }))");
            assertThat(panels).hasSize(2);
            JsonNode cam1 = panels.get(0).path("id").asText().equals("cam-1") ? panels.get(0) : panels.get(1);
            JsonNode cam2 = cam1 == panels.get(0) ? panels.get(1) : panels.get(0);
            assertThat(cam1.path("verdict").asText()).isEqualTo("ANOMALOUS");
            assertThat(cam1.path("score").asText()).contains("score 0.880").contains("crack/exp1_num_32128");
            assertThat(cam1.path("points").asInt()).isEqualTo(4);
            assertThat(texts(cam1.path("anomalies")))
                    .containsExactly("mtd/crack/exp1_num_32128", "mtd/blowhole/exp1_num_4727");
            assertThat(cam2.path("verdict").asText()).isEqualTo("OK");
            assertThat(cam2.path("score").asText()).contains("score 0.310");
            assertThat(texts(cam2.path("anomalies")))
                    .containsExactly("mtd/break/exp1_num_241889", "mtd/fray/exp1_num_136254");

            // a later event arrives on the open page: no reload (the marker survives)
            browser.evaluate("window.__marker = 'kept'");
            publish(List.<Object[]>of(new Object[] {"cam-2", "blowhole/exp1_num_4727.jpg", 0.97, 130L}), "late",
                    true);
            await("the late event on the open page", () -> browser.evaluate(
                    "document.querySelector('section[data-camera=\"cam-2\"]').dataset.frame === 'mtd/late'"
                            // the frame may join after the event (two topics): wait for its picture too
                            + " && document.querySelector('section[data-camera=\"cam-2\"] img.latest')"
                            + ".dataset.frame === 'mtd/late'"
                            + " && document.querySelectorAll('section[data-camera=\"cam-2\"] .anomalies figure')"
                            + ".length === 3"
                            + " && [...document.querySelectorAll('section[data-camera=\"cam-2\"] img')]"
                            + ".every(i => i.complete && i.naturalWidth > 0)").asBoolean() ? 1 : null);
            assertThat(browser.evaluate("window.__marker").asText()).isEqualTo("kept");
            assertThat(browser.evaluate("document.body.dataset.events").asText()).isEqualTo("8");
            assertThat(browser.evaluate("document.body.innerHTML.includes('aborted')").asBoolean())
                    .as("an aborted transaction's event is never shown").isFalse();
            assertThat(browser.evaluate("document.querySelectorAll('section[data-camera=\"cam-2\"] .anomalies figure')"
                    + ".length").asInt()).isEqualTo(3);

            // the heat map is visible: the anomalous frames' pictures are reddened in a screenshot
            Thread.sleep(300); // let the last picture paint
            byte[] png = browser.screenshot();
            Path shot = dir.resolve("saa-view.png");
            Files.write(shot, png);
            BufferedImage screen = ImageIO.read(new ByteArrayInputStream(png));
            assertThat(screen.getWidth()).isEqualTo(WIDTH);
            for (String camera : List.of("cam-1", "cam-2")) {
                JsonNode box = browser.evaluate("(() => { const r = document.querySelector("
                        + "'section[data-camera=\"" + camera + "\"] img.latest').getBoundingClientRect();"
                        + " return [r.x, r.y, r.width, r.height].map(Math.round); })()");
                double red = redShare(screen, box.get(0).asInt(), box.get(1).asInt(), box.get(2).asInt(),
                        box.get(3).asInt());
                System.out.printf("%s: %.1f %% of its latest picture is heat red%n", camera, 100 * red);
                assertThat(red).as(camera + ": share of heat-red pixels in its latest picture").isGreaterThan(0.03);
            }
            // control: outside the pictures (header, charts, text) almost nothing is heat red
            JsonNode okThumbBox = browser.evaluate("(() => { const r = document.querySelector("
                    + "'section[data-camera=\"cam-2\"] .meta.info').getBoundingClientRect();"
                    + " return [r.x, r.y, r.width, r.height].map(Math.round); })()");
            assertThat(redShare(screen, okThumbBox.get(0).asInt(), okThumbBox.get(1).asInt(),
                    okThumbBox.get(2).asInt(), okThumbBox.get(3).asInt())).isLessThan(0.01);
        } finally {
            view.interrupt();
            view.join(30_000);
        }
        assertThat(view.isAlive()).as("saa view stops when interrupted").isFalse();
        assertThat(exit.get()).as("exit code; output: " + output).isZero();
    }

    /** Publishes frames and their events in one transaction per call, committed or aborted. */
    private void publish(List<Object[]> items, String frameName, boolean commit) throws Exception {
        Properties p = new Properties();
        p.putAll(kafka.clientProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "view-test-" + transactions.incrementAndGet());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(8 * 1024 * 1024));
        try (KafkaProducer<byte[], byte[]> producer =
                     new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            long capture = System.currentTimeMillis();
            for (Object[] item : items) {
                String camera = (String) item[0];
                String file = (String) item[1];
                Path image = mtd.resolve(file.replace("/", "/images/"));
                String subset = file.substring(0, file.indexOf('/'));
                String name = file.substring(file.indexOf('/') + 1, file.lastIndexOf('.'));
                Frame frame = new FrameFactory(camera, false)
                        .create(new DatasetItem("mtd", subset, name, image, null, file));
                if (frameName != null) {
                    frame.setFrameId("mtd/" + frameName);
                }
                BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(AvroBytes.toArray(frame.getImage())));
                AnomalyEvent event = ViewFixtures.event(camera, frame.getFrameId().toString(), (Double) item[2],
                        capture++, (Long) item[3], decoded.getWidth(), decoded.getHeight());
                producer.send(new ProducerRecord<>(FRAMES, camera.getBytes(), AvroBytes.toArray(
                        Frame.getEncoder().encode(frame))));
                producer.send(new ProducerRecord<>(EVENTS, camera.getBytes(), AvroBytes.toArray(
                        AnomalyEvent.getEncoder().encode(event))));
            }
            if (commit) {
                producer.commitTransaction();
            } else {
                producer.flush();
                producer.abortTransaction();
            }
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static double redShare(BufferedImage screen, int x, int y, int w, int h) {
        assertThat(w).as("picture width on screen").isGreaterThan(20);
        assertThat(h).as("picture height on screen").isGreaterThan(20);
        int red = 0;
        int all = 0;
        for (int yy = y; yy < Math.min(screen.getHeight(), y + h); yy++) {
            for (int xx = x; xx < Math.min(screen.getWidth(), x + w); xx++) {
                all++;
                if (ViewFixtures.heatRed(screen.getRGB(xx, yy))) {
                    red++;
                }
            }
        }
        return all == 0 ? 0 : (double) red / all;
    }

    private static <T> T await(String what, Callable<T> probe) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                T value = probe.call();
                if (value != null) {
                    return value;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting for " + what
                + (last == null ? "" : "; last error: " + last), last);
    }
}
