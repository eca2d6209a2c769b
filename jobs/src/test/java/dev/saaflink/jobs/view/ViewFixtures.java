package dev.saaflink.jobs.view;

import dev.saaflink.operators.saa.AnomalyMaps;
import dev.saaflink.operators.saa.MaskRle;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.AnomalyMap;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;
import dev.saaflink.schemas.Region;
import dev.saaflink.schemas.RegionSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Real Avro frames and events for the view's tests, with a known heat map: a hot blob in the image's centre. */
final class ViewFixtures {

    static final double THRESHOLD = 0.5;

    private ViewFixtures() {}

    /** A gray gradient PNG frame of the given size. */
    static Frame frame(String camera, String frameId, int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.getRaster().setSample(x, y, 0, 60 + (x + y) % 120);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Frame.newBuilder().setCameraId(camera).setFrameId(frameId).setCategory("mtd")
                .setCaptureTimeMillis(1_000).setEncoding(ImageEncoding.PNG).setWidth(w).setHeight(h)
                .setImage(ByteBuffer.wrap(png.toByteArray())).build();
    }

    /**
     * An event for a {@code w x h} frame: score {@code score}, capture at {@code capture}, emitted
     * {@code latencyMs} later. An anomalous one (score at or above the threshold) carries a 16x16 map with a hot
     * centre (the rest cold) and one region box around it; an OK one a cold map and no region.
     */
    static AnomalyEvent event(String camera, String frameId, double score, long capture, long latencyMs, int w,
                              int h) {
        boolean anomalous = score >= THRESHOLD;
        int side = 16;
        float[] map = new float[side * side];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double d = Math.hypot(x - 7.5, y - 7.5);
                map[y * side + x] = (float) (anomalous ? Math.max(0, score * (1 - d / 5)) : 0.02);
            }
        }
        double max = anomalous ? score : 0.02;
        AnomalyMap anomalyMap = new AnomalyMap(side, side, 8, max,
                ByteBuffer.wrap(AnomalyMaps.toPng(map, side, side, 8, max)));
        List<Region> regions = new ArrayList<>();
        if (anomalous) {
            int x1 = w / 4;
            int y1 = h / 4;
            int x2 = 3 * w / 4;
            int y2 = 3 * h / 4;
            boolean[] mask = new boolean[w * h];
            for (int y = y1; y < y2; y++) {
                for (int x = x1; x < x2; x++) {
                    mask[y * w + x] = true;
                }
            }
            List<Integer> counts = new ArrayList<>();
            for (int c : MaskRle.encode(mask)) {
                counts.add(c);
            }
            regions.add(Region.newBuilder().setX1(x1).setY1(y1).setX2(x2).setY2(y2).setDetectorScore(0.9)
                    .setRescoredScore(0.9).setLabel("defect").setAreaPixels((x2 - x1) * (y2 - y1))
                    .setMask(new dev.saaflink.schemas.MaskRle(w, h, counts)).build());
        }
        return AnomalyEvent.newBuilder().setCameraId(camera).setFrameId(frameId).setCategory("mtd")
                .setConfigCategory("mtd").setConfigVersion("test").setCaptureTimeMillis(capture)
                .setEmitTimeMillis(capture + latencyMs).setWidth(w).setHeight(h).setImageScore(score)
                .setThreshold(THRESHOLD).setAnomalous(anomalous).setRegions(regions).setAnomalyMap(anomalyMap)
                .setRegionSource(RegionSource.STAND_IN).setModelIds(Map.of()).setStageLatencyMs(Map.of())
                .build();
    }

    /** Whether a pixel is clearly reddened by the heat layer (the frames themselves are gray). */
    static boolean heatRed(int rgb) {
        int r = (rgb >> 16) & 0xFF;
        int g = (rgb >> 8) & 0xFF;
        int b = rgb & 0xFF;
        return r > g + 40 && r > b + 40;
    }
}
