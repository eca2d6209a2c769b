package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.stages.SaliencyStage;
import dev.saaflink.operators.saa.SelfSimilaritySaliency.Neighbours;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The ONNX graph and the plain-Java saliency agree within 1e-4 on the same inputs, edge cases included. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SaliencyComputerTest {

    SaliencyComputer plain;
    SaliencyComputer onnx;

    @BeforeAll
    void open() {
        plain = SaliencyBackend.JAVA.open(SessionSettings.cpu(1));
        onnx = SaliencyBackend.ONNX.open(SessionSettings.cpu(1));
    }

    @AfterAll
    void close() {
        plain.close();
        onnx.close();
    }

    private void assertSame(float[] chw, int c, int h, int w, int n) throws Exception {
        for (Neighbours mode : Neighbours.values()) {
            float[] expected = plain.compute(chw, c, h, w, n, mode);
            float[] actual = onnx.compute(chw, c, h, w, n, mode);
            assertThat(actual).as("%s c=%d %dx%d n=%d", mode, c, h, w, n).containsExactly(expected, within(1e-4f));
        }
    }

    @Test
    void randomFeaturesBothModes() throws Exception {
        Random random = new Random(20231);
        for (int[] chwn : new int[][] {{32, 16, 16, 40}, {256, 20, 24, 400}, {7, 5, 93, 40}}) {
            float[] chw = new float[chwn[0] * chwn[1] * chwn[2]];
            for (int i = 0; i < chw.length; i++) {
                chw[i] = random.nextFloat();
            }
            assertSame(chw, chwn[0], chwn[1], chwn[2], chwn[3]);
        }
    }

    @Test
    void signedFeaturesLikeAnEncoderEmbedding() throws Exception {
        // SAM embeddings are not post-ReLU: cosines span [-1, 1].
        Random random = new Random(5);
        float[] chw = new float[64 * 12 * 12];
        for (int i = 0; i < chw.length; i++) {
            chw[i] = (float) random.nextGaussian();
        }
        assertSame(chw, 64, 12, 12, 30);
    }

    @Test
    void tiesAndRepeatedVectors() throws Exception {
        // A coarse grid of values produces many identical vectors and tied distances.
        Random random = new Random(42);
        float[] chw = new float[5 * 7 * 41];
        for (int i = 0; i < chw.length; i++) {
            chw[i] = random.nextInt(3);
        }
        assertSame(chw, 5, 7, 41, 40);
        // all positions equal: every distance 0
        float[] flat = new float[3 * 4 * 4];
        java.util.Arrays.fill(flat, 2f);
        assertSame(flat, 3, 4, 4, 5);
    }

    @Test
    void neighboursAtAndBeyondTheCandidates() throws Exception {
        Random random = new Random(3);
        float[] chw = new float[4 * 5 * 6];
        for (int i = 0; i < chw.length; i++) {
            chw[i] = random.nextFloat();
        }
        int p = 30;
        for (int n : new int[] {1, p - 2, p - 1, p, p + 1, 400}) {
            assertSame(chw, 4, 5, 6, n);
        }
    }

    @Test
    void singlePositionAndZeroVectors() throws Exception {
        assertSame(new float[] {1, 2}, 2, 1, 1, 5);
        float[] chw = {0, 1, 0, 2, /* channel 1 */ 0, 0, 0, 1};
        assertSame(chw, 2, 2, 2, 1);
        assertSame(chw, 2, 2, 2, 3);
    }

    @Test
    void saliencyStageRunsTheGivenComputer() throws Exception {
        Random random = new Random(11);
        float[] data = new float[8 * 4 * 4];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat();
        }
        // 32x16 image in a 64x64 model frame: 4x2 of the 4x4 cells are valid (see SaliencyStageTest).
        SamEmbedding emb = new SamEmbedding(data, 8, 4, 4, 32, 16, 64, 64, 32);
        float[] plainMap = SaliencyStage.saliencyAtImage(emb, 3, Neighbours.FARTHEST);
        assertThat(SaliencyStage.saliencyAtImage(emb, 3, Neighbours.FARTHEST, plain)).containsExactly(plainMap);
        assertThat(SaliencyStage.saliencyAtImage(emb, 3, Neighbours.FARTHEST, onnx)).containsExactly(plainMap,
                within(1e-4f));
    }

    @Test
    void backendsByName() {
        assertThat(plain.backend()).isEqualTo(SaliencyBackend.JAVA);
        assertThat(onnx.backend()).isEqualTo(SaliencyBackend.ONNX);
        assertThat(SaliencyBackend.parse(" ONNX ")).isEqualTo(SaliencyBackend.ONNX);
        assertThat(new PipelineSettings().saliencyBackend).isEqualTo(SaliencyBackend.DEFAULT).isEqualTo(SaliencyBackend.ONNX);
        assertThat(SaliencyBackend.JAVA.configName()).isEqualTo("java");
        assertThatThrownBy(() -> SaliencyBackend.parse("gpu")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'java' or 'onnx'");
    }
}
