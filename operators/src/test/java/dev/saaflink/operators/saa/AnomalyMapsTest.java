package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class AnomalyMapsTest {

    // 3x2 map, maxValue 1: .25 -> 63.75, .5 -> 127.5 (half rounds up), 2 clamps to 1, -1 clamps to 0
    private static final double[] MAP = {0, 0.25, 0.5, 1.0, 2.0, -1.0};

    @Test
    void eightBitLevels() throws Exception {
        byte[] png = AnomalyMaps.toPng(MAP, 3, 2, 8, 1.0);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getWidth()).isEqualTo(3);
        assertThat(image.getHeight()).isEqualTo(2);
        assertThat(image.getRaster().getSampleModel().getSampleSize(0)).isEqualTo(8);
        int[] levels = image.getRaster().getPixels(0, 0, 3, 2, (int[]) null);
        assertThat(levels).containsExactly(0, 64, 128, 255, 255, 0);
        assertThat(AnomalyMaps.fromPng(png, 1.0)).containsExactly(
                new float[] {0f, 64 / 255f, 128 / 255f, 1f, 1f, 0f}, within(1e-6f));
    }

    @Test
    void sixteenBitLevelsAndScale() throws Exception {
        // maxValue 2: x/2 -> 0, .125, .25, .5, 1, 0 -> * 65535 = 0, 8191.875, 16383.75, 32767.5, 65535, 0
        byte[] png = AnomalyMaps.toPng(new float[] {0f, 0.25f, 0.5f, 1f, 2f, -1f}, 3, 2, 16, 2.0);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getRaster().getSampleModel().getSampleSize(0)).isEqualTo(16);
        int[] levels = image.getRaster().getPixels(0, 0, 3, 2, (int[]) null);
        assertThat(levels).containsExactly(0, 8192, 16384, 32768, 65535, 0);
        // back: level / 65535 * 2
        assertThat(AnomalyMaps.fromPng(png, 2.0)).containsExactly(new float[] {
            0f, (float) (8192 * 2.0 / 65535), (float) (16384 * 2.0 / 65535), (float) (32768 * 2.0 / 65535), 2f, 0f},
                within(1e-6f));
    }

    @Test
    void nonPositiveMaxGivesZeros() {
        byte[] png = AnomalyMaps.toPng(MAP, 3, 2, 8, 0.0);
        assertThat(AnomalyMaps.fromPng(png, 1.0)).containsOnly(0f);
        assertThat(AnomalyMaps.fromPng(AnomalyMaps.toPng(MAP, 3, 2, 8, 1.0), -1.0)).containsOnly(0f);
    }

    @Test
    void rejectsOtherBitDepths() {
        assertThatThrownBy(() -> AnomalyMaps.toPng(MAP, 3, 2, 12, 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AnomalyMaps.toPng(MAP, 2, 2, 8, 1.0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resizeForOutputIsOpenCvBilinear() {
        // same hand-worked 2x2 -> 4x4 case as ResizeTest
        float[] out = AnomalyMaps.resizeForOutput(new double[] {0, 1, 2, 3}, 2, 2, 4, 4);
        assertThat(out).containsExactly(new float[] {
            0f, 0.25f, 0.75f, 1f, 0.5f, 0.75f, 1.25f, 1.5f, 1.5f, 1.75f, 2.25f, 2.5f, 2f, 2.25f, 2.75f, 3f}, within(1e-6f));
    }
}
