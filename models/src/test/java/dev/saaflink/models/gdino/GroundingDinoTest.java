package dev.saaflink.models.gdino;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.store.ModelIntegrityException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wrapper end to end through ONNX Runtime, on the tiny contract-shaped graphs of {@link TinyGroundingDinoGraphs}. */
class GroundingDinoTest {

    private static final SessionSettings ORT = SessionSettings.cpu(1);
    private static final int FRAME_W = 6;
    private static final int FRAME_H = 4;

    /** [CLS] black hole . crack . [SEP]: ids + 100 pos + 1000 row sums (1,3,3,3,2,2,1) + 10000 token mask. */
    private static final float[] EXPECTED_ROW = {11002, 13007, 13108, 13204, 12009, 12104, 11003};

    /** A uniform 12x8 frame of RGB (255, 0, 128); it stays uniform through the bilinear resize to 6x4. */
    private static RgbImage frame() {
        byte[] rgb = new byte[12 * 8 * 3];
        for (int i = 0; i < 12 * 8; i++) {
            rgb[i * 3] = (byte) 255;
            rgb[i * 3 + 1] = 0;
            rgb[i * 3 + 2] = (byte) 128;
        }
        return new RgbImage(12, 8, rgb);
    }

    private static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static final double[] EXPECTED_BOX = {
            sig((255 - 123.675) / 58.395), sig((0 - 116.28) / 57.12), sig((128 - 103.53) / 57.375), sig(FRAME_W)};

    private static Path single(Path dir, int textLength) throws Exception {
        TestVocab.write(dir);
        return TinyGroundingDinoGraphs.writeModel(dir, "gdino", TinyGroundingDinoGraphs.single(FRAME_W, FRAME_H, textLength),
                "layout=single\ntext.vocab=vocab.txt\n" + TinyGroundingDinoGraphs.imageKeys(FRAME_W, FRAME_H));
    }

    private static Path split(Path dir) throws Exception {
        TestVocab.write(dir);
        TinyGroundingDinoGraphs.writeModel(dir, "gdino-backbone", TinyGroundingDinoGraphs.backbone(FRAME_W, FRAME_H),
                TinyGroundingDinoGraphs.imageKeys(FRAME_W, FRAME_H));
        return TinyGroundingDinoGraphs.writeModel(dir, "gdino-head", TinyGroundingDinoGraphs.head(),
                "layout=split\nbackbone.manifest=gdino-backbone.properties\ntext.vocab=vocab.txt\n");
    }

    private static void assertOutput(GroundingDinoOutput out, int positions) {
        assertThat(out.queries()).isEqualTo(2);
        assertThat(out.positions()).isEqualTo(positions);
        for (int p = 0; p < EXPECTED_ROW.length; p++) {
            assertThat(out.logits()[p]).isEqualTo(EXPECTED_ROW[p]);
            assertThat(out.logits()[positions + p]).isEqualTo(-EXPECTED_ROW[p]);
        }
        for (int q = 0; q < 2; q++) {
            for (int i = 0; i < 4; i++) {
                assertThat((double) out.boxes()[q * 4 + i]).isCloseTo(EXPECTED_BOX[i], within(1e-5));
            }
        }
    }

    @Test
    void singleGraphExportGetsEveryTextTensorAndTheNormalisedImage(@TempDir Path dir) throws Exception {
        try (GroundingDino g = GroundingDino.open(single(dir, 0), ORT)) {
            assertThat(g.layout()).isEqualTo(GroundingDino.Layout.SINGLE);
            assertThat(g.modelFrameSize(12, 8)).containsExactly(FRAME_W, FRAME_H);
            assertThat(g.modelIds()).containsOnlyKeys("groundingDino");
            assertThat(g.modelId()).startsWith("test/gdino@");
            try (GroundingDino.ImageFeatures f = g.encodeImage(frame())) {
                assertOutput(g.predict(f, g.textInputs("Black hole. Crack")), 7);
            }
        }
    }

    @Test
    void fixedTextLengthPadsTheCaption(@TempDir Path dir) throws Exception {
        try (GroundingDino g = GroundingDino.open(single(dir, 10), ORT);
             GroundingDino.ImageFeatures f = g.encodeImage(frame())) {
            assertThat(g.maxTextLength()).isEqualTo(10);
            GroundingDinoOutput out = g.predict(f, g.textInputs("Black hole. Crack"));
            assertOutput(out, 10);
            // [PAD]: id 0, position 0, attends only to itself, token mask 0
            assertThat(out.logits()[7]).isEqualTo(1000f);
            assertThat(out.logits()[9]).isEqualTo(1000f);
        }
    }

    @Test
    void splitExportRunsTheBackboneOnceAndFeedsItsOutputsByName(@TempDir Path dir) throws Exception {
        try (GroundingDino g = GroundingDino.open(split(dir), ORT)) {
            assertThat(g.layout()).isEqualTo(GroundingDino.Layout.SPLIT);
            assertThat(g.modelIds()).containsOnlyKeys("groundingDino", "groundingDinoBackbone");
            try (GroundingDino.ImageFeatures f = g.encodeImage(frame())) {
                assertThat(f.names()).containsExactlyInAnyOrder("img_means", "img_width");
                // two prompts on one backbone pass
                assertOutput(g.predict(f, g.textInputs("Black hole. Crack")), 7);
                GroundingDinoOutput other = g.predict(f, g.textInputs("defect"));
                // [CLS] defect . [SEP] -> 11002, 12013, 12104, 11003
                assertThat(other.logits()).startsWith(11002f, 12013f, 12104f, 11003f);
            }
        }
    }

    @Test
    void detectAppliesTheSaaFilters(@TempDir Path dir) throws Exception {
        try (GroundingDino g = GroundingDino.open(single(dir, 0), ORT);
             GroundingDino.ImageFeatures f = g.encodeImage(frame())) {
            List<Detection> d = g.detect(f, "Black hole. Crack", DetectionFilter.defaults(), 1.0, 0.0, null);
            // query 1 has logits -11002...: probability 0
            assertThat(d).hasSize(1);
            assertThat(d.get(0).query()).isZero();
            assertThat(d.get(0).score()).isEqualTo(1.0f);
            assertThat(d.get(0).phrase()).isEqualTo("[CLS] black hole. crack. [SEP]");
            assertThat((double) d.get(0).w()).isCloseTo(EXPECTED_BOX[2], within(1e-5));
            assertThat(g.detect(f, "Black hole. Crack", DetectionFilter.defaults(), 1.0, 0.0, "crack")).isEmpty();
            // box area w*h = 0.605 * 0.9975: a cap of 0.5 drops it
            assertThat(g.detect(f, "Black hole. Crack", DetectionFilter.defaults(), 0.5, 0.0, null)).isEmpty();
        }
    }

    @Test
    void aModelFileThatDoesNotMatchItsManifestIsRefused(@TempDir Path dir) throws Exception {
        Path manifest = single(dir, 0);
        Files.write(dir.resolve("gdino.onnx"), new byte[] {0}, StandardOpenOption.APPEND);
        assertThatThrownBy(() -> GroundingDino.open(manifest, ORT)).isInstanceOf(ModelIntegrityException.class)
                .hasMessageContaining("does not match manifest");
    }

    @Test
    void missingFilesAreListedAndReported(@TempDir Path dir) throws Exception {
        Path manifest = split(dir);
        assertThat(GroundingDino.requiredFiles(manifest)).containsExactly(
                dir.resolve("gdino-head.onnx"), dir.resolve("vocab.txt"), dir.resolve("gdino-backbone.properties"),
                dir.resolve("gdino-backbone.onnx"));
        Files.delete(dir.resolve("vocab.txt"));
        assertThatThrownBy(() -> GroundingDino.open(manifest, ORT)).hasMessageContaining("vocab.txt");
    }

    @Test
    void wrongTensorNameIsNamedInTheError(@TempDir Path dir) throws Exception {
        TestVocab.write(dir);
        Path m = TinyGroundingDinoGraphs.writeModel(dir, "gdino", TinyGroundingDinoGraphs.single(FRAME_W, FRAME_H, 0),
                "tensor.logits=logits\n" + TinyGroundingDinoGraphs.imageKeys(FRAME_W, FRAME_H));
        assertThatThrownBy(() -> GroundingDino.open(m, ORT)).hasMessageContaining("no tensor 'logits'")
                .hasMessageContaining("tensor.logits");
    }
}
