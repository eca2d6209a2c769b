package dev.saaflink.operators.saa;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Anomaly maps as grayscale PNGs for the output topic and for inspection, plus the final resize to the output size.
 * A map value x is stored as {@code round(clamp(x / maxValue, 0, 1) * (2^bits - 1))}; NaN is stored as 0. The job
 * passes each map's own maximum as {@code maxValue} (best use of the bit depth) and records it next to the PNG in the
 * event, so readers recover raw, comparable scores as {@code v / (2^bits - 1) * maxValue}.
 */
public final class AnomalyMaps {

    private AnomalyMaps() {}

    /** Encodes a float map; see {@link #toPng(double[], int, int, int, double)}. */
    public static byte[] toPng(float[] map, int w, int h, int bits, double maxValue) {
        checkSize(map.length, w, h);
        int[] levels = new int[map.length];
        int top = maxLevel(bits);
        for (int i = 0; i < map.length; i++) {
            levels[i] = quantise(map[i], maxValue, top);
        }
        return write(levels, w, h, bits);
    }

    /**
     * Encodes a map as an 8- or 16-bit grayscale PNG. A {@code maxValue <= 0} encodes every pixel as 0.
     *
     * @param bits 8 or 16
     */
    public static byte[] toPng(double[] map, int w, int h, int bits, double maxValue) {
        checkSize(map.length, w, h);
        int[] levels = new int[map.length];
        int top = maxLevel(bits);
        for (int i = 0; i < map.length; i++) {
            levels[i] = quantise(map[i], maxValue, top);
        }
        return write(levels, w, h, bits);
    }

    /**
     * Decodes a grayscale PNG written by {@link #toPng} back to values {@code level / (2^bits - 1) * maxValue}, row-major.
     * The bit depth is taken from the image. A {@code maxValue <= 0} gives all zeros, mirroring the encoder.
     */
    public static float[] fromPng(byte[] png, double maxValue) {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(png));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable PNG", e);
        }
        if (image == null) {
            throw new IllegalArgumentException("not an image ImageIO can read");
        }
        Raster raster = image.getRaster();
        if (raster.getNumBands() != 1) {
            throw new IllegalArgumentException("expected a single-band grayscale PNG, got " + raster.getNumBands() + " bands");
        }
        int bits = raster.getSampleModel().getSampleSize(0);
        int w = image.getWidth();
        int h = image.getHeight();
        float[] out = new float[w * h];
        if (!(maxValue > 0)) {
            return out;
        }
        double scale = maxValue / ((1 << bits) - 1);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                out[y * w + x] = (float) (row[x] * scale);
            }
        }
        return out;
    }

    /** Bilinear resize (OpenCV rules, see {@link Resize}) of a fused map to the output size, narrowed to float. */
    public static float[] resizeForOutput(double[] map, int w, int h, int outW, int outH) {
        double[] resized = Resize.bilinear(map, w, h, outW, outH);
        float[] out = new float[resized.length];
        for (int i = 0; i < resized.length; i++) {
            out[i] = (float) resized[i];
        }
        return out;
    }

    private static int quantise(double x, double maxValue, int top) {
        if (!(maxValue > 0) || Double.isNaN(x)) {
            return 0;
        }
        double unit = Math.min(1.0, Math.max(0.0, x / maxValue));
        return (int) Math.round(unit * top);
    }

    private static int maxLevel(int bits) {
        if (bits != 8 && bits != 16) {
            throw new IllegalArgumentException("bits must be 8 or 16, got " + bits);
        }
        return (1 << bits) - 1;
    }

    private static byte[] write(int[] levels, int w, int h, int bits) {
        BufferedImage image;
        if (bits == 8) {
            image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            for (int i = 0; i < levels.length; i++) {
                data[i] = (byte) levels[i];
            }
        } else {
            image = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
            short[] data = ((DataBufferUShort) image.getRaster().getDataBuffer()).getData();
            for (int i = 0; i < levels.length; i++) {
                data[i] = (short) levels[i];
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bytes)) {
                throw new IllegalStateException("no PNG writer available");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding failed", e);
        }
        return bytes.toByteArray();
    }

    private static void checkSize(int length, int w, int h) {
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("size must be positive: " + w + "x" + h);
        }
        if (length != w * h) {
            throw new IllegalArgumentException("map has " + length + " values, expected " + w + "x" + h);
        }
    }
}
