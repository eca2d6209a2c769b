package dev.saaflink.jobs.camera;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;

/** The repository's sample images as test pictures, and videos and JPEG streams made from them. */
final class SampleVideo {

    private SampleVideo() {}

    /**
     * The images of samples/mtd (found above the working directory), sorted by path and scaled to one size as BGR
     * images; skips the calling test when the folder is absent.
     */
    static List<BufferedImage> sampleImages(int width, int height) throws IOException {
        Path mtd = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null && mtd == null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("samples/mtd"))) {
                mtd = p.resolve("samples/mtd");
            }
        }
        assumeTrue(mtd != null, "samples/mtd not found above " + Path.of("").toAbsolutePath() + "; skipping");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(mtd)) {
            files = walk.filter(f -> f.toString().endsWith(".jpg") && f.getParent().endsWith("images"))
                    .sorted().toList();
        }
        List<BufferedImage> images = new ArrayList<>();
        for (Path file : files) {
            BufferedImage original = ImageIO.read(file.toFile());
            BufferedImage scaled = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = scaled.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(original, 0, 0, width, height, null);
            g.dispose();
            images.add(scaled);
        }
        return images;
    }

    /** Writes the images as an MJPEG video in a Matroska file at {@code fps}, at high quality. */
    static Path writeVideo(Path file, List<BufferedImage> images, double fps) throws IOException {
        BufferedImage first = images.get(0);
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), first.getWidth(),
                first.getHeight(), 0);
             Java2DFrameConverter converter = new Java2DFrameConverter()) {
            recorder.setFormat("matroska");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_MJPEG);
            recorder.setPixelFormat(avutil.AV_PIX_FMT_YUVJ444P);
            recorder.setFrameRate(fps);
            recorder.setVideoQuality(2); // qscale: 2 is near the best MJPEG quality
            recorder.start();
            for (BufferedImage image : images) {
                recorder.record(converter.convert(image));
            }
            recorder.stop();
        }
        return file;
    }

    static byte[] jpeg(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return out.toByteArray();
    }

    /** Mean absolute difference per channel sample (0..255) of two images of the same size. */
    static double meanAbsDiff(BufferedImage a, BufferedImage b) {
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    sum += Math.abs(((p >> shift) & 0xFF) - ((q >> shift) & 0xFF));
                }
            }
        }
        return sum / (3.0 * a.getWidth() * a.getHeight());
    }

    /** A deep copy (the grabber reuses its image). */
    static BufferedImage copy(BufferedImage image) {
        BufferedImage copy = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = copy.createGraphics();
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return copy;
    }
}
