package dev.saaflink.operators.decode;

import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

import java.awt.image.BufferedImage;
import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;

/** Builds real encoded images and Avro frames for the decoder tests. */
public final class TestFrames {
    private TestFrames() {}

    static Frame.Builder frame(ImageEncoding encoding, byte[] image) {
        return Frame.newBuilder()
                .setCameraId("cam-7")
                .setFrameId("f-42")
                .setCategory("mtd")
                .setCaptureTimeMillis(1_700_000_000_123L)
                .setEncoding(encoding)
                .setImage(ByteBuffer.wrap(image))
                .setAttributes(Map.of("line", "L2"));
    }

    static RawRecord record(Frame frame) {
        return record(encode(frame));
    }

    static RawRecord record(byte[] value) {
        return new RawRecord("frames", 3, 1234L, 1_700_000_000_999L, "cam-7".getBytes(), value);
    }

    static byte[] encode(Frame frame) {
        try {
            ByteBuffer buf = Frame.getEncoder().encode(frame);
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] png(RenderedImage img) {
        return write(img, "png");
    }

    public static byte[] jpeg(RenderedImage img, boolean progressive) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(1.0f);
        if (progressive) {
            param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(img, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    public static byte[] write(RenderedImage img, String format) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, bytes)) {
                throw new IllegalStateException("no ImageIO writer for " + format + " and this image type");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A w×h RGB image of one colour. */
    public static BufferedImage solid(int w, int h, int rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    /** Deterministic noise, so that lossy encoders and truncation have something to work with. */
    public static BufferedImage noise(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        java.util.Random rnd = new java.util.Random(w * 31L + h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rnd.nextInt());
            }
        }
        return img;
    }

    /** Appends one PNG chunk: length, type, data and the CRC over type and data. */
    public static void pngChunk(java.io.ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
