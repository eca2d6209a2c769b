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

    /** The same pools with dynamic height and width, as the export script writes them (256 and 1024 inputs). */
    static byte[] dynamicStandIn() {
        OnnxGraphBuilder g = OnnxGraphBuilder.create("wrn-stand-in-dynamic").floatInput("image", "batch", 3, "h", "w");
        int layer = 1;
        for (long k : new long[] {4, 8, 16}) {
            g.node("AveragePool", "image").outputs("layer" + layer).attrInts("kernel_shape", k, k).attrInts("strides", k, k);
            g.floatOutput("layer" + layer, "batch", 3, "h" + k, "w" + k);
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
                .isInstanceOf(ModelIntegrityException.class)
                .hasMessageContaining("WideResNet50 model file")
                .hasMessageContaining("does not match manifest")
                .hasMessageContaining("found sha256 " + ModelStore.sha256(dir.resolve("wrn.onnx")) + " and 3 bytes")
                .hasMessageContaining("export_wideresnet50.py");
    }

    @Test
    void rejectsATamperedFileOfTheRightSize() throws Exception {
        byte[] model = standIn();
        Path m = manifest(model, "");
        model[model.length - 1] ^= 1;
        Files.write(dir.resolve("wrn.onnx"), model);
        assertThatThrownBy(() -> WideResNetFeatures.open(m, SessionSettings.cpu(1)))
                .isInstanceOf(ModelIntegrityException.class)
                .hasMessageContaining("expected sha256 ");
    }

    @Test
    void multiInstanceGridReadsTheLayersAtTheNearestCells() throws Exception {
        Path m = manifest(dynamicStandIn(), WideResNetFeatures.MULTI_INSTANCE_SIZE_KEY + "=32\n");
        try (WideResNetFeatures wrn = WideResNetFeatures.open(m, SessionSettings.cpu(1))) {
            assertThat(wrn.singleInstanceSize()).isEqualTo(SIZE);
            assertThat(wrn.multiInstanceSize()).isEqualTo(32);
            // A horizontal ramp: pixel value 8 * x of the 32-px frame (bilinear from 32 px is the identity).
            RgbImage img = new RgbImage(32, 32, new byte[32 * 32 * 3]);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    for (int c = 0; c < 3; c++) {
                        img.rgb[(y * 32 + x) * 3 + c] = (byte) (8 * x);
                    }
                }
            }
            WideResNetFeatures.FeatureGrid grid = wrn.featureGrid(img, false, 32);
            assertThat(grid.height()).isEqualTo(8);
            assertThat(grid.width()).isEqualTo(8);
            assertThat(grid.channels()).isEqualTo(9);
            WideResNetFeatures.Features all = grid.all();
            int[] positions = {0, 9, 63, 27};
            float[] v = grid.vectorsAt(positions);
            for (int k = 0; k < positions.length; k++) {
                double norm = 0;
                for (int c = 0; c < 9; c++) {
                    float x = v[k * 9 + c];
                    norm += x * x;
                    assertThat(x).as("position %d channel %d", positions[k], c)
                            .isCloseTo(all.chw()[c * 64 + positions[k]], within(1e-6f));
                }
                assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-5));
            }
            // Channel 0 of position (y=0, x=1): mean over the 4x4 block of (8 * x - 123.675) / 58.395, x = 4..7.
            double l1 = (8 * 5.5 - 123.675) / 58.395;
            double l1g = (8 * 5.5 - 116.28) / 57.12;
            double l1b = (8 * 5.5 - 103.53) / 57.375;
            double l2 = (8 * 3.5 - 123.675) / 58.395; // 8x8 block, x = 0..7 (nearest cell of x = 1 at stride 8)
            double l2g = (8 * 3.5 - 116.28) / 57.12;
            double l2b = (8 * 3.5 - 103.53) / 57.375;
            double l3 = (8 * 7.5 - 123.675) / 58.395; // 16x16 block, x = 0..15
            double l3g = (8 * 7.5 - 116.28) / 57.12;
            double l3b = (8 * 7.5 - 103.53) / 57.375;
            double n = Math.sqrt(l1 * l1 + l1g * l1g + l1b * l1b + l2 * l2 + l2g * l2g + l2b * l2b + l3 * l3
                    + l3g * l3g + l3b * l3b);
            float[] one = grid.vectorsAt(new int[] {1});
            assertThat(one[0]).isCloseTo((float) (l1 / n), within(1e-5f));
            assertThat(one[3]).isCloseTo((float) (l2 / n), within(1e-5f));
            assertThat(one[8]).isCloseTo((float) (l3b / n), within(1e-5f));
        }
    }

    @Test
    void rejectsABadMultiInstanceSize() throws Exception {
        Path m = manifest(dynamicStandIn(), WideResNetFeatures.MULTI_INSTANCE_SIZE_KEY + "=big\n");
        assertThatThrownBy(() -> WideResNetFeatures.open(m, SessionSettings.cpu(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(WideResNetFeatures.MULTI_INSTANCE_SIZE_KEY);
    }
}
