package dev.saaflink.jobs.camera;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

import dev.saaflink.schemas.ImageEncoding;

/** Compresses a decoded picture into the bytes of a frame: JPEG at a set quality, or lossless PNG. */
final class ImageEncoder {

    private final ImageEncoding encoding;
    private final float jpegQuality;

    ImageEncoder(ImageEncoding encoding, float jpegQuality) {
        if (encoding != ImageEncoding.JPEG && encoding != ImageEncoding.PNG) {
            throw new IllegalArgumentException("frames are published as JPEG or PNG, not " + encoding);
        }
        if (!(jpegQuality > 0 && jpegQuality <= 1)) {
            throw new IllegalArgumentException("JPEG quality must be in (0, 1], got " + jpegQuality);
        }
        this.encoding = encoding;
        this.jpegQuality = jpegQuality;
    }

    ImageEncoding encoding() {
        return encoding;
    }

    byte[] encode(BufferedImage image) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(image.getWidth() * image.getHeight() / 4 + 1024);
        if (encoding == ImageEncoding.PNG) {
            if (!ImageIO.write(image, "png", bytes)) {
                throw new IOException("no PNG writer for image type " + image.getType());
            }
            return bytes.toByteArray();
        }
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IOException("no JPEG writer in this JVM");
        }
        ImageWriter writer = writers.next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(jpegQuality);
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
