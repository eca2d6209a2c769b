package dev.saaflink.operators.decode;

import static dev.saaflink.operators.decode.TestFrames.frame;
import static dev.saaflink.operators.decode.TestFrames.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.schemas.ImageEncoding;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Real camera images from the shared development data ({@code ../shared/data}), when it is present. */
class SampleDataTest {
    private final FrameDecoder decoder = new FrameDecoder();

    @Test
    void mtdGrayJpegsDecodeToImageIoSizeAndSamples() throws Exception {
        Path mtd = SharedData.require("mtd");
        List<Path> files = sample(mtd, ".jpg", 6);
        assertThat(files).isNotEmpty();

        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            BufferedImage expected = ImageIO.read(new ByteArrayInputStream(bytes));
            RgbImage out = decoder.decode(record(frame(ImageEncoding.JPEG, bytes).build())).image;

            assertThat(out.width).as(file.toString()).isEqualTo(expected.getWidth());
            assertThat(out.height).as(file.toString()).isEqualTo(expected.getHeight());
            // MTD is 8-bit grayscale: every output channel equals the stored sample.
            Raster r = expected.getRaster();
            for (int[] p : new int[][] {{0, 0}, {out.width / 2, out.height / 2}, {out.width - 1, out.height - 1}}) {
                int v = r.getSample(p[0], p[1], 0);
                assertThat(new int[] {out.get(p[0], p[1], 0), out.get(p[0], p[1], 1), out.get(p[0], p[1], 2)})
                        .as("%s at %d,%d", file, p[0], p[1]).containsExactly(v, v, v);
            }
        }
    }

    @Test
    void mvtecBottleRgbPngMatchesImageIo() throws Exception {
        Path bottle = SharedData.require("mvtec_bottle");
        Path file = sample(bottle, ".png", 1).get(0);
        byte[] bytes = Files.readAllBytes(file);
        BufferedImage expected = ImageIO.read(new ByteArrayInputStream(bytes));

        RgbImage out = decoder.decode(record(frame(ImageEncoding.PNG, bytes).build())).image;

        assertThat(out.width).isEqualTo(expected.getWidth());
        assertThat(out.height).isEqualTo(expected.getHeight());
        int x = out.width / 3;
        int y = out.height / 2;
        int[] px = expected.getRaster().getPixel(x, y, (int[]) null);
        assertThat(new int[] {out.get(x, y, 0), out.get(x, y, 1), out.get(x, y, 2)}).containsExactly(px[0], px[1], px[2]);
    }

    private static List<Path> sample(Path dir, String suffix, int n) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix) && p.toString().contains("/images/"))
                    .sorted()
                    .limit(n)
                    .collect(Collectors.toList());
        }
    }
}
