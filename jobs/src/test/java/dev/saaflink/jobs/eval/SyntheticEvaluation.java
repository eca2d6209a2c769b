package dev.saaflink.jobs.eval;

import dev.saaflink.operators.eval.CategoryMetrics;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A small evaluation made up in memory, shaped like what {@link EvalRunner} produces: eight tile frames (four good,
 * four with a dark blob as the defect), their maps and masks, the pooled metrics, report.json's map and the worst
 * cases. Fixed seed, so every run draws the same page.
 */
final class SyntheticEvaluation {

    static final int SIDE = 100;

    final CategoryMetrics pooled = new CategoryMetrics();
    final WorstCases worst = new WorstCases(3, 1.0);
    final Map<String, Object> report = new LinkedHashMap<>();

    SyntheticEvaluation() {
        Random random = new Random(7);
        Map<String, CategoryMetrics> subsets = new TreeMap<>();
        for (int f = 0; f < 8; f++) {
            boolean defect = f % 2 == 1;
            String subset = defect ? "MT_Blowhole" : "MT_Free";
            int cx = 20 + 9 * f;
            int cy = 30 + 5 * f;
            float[] map = new float[SIDE * SIDE];
            boolean[] mask = new boolean[SIDE * SIDE];
            // Defects get a bump on the blob; good frames a weaker bump elsewhere, so some good frames outscore
            // some defect frames and both worst lists are meaningful.
            double peak = defect ? 0.35 + 0.12 * f / 2.0 : 0.2 + 0.1 * f;
            int bx = defect ? cx : SIDE - cx;
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    double d2 = (x - bx) * (x - bx) + (y - cy) * (y - cy);
                    map[y * SIDE + x] = (float) (peak * Math.exp(-d2 / 120.0) + 0.05 * random.nextDouble());
                    mask[y * SIDE + x] = defect && (x - cx) * (x - cx) + (y - cy) * (y - cy) <= 64;
                }
            }
            String frameId = "tiles/" + subset + "/exp" + f + (f == 6 ? "<&\"'>" : "");
            byte[] image = tile(random, defect ? cx : -100, cy);
            pooled.add(map, mask);
            subsets.computeIfAbsent("tiles/" + subset, k -> new CategoryMetrics()).add(map, mask);
            worst.offer(frameId, subset, image, map, mask, SIDE);
        }

        report.put("dataset", "/data/magnetic <tile> & \"MTD\"");
        report.put("frames", 9);
        report.put("events", 8);
        report.put("deadLetters", 1);
        report.putAll(MetricsJson.of(pooled));
        report.put("framesPerSecond", 3.25);
        report.put("latencyMsP50", 812.5);
        report.put("latencyMsP99", 1403.0);
        Map<String, Object> stages = new LinkedHashMap<>();
        stages.put("decode", 4.1);
        stages.put("sam-encoder", 610.25);
        stages.put("pipeline", 820.0);
        report.put("stageMsMean", stages);
        report.put("latencyDefinition", "in-job: Kafka read to event emit");
        report.put("perCategory", Map.of("tiles", MetricsJson.of(pooled)));
        Map<String, Object> perSubset = new LinkedHashMap<>();
        subsets.forEach((k, v) -> perSubset.put(k, MetricsJson.of(v)));
        report.put("perSubset", perSubset);
        report.put("protocol", "maps bilinear and masks nearest to 100x100, percent");
        report.put("regionSource", "STAND_IN");
        report.put("modelIds", Map.of("sam-encoder", "mobilesam-encoder@1a2b3c4d"));
        report.put("configVersion", "v3");
        report.put("jobSeconds", 2.46);
        report.put("machine", Map.of("cores", 2, "java", "17.0.12", "os", "Linux"));
        report.put("time", "2024-05-01T12:00:00Z");
    }

    HtmlReport.Curves curves() {
        return HtmlReport.Curves.of(pooled, HtmlReport.CURVE_POINTS);
    }

    /** A grey 320x240 tile with a soft texture and, when {@code bx >= 0}, a dark blob around (bx, by) in map units. */
    private static byte[] tile(Random random, int bx, int by) {
        int w = 320;
        int h = 240;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = 120 + (int) (30 * Math.sin(x / 9.0) * Math.cos(y / 13.0)) + random.nextInt(12);
                double dx = x * (double) SIDE / w - bx;
                double dy = y * (double) SIDE / h - by;
                if (bx >= 0 && dx * dx + dy * dy <= 64) {
                    v = 40;
                }
                img.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(img, "png", png);
            return png.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
