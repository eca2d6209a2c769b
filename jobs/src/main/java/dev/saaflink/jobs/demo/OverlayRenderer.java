package dev.saaflink.jobs.demo;

import dev.saaflink.schemas.AvroBytes;
import dev.saaflink.operators.saa.MaskRle;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.AnomalyMap;
import dev.saaflink.schemas.Region;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;

/**
 * Draws what the job found on top of the frame: the anomaly map as a red heat layer (opacity proportional to the
 * score relative to twice the category threshold, so frames are comparable) and the outline of every kept region.
 */
public final class OverlayRenderer {

    private static final Color[] OUTLINES = {Color.CYAN, Color.GREEN, Color.MAGENTA, Color.YELLOW, Color.ORANGE};

    private OverlayRenderer() {}

    public static BufferedImage render(byte[] imageBytes, AnomalyEvent event) throws IOException {
        BufferedImage source = ImageIO.read(new ByteArrayInputStream(imageBytes));
        if (source == null) {
            throw new IOException("frame " + event.getFrameId() + " is not an image ImageIO can read");
        }
        int w = source.getWidth();
        int h = source.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(source, 0, 0, null);
        g.dispose();

        double scale = Math.max(2 * event.getThreshold(), 1e-9);
        float[] heat = heatAtImageSize(event.getAnomalyMap(), w, h);
        if (heat != null) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double a = Math.min(1.0, heat[y * w + x] / scale) * 0.6;
                    if (a <= 0) {
                        continue;
                    }
                    int rgb = out.getRGB(x, y);
                    int r = (int) ((1 - a) * ((rgb >> 16) & 0xFF) + a * 255);
                    int gr = (int) ((1 - a) * ((rgb >> 8) & 0xFF) + a * 40);
                    int b = (int) ((1 - a) * (rgb & 0xFF));
                    out.setRGB(x, y, (r << 16) | (gr << 8) | b);
                }
            }
        }
        List<Region> regions = event.getRegions();
        for (int i = 0; i < regions.size(); i++) {
            outline(out, regions.get(i), OUTLINES[i % OUTLINES.length].getRGB());
        }
        return out;
    }

    /** The event's map, scaled back to scores and resized (bilinear) to the frame; null when the event has none. */
    private static float[] heatAtImageSize(AnomalyMap map, int w, int h) throws IOException {
        if (map == null) {
            return null;
        }
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(AvroBytes.toArray(map.getPng())));
        BufferedImage scaled = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(png, 0, 0, w, h, null);
        g.dispose();
        float[] heat = new float[w * h];
        var raster = scaled.getRaster();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                heat[y * w + x] = (float) (raster.getSample(x, y, 0) / 65535.0 * map.getMaxValue());
            }
        }
        return heat;
    }

    /** Marks mask pixels that have a 4-neighbour outside the mask. */
    private static void outline(BufferedImage out, Region region, int rgb) {
        int w = region.getMask().getWidth();
        int h = region.getMask().getHeight();
        boolean[] mask = MaskRle.decode(region.getMask().getCounts().stream().mapToInt(Integer::intValue).toArray(), w * h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if (mask[i] && (x == 0 || y == 0 || x == w - 1 || y == h - 1
                        || !mask[i - 1] || !mask[i + 1] || !mask[i - w] || !mask[i + w])) {
                    out.setRGB(x, y, rgb);
                }
            }
        }
    }

}
