package dev.saaflink.jobs.view;

import dev.saaflink.jobs.demo.OverlayRenderer;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.AvroBytes;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * The pictures of the live view: the frame with the event's heat map and region outlines, drawn by the demo's
 * {@link OverlayRenderer} (one renderer for both), as a JPEG, and a smaller copy for the list of anomalous frames.
 */
final class OverlayImages {

    /** Longest side of an anomaly thumbnail. */
    static final int THUMBNAIL_SIDE = 160;

    /** The overlay as a JPEG, and its thumbnail, which only an anomalous event gets (null otherwise). */
    record Rendered(byte[] jpeg, byte[] thumbnailJpeg) {}

    private OverlayImages() {}

    static Rendered render(Frame frame, AnomalyEvent event) throws IOException {
        BufferedImage overlay = OverlayRenderer.render(readable(frame), event);
        // only anomalous frames are listed with a thumbnail: the others need no second encode
        return new Rendered(jpeg(overlay), event.getAnomalous() ? jpeg(scaled(overlay, THUMBNAIL_SIDE)) : null);
    }

    /** The frame's image as bytes ImageIO reads: JPEG and PNG as they are, raw pixels wrapped into a PNG. */
    static byte[] readable(Frame frame) throws IOException {
        byte[] bytes = AvroBytes.toArray(frame.getImage());
        ImageEncoding encoding = frame.getEncoding();
        if (encoding == ImageEncoding.JPEG || encoding == ImageEncoding.PNG) {
            return bytes;
        }
        Integer w = frame.getWidth();
        Integer h = frame.getHeight();
        int channels = encoding == ImageEncoding.RGB8 ? 3 : 1;
        if (w == null || h == null || w < 1 || h < 1 || (long) w * h * channels != bytes.length) {
            throw new IOException("frame " + frame.getFrameId() + ": " + encoding + " payload of " + bytes.length
                    + " bytes does not match width " + w + " and height " + h);
        }
        BufferedImage image = new BufferedImage(w, h,
                channels == 3 ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * channels;
                if (channels == 3) {
                    image.setRGB(x, y, (bytes[i] & 0xFF) << 16 | (bytes[i + 1] & 0xFF) << 8 | (bytes[i + 2] & 0xFF));
                } else {
                    image.getRaster().setSample(x, y, 0, bytes[i] & 0xFF);
                }
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return png.toByteArray();
    }

    private static BufferedImage scaled(BufferedImage image, int side) {
        double f = Math.min(1.0, (double) side / Math.max(image.getWidth(), image.getHeight()));
        int w = Math.max(1, (int) Math.round(image.getWidth() * f));
        int h = Math.max(1, (int) Math.round(image.getHeight() * f));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    private static byte[] jpeg(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "jpg", out)) {
            throw new IOException("no JPEG writer");
        }
        return out.toByteArray();
    }
}
