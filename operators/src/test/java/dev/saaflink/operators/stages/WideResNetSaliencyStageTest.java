package dev.saaflink.operators.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.onnx.OnnxGraphBuilder;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.store.ModelStore;
import dev.saaflink.models.wrn.WideResNetFeatures;
import dev.saaflink.operators.saa.JavaSaliencyComputer;
import dev.saaflink.operators.saa.MultiInstanceSaliency;
import dev.saaflink.operators.saa.Resize;
import dev.saaflink.operators.saa.SelfSimilaritySaliency;
import dev.saaflink.operators.saa.SelfSimilaritySaliency.Neighbours;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WideResNet50 saliency paths of {@link SaliencyStage} on a stand-in graph with the export's tensor names and
 * dynamic height and width (average pools of 4, 8 and 16 as layer1/2/3; no weights can be had here): single-instance
 * at {@code input.size} 16 (a 4x4 grid), multi-instance at {@code input.multiInstanceSize} 32 (an 8x8 grid).
 */
class WideResNetSaliencyStageTest {

    @TempDir
    Path dir;

    WideResNetFeatures open(String extra) throws Exception {
        return WideResNetFeatures.open(write(dir, extra), SessionSettings.cpu(1));
    }

    /**
     * Writes a WideResNet50 stand-in (three average pools of the input, strides 4, 8, 16) and its manifest with
     * {@code extra} lines into {@code dir}; returns the manifest.
     */
    static Path write(Path dir, String extra) throws Exception {
        OnnxGraphBuilder g = OnnxGraphBuilder.create("wrn-stand-in").floatInput("input", "batch", 3, "h", "w");
        int layer = 1;
        for (long k : new long[] {4, 8, 16}) {
            g.node("AveragePool", "input").outputs("layer" + layer).attrInts("kernel_shape", k, k).attrInts("strides", k, k);
            g.floatOutput("layer" + layer, "batch", 3, "h" + k, "w" + k);
            layer++;
        }
        byte[] model = g.toBytes();
        Path onnx = dir.resolve("wrn.onnx");
        Files.write(onnx, model);
        Path m = dir.resolve("wrn.properties");
        Files.writeString(m, "id=test/wrn\nfile=wrn.onnx\nsha256=" + ModelStore.sha256(onnx) + "\nbytes=" + model.length
                + "\ninput.size=16\ninput.mean=100,100,100\ninput.std=50,50,50\n" + extra);
        return m;
    }

    /** 40x24 image: a dark background with a bright 8x8 square and a mid-grey 8x8 square, channels differing. */
    static RgbImage image() {
        RgbImage img = new RgbImage(40, 24, new byte[40 * 24 * 3]);
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 40; x++) {
                int v = x >= 4 && x < 12 && y >= 8 && y < 16 ? 220 : x >= 24 && x < 32 && y >= 8 && y < 16 ? 120 : 30;
                img.rgb[(y * 40 + x) * 3] = (byte) v;
                img.rgb[(y * 40 + x) * 3 + 1] = (byte) (v / 2 + x);
                img.rgb[(y * 40 + x) * 3 + 2] = (byte) (255 - v);
            }
        }
        return img;
    }

    static boolean[] box(int x1, int y1, int x2, int y2) {
        boolean[] m = new boolean[40 * 24];
        for (int y = y1; y < y2; y++) {
            for (int x = x1; x < x2; x++) {
                m[y * 40 + x] = true;
            }
        }
        return m;
    }

    @Test
    void squareGridGoesBackWithOpenCvBilinear() {
        // 2x2 -> 4x4: x at grid coordinate (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1].
        float[] out = SaliencyStage.squareGridToImage(new float[] {0, 1, 2, 3}, 2, 2, 4, 4);
        assertThat(out).containsExactly(new float[] {
            0f, 0.25f, 0.75f, 1f,
            0.5f, 0.75f, 1.25f, 1.5f,
            1.5f, 1.75f, 2.25f, 2.5f,
            2f, 2.25f, 2.75f, 3f}, within(1e-6f));
        // Non-square images stretch: a 2x1 grid [0, 4] to 8x1 samples at (x + 0.5) / 4 - 0.5.
        assertThat(SaliencyStage.squareGridToImage(new float[] {0, 4}, 2, 1, 8, 1))
                .containsExactly(new float[] {0f, 0f, 0.5f, 1.5f, 2.5f, 3.5f, 4f, 4f}, within(1e-6f));
    }

    @Test
    void singleInstanceRunsTheKnnOnTheFeaturesAtInputSize() throws Exception {
        try (WideResNetFeatures wrn = open("")) {
            RgbImage img = image();
            float[] map = SaliencyStage.wideResNetAtImage(wrn, img, true, 5, Neighbours.FARTHEST,
                    new JavaSaliencyComputer());
            WideResNetFeatures.Features f = wrn.features(img, true);
            assertThat(f.height()).isEqualTo(4);
            float[] grid = SelfSimilaritySaliency.compute(f.chw(), f.channels(), 4, 4, 5, Neighbours.FARTHEST);
            assertThat(map).hasSize(40 * 24).containsExactly(Resize.bilinear(grid, 4, 4, 40, 24));
            for (float v : map) {
                assertThat(v).isBetween(0f, 0.5f);
            }
        }
    }

    @Test
    void multiInstanceOnTheObjectMasksAtTheMultiInstanceSize() throws Exception {
        try (WideResNetFeatures wrn = open(WideResNetFeatures.MULTI_INSTANCE_SIZE_KEY + "=32\n")) {
            RgbImage img = image();
            List<boolean[]> objects = List.of(box(0, 5, 15, 20), box(20, 5, 35, 20));
            float[] map = SaliencyStage.multiInstanceAtImage(wrn, img, false, objects);
            assertThat(map).isNotNull().hasSize(40 * 24);

            WideResNetFeatures.FeatureGrid grid = wrn.featureGrid(img, false, 32);
            assertThat(grid.width()).isEqualTo(8);
            List<boolean[]> onGrid = List.of(Resize.nearest(objects.get(0), 40, 24, 8, 8),
                    Resize.nearest(objects.get(1), 40, 24, 8, 8));
            float[] expectedGrid = MultiInstanceSaliency.compute(new MultiInstanceSaliency.PositionFeatures() {
                @Override
                public int channels() {
                    return grid.channels();
                }

                @Override
                public float[] vectorsAt(int[] positions) {
                    return grid.vectorsAt(positions);
                }
            }, onGrid, 8, 8);
            assertThat(map).containsExactly(Resize.bilinear(expectedGrid, 8, 8, 40, 24));
            // Grid cell (0, 0) lies in no object (object 1 starts at image row 5 = grid row 1.67 -> nearest rows 2..),
            // so the map's corner pixel is 0; the two objects differ, so their pixels are salient.
            assertThat(expectedGrid[0]).isZero();
            assertThat(map[0]).isZero();
            assertThat(map[12 * 40 + 8]).isGreaterThan(0f);
        }
    }

    @Test
    void fallbacksOfTheReferenceReturnNull() throws Exception {
        try (WideResNetFeatures noMulti = open("")) {
            assertThat(SaliencyStage.multiInstanceFallback(noMulti, List.of(box(0, 0, 10, 10), box(20, 0, 30, 10))))
                    .contains("input.multiInstanceSize");
        }
        try (WideResNetFeatures wrn = open(WideResNetFeatures.MULTI_INSTANCE_SIZE_KEY + "=32\n")) {
            RgbImage img = image();
            assertThat(SaliencyStage.multiInstanceFallback(wrn, List.of())).isEqualTo("no object found");
            assertThat(SaliencyStage.multiInstanceAtImage(wrn, img, false, List.of())).isNull();
            assertThat(SaliencyStage.multiInstanceAtImage(wrn, img, false, List.of(box(0, 0, 10, 10)))).isNull();
            // A 1x1 mask at (1, 1): the 40x24 -> 8x8 nearest grid samples x = 0, 5, 10 ... and y = 0, 3, 6 ...
            assertThat(SaliencyStage.multiInstanceAtImage(wrn, img, false,
                    List.of(box(0, 0, 10, 10), box(1, 1, 2, 2)))).isNull();
        }
    }
}
