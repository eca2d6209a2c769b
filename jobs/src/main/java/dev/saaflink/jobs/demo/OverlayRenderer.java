package dev.saaflink.jobs.demo;

import dev.saaflink.schemas.AvroBytes;
import dev.saaflink.operators.saa.MaskRle;
import dev.saaflink.operators.saa.Resize;
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
 * The evaluation report's thumbnails use the same heat layer with the ground-truth outline instead.
 */
public final class OverlayRenderer {

    private static final Color[] OUTLINES = {Color.CYAN, Color.GREEN, Color.MAGENTA, Color.YELLOW, Color.ORANGE};
    /** Ground truth in evaluation thumbnails: green stands apart from the red heat. */
    private static final Color MASK_OUTLINE = Color.GREEN;

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

        float[] heat = heatAtImageSize(event.getAnomalyMap(), w, h);
        if (heat != null) {
            blendHeat(out, heat, 2 * event.getThreshold());
        }
        List<Region> regions = event.getRegions();
        for (int i = 0; i < regions.size(); i++) {
            Region region = regions.get(i);
            int mw = region.getMask().getWidth();
            int mh = region.getMask().getHeight();
            boolean[] mask = MaskRle.decode(
                    region.getMask().getCounts().stream().mapToInt(Integer::intValue).toArray(), mw * mh);
            outline(out, mask, mw, mh, OUTLINES[i % OUTLINES.length].getRGB());
        }
        return out;
    }

    /**
     * A small evaluation view of one frame: the frame scaled to {@code width} (aspect kept), a square map of raw
     * scores (bilinear) as the same heat layer as {@link #render}, full strength at {@code heatScale}, and the
     * ground-truth mask (nearest, same side as the map) outlined in green.
     */
    public static BufferedImage thumbnail(byte[] imageBytes, float[] map, boolean[] mask, int side, double heatScale,
                                          int width) throws IOException {
        if (map.length != side * side || mask.length != side * side) {
            throw new IllegalArgumentException("map and mask must be " + side + "x" + side);
        }
        BufferedImage source = ImageIO.read(new ByteArrayInputStream(imageBytes));
        if (source == null) {
            throw new IOException("not an image ImageIO can read");
        }
        int height = Math.max(1, (int) Math.round((double) source.getHeight() * width / source.getWidth()));
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(source, 0, 0, width, height, null);
        g.dispose();
        blendHeat(out, Resize.bilinear(map, side, side, width, height), heatScale);
        outline(out, Resize.nearest(mask, side, side, width, height), width, height, MASK_OUTLINE.getRGB());
        return out;
    }

    /**
     * Reddens each pixel by its score: opacity {@code min(1, score / scale) * 0.6}, so a fixed scale keeps frames
     * comparable and the frame stays visible under the strongest heat.
     */
    private static void blendHeat(BufferedImage out, float[] heat, double scale) {
        int w = out.getWidth();
        int h = out.getHeight();
        double s = Math.max(scale, 1e-9);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double a = Math.min(1.0, heat[y * w + x] / s) * 0.6;
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

    /** Marks mask pixels ({@code w x h}, drawn at the image's origin) that have a 4-neighbour outside the mask. */
    private static void outline(BufferedImage out, boolean[] mask, int w, int h, int rgb) {
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
