package dev.saaflink.models.wrn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.onnx.OnnxGraphBuilder;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.store.ModelIntegrityException;
import dev.saaflink.models.store.ModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wiring of {@link WideResNetFeatures} on a stand-in with the contract's tensor names (no WideResNet50 weights can
 * be had here): a 16x16 input and average pools of 4, 8 and 16 as layer1/2/3 (3 channels each, strides 4/8/16).
 */
class WideResNetFeaturesTest {

    static final int SIZE = 16;

    @TempDir
    Path dir;

    static byte[] standIn() {
        OnnxGraphBuilder g = OnnxGraphBuilder.create("wrn-stand-in").floatInput("image", "batch", 3, SIZE, SIZE);
        int layer = 1;
        for (long k : new long[] {4, 8, 16}) {
            g.node("AveragePool", "image").outputs("layer" + layer).attrInts("kernel_shape", k, k).attrInts("strides", k, k);
            g.floatOutput("layer" + layer, "batch", 3, SIZE / k, SIZE / k);
            layer++;
        }
        return g.toBytes();
    }

    Path manifest(byte[] model, String extra) throws Exception {
        Path onnx = dir.resolve("wrn.onnx");
        Files.write(onnx, model);
        Path m = dir.resolve("wrn.properties");
        Files.writeString(m, "id=test/wrn-stand-in\nfile=wrn.onnx\nsha256=" + ModelStore.sha256(onnx) + "\nbytes="
                + model.length + "\ninput.size=" + SIZE + "\ninput.colorOrder=RGB\n"
                + "input.mean=123.675,116.28,103.53\ninput.std=58.395,57.12,57.375\n"
                + "inputs=image\noutputs=layer1,layer2,layer3\n" + extra);
        return m;
    }

    @Test
    void upsamplesConcatenatesAndNormalises() throws Exception {
        try (WideResNetFeatures wrn = WideResNetFeatures.open(manifest(standIn(), ""), SessionSettings.cpu(1))) {
            // Input channel 0 = row index y, channel 1 = column index x, channel 2 = 1.
            float[] in = new float[3 * SIZE * SIZE];
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    in[y * SIZE + x] = y;
                    in[SIZE * SIZE + y * SIZE + x] = x;
                    in[2 * SIZE * SIZE + y * SIZE + x] = 1;
                }
            }
            WideResNetFeatures.Features f = wrn.run(in);
            assertThat(f.channels()).isEqualTo(9);
            assertThat(f.height()).isEqualTo(4);
            assertThat(f.width()).isEqualTo(4);
            int p = 16;
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    // A k x k block mean of y over block b is k*b + (k-1)/2. Layer 2's cell is (i/2, j/2), layer 3's (0, 0).
                    double[] v = {4 * i + 1.5, 4 * j + 1.5, 1, 8 * (i / 2) + 3.5, 8 * (j / 2) + 3.5, 1, 7.5, 7.5, 1};
                    double norm = 0;
                    for (double d : v) {
                        norm += d * d;
                    }
                    norm = Math.sqrt(norm);
                    for (int c = 0; c < 9; c++) {
                        assertThat(f.chw()[c * p + i * 4 + j]).as("channel %d at (%d,%d)", c, i, j)
                                .isCloseTo((float) (v[c] / norm), within(1e-6f));
                    }
                }
            }
        }
    }

    @Test
    void preprocessingUsesTheManifestConstantsAndTheBgrQuirk() throws Exception {
        try (WideResNetFeatures wrn = WideResNetFeatures.open(manifest(standIn(), ""), SessionSettings.cpu(1))) {
            RgbImage img = new RgbImage(SIZE, SIZE, new byte[SIZE * SIZE * 3]);
            for (int i = 0; i < SIZE * SIZE; i++) {
                img.rgb[i * 3] = (byte) 200;
                img.rgb[i * 3 + 1] = (byte) 100;
                img.rgb[i * 3 + 2] = 0;
            }
            float[] rgb = wrn.preprocess(img, false);
            assertThat(rgb[0]).isCloseTo((200 - 123.675f) / 58.395f, within(1e-5f));
            assertThat(rgb[SIZE * SIZE]).isCloseTo((100 - 116.28f) / 57.12f, within(1e-5f));
            assertThat(rgb[2 * SIZE * SIZE]).isCloseTo((0 - 103.53f) / 57.375f, within(1e-5f));
            float[] bgr = wrn.preprocess(img, true);
            assertThat(bgr[0]).isCloseTo((0 - 123.675f) / 58.395f, within(1e-5f));
            assertThat(bgr[2 * SIZE * SIZE]).isCloseTo((200 - 103.53f) / 57.375f, within(1e-5f));
            // Any image size is resized to the manifest's frame; a flat image stays flat.
            RgbImage big = new RgbImage(40, 24, new byte[40 * 24 * 3]);
            java.util.Arrays.fill(big.rgb, (byte) 50);
            float[] r = wrn.preprocess(big, false);
            assertThat(r).hasSize(3 * SIZE * SIZE);
            assertThat(r[SIZE * SIZE - 1]).isCloseTo((50 - 123.675f) / 58.395f, within(1e-5f));
            assertThat(wrn.features(big, true).channels()).isEqualTo(9);
        }
    }

    @Test
    void bilinearAtHalfPixelCentres() {
        // 2 -> 4 upscale of [0, 8]: output centres at source coords -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped).
        assertThat(WideResNetFeatures.bilinear(new float[] {0, 8}, 2, 1, 4, 1)).containsExactly(0f, 2f, 6f, 8f);
    }

    @Test
    void rejectsAFileThatDoesNotMatchItsManifest() throws Exception {
        Path m = manifest(standIn(), "");
        Files.write(dir.resolve("wrn.onnx"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> WideResNetFeatures.open(m, SessionSettings.cpu(1)))
                .isInstanceOf(ModelIntegrityException.class);
    }
}
