package dev.saaflink.models.gdino;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.store.ModelManifest;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class GroundingDinoPreprocessorTest {

    private static ModelManifest manifest(String extra) throws Exception {
        Properties p = new Properties();
        p.load(new java.io.StringReader("id=t/g\nfile=g.onnx\nsha256=" + "0".repeat(64) + "\nbytes=1\n"
                + "input.mean=123.675,116.28,103.53\ninput.std=58.395,57.12,57.375\n" + extra));
        return ModelManifest.fromProperties(p, "test");
    }

    @Test
    void referenceResizeExamples() {
        // reference §4: shorter side 800, longer side at most 1333
        assertThat(GroundingDinoPreprocessor.aspectKeepingSize(1024, 1024, 800, 1333)).containsExactly(800, 800);
        assertThat(GroundingDinoPreprocessor.aspectKeepingSize(1500, 1000, 800, 1333)).containsExactly(1200, 800);
        assertThat(GroundingDinoPreprocessor.aspectKeepingSize(1284, 1168, 800, 1333)).containsExactly(879, 800);
        assertThat(GroundingDinoPreprocessor.aspectKeepingSize(230, 630, 800, 1333)).containsExactly(487, 1333);
        assertThat(GroundingDinoPreprocessor.aspectKeepingSize(800, 600, 600, 1333)).containsExactly(800, 600);
    }

    @Test
    void fixedFrameWinsAndShortSideRuleIsUsedOtherwise() throws Exception {
        assertThat(new GroundingDinoPreprocessor(manifest("input.width=1200\ninput.height=800\n"))
                .targetSize(300, 300)).containsExactly(1200, 800);
        assertThat(new GroundingDinoPreprocessor(manifest("input.shortSide=800\ninput.maxSize=1333\n"))
                .targetSize(1500, 1000)).containsExactly(1200, 800);
        assertThatThrownBy(() -> new GroundingDinoPreprocessor(manifest(""))).hasMessageContaining("input.width");
    }

    @Test
    void normalisesInModelChannelOrderAsNchw() throws Exception {
        RgbImage img = new RgbImage(2, 1, new byte[] {(byte) 255, 0, 10, 0, (byte) 128, 20});
        GroundingDinoPreprocessor.DinoImage rgb =
                new GroundingDinoPreprocessor(manifest("input.width=2\ninput.height=1\n")).preprocess(img);
        assertThat(rgb.shape()).containsExactly(1, 3, 1, 2);
        float[] x = rgb.chw();
        assertThat((double) x[0]).isCloseTo((255 - 123.675) / 58.395, within(1e-5)); // R of pixel 0
        assertThat((double) x[1]).isCloseTo((0 - 123.675) / 58.395, within(1e-5));   // R of pixel 1
        assertThat((double) x[3]).isCloseTo((128 - 116.28) / 57.12, within(1e-5));   // G of pixel 1
        assertThat((double) x[5]).isCloseTo((20 - 103.53) / 57.375, within(1e-5));   // B of pixel 1
        GroundingDinoPreprocessor.DinoImage bgr = new GroundingDinoPreprocessor(
                manifest("input.width=2\ninput.height=1\ninput.colorOrder=BGR\n")).preprocess(img);
        assertThat((double) bgr.chw()[0]).isCloseTo((10 - 123.675) / 58.395, within(1e-5)); // slot 0 holds blue
    }
}
