package dev.saaflink.models.gdino;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class DetectionFilterTest {

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;
    private static final int T = 8; // the model's text positions; the caption uses 7, the 8th is -inf like padding

    private final WordPieceTokenizer tok = TestVocab.tokenizer();
    // [CLS] black hole . crack . [SEP]
    private final TextInputs text = TextInputs.of(tok, "black hole. crack.", 256);

    /** The logit whose sigmoid is p. */
    private static float logit(double p) {
        return (float) Math.log(p / (1 - p));
    }

    private static float[] row(float fill) {
        float[] r = new float[T];
        java.util.Arrays.fill(r, fill);
        r[T - 1] = NEG_INF;
        return r;
    }

    /**
     * q0: black 0.5, hole 0.3; box area 0.2*0.1 = 0.02          -> score 0.5, phrase "black hole"
     * q1: [CLS] 0.11, crack 0.15, '.' 0.12; area 0.5*0.5 = 0.25 -> score 0.15, phrase "[CLS] crack."
     * q2: everything ~0                                        -> below the box threshold
     * q3: black 0.9 but area 0.9*0.9 = 0.81                    -> above maxArea 0.5
     * q4: zero width                                           -> not above minArea 0
     */
    private GroundingDinoOutput output() {
        float[][] rows = new float[5][];
        rows[0] = row(-10f);
        rows[0][1] = 0f;
        rows[0][2] = logit(0.3);
        rows[1] = row(-10f);
        rows[1][0] = logit(0.11);
        rows[1][4] = logit(0.15);
        rows[1][5] = logit(0.12);
        rows[2] = row(-10f);
        rows[3] = row(-10f);
        rows[3][1] = logit(0.9);
        rows[4] = row(-10f);
        rows[4][1] = logit(0.9);
        float[] logits = new float[5 * T];
        for (int q = 0; q < 5; q++) {
            System.arraycopy(rows[q], 0, logits, q * T, T);
        }
        float[] boxes = {
                0.5f, 0.5f, 0.2f, 0.1f,
                0.25f, 0.25f, 0.5f, 0.5f,
                0.5f, 0.5f, 0.1f, 0.1f,
                0.5f, 0.5f, 0.9f, 0.9f,
                0.5f, 0.5f, 0.0f, 0.3f};
        return new GroundingDinoOutput(logits, boxes, 5, T);
    }

    @Test
    void defaultThresholdsScoresAndPhrases() {
        List<Detection> d = DetectionFilter.defaults().filter(output(), text, tok, 0.5, 0.0, null);
        assertThat(d).extracting(Detection::query).containsExactly(0, 1);
        assertThat(d.get(0).score()).isEqualTo(0.5f);
        assertThat(d.get(0).phrase()).isEqualTo("black hole");
        assertThat((double) d.get(1).score()).isCloseTo(0.15, within(1e-6));
        assertThat(d.get(1).phrase()).isEqualTo("[CLS] crack.");
    }

    @Test
    void filterWordDropsBoxesWhosePhraseContainsIt() {
        DetectionFilter f = DetectionFilter.defaults();
        assertThat(f.filter(output(), text, tok, 0.5, 0.0, "hole")).extracting(Detection::query).containsExactly(1);
        assertThat(f.filter(output(), text, tok, 0.5, 0.0, "crack.")).extracting(Detection::query).containsExactly(0);
        // a word that never appears (the object pass's "PlaceHolder") filters nothing
        assertThat(f.filter(output(), text, tok, 0.5, 0.0, "PlaceHolder")).hasSize(2);
    }

    @Test
    void thresholdsAndAreaBoundsAreStrict() {
        // q0's best probability is exactly 0.5: not > 0.5
        assertThat(new DetectionFilter(0.5, 0.1).filter(output(), text, tok, 0.5, 0.0, null)).isEmpty();
        // q1's area is exactly 0.25: not < 0.25
        assertThat(DetectionFilter.defaults().filter(output(), text, tok, 0.25, 0.0, null))
                .extracting(Detection::query).containsExactly(0);
        // min area 0.02 excludes q0 (area 0.02 in float32)
        assertThat(DetectionFilter.defaults().filter(output(), text, tok, 1.0, 0.2f * 0.1f, null))
                .extracting(Detection::query).containsExactly(1, 3);
    }

    @Test
    void higherTextThresholdShortensThePhrase() {
        List<Detection> d = new DetectionFilter(0.1, 0.4).filter(output(), text, tok, 0.5, 0.0, null);
        assertThat(d.get(0).phrase()).isEqualTo("black");
        assertThat(d.get(1).phrase()).isEmpty();
    }

    @Test
    void pixelBoxesAndObjectArea() {
        Detection q0 = DetectionFilter.defaults().filter(output(), text, tok, 0.5, 0.0, null).get(0);
        assertThat(q0.x1(200)).isCloseTo(80.0, within(1e-5));
        assertThat(q0.y1(100)).isCloseTo(45.0, within(1e-5));
        assertThat(q0.x2(200)).isCloseTo(120.0, within(1e-5));
        assertThat(q0.y2(100)).isCloseTo(55.0, within(1e-5));

        assertThat(DetectionFilter.objectArea(List.of())).isEqualTo(1.0);
        List<Detection> objects = DetectionFilter.defaults().filter(output(), text, tok, 1.0, 0.0, null);
        assertThat(DetectionFilter.objectArea(objects)).isCloseTo(0.81, within(1e-6));
    }

    @Test
    void sigmoidIsFloat32() {
        assertThat(DetectionFilter.sigmoid(0f)).isEqualTo(0.5f);
        assertThat(DetectionFilter.sigmoid(NEG_INF)).isEqualTo(0f);
    }
}
