package dev.saaflink.models.gdino;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextInputsTest {

    private final WordPieceTokenizer tok = TestVocab.tokenizer();

    @Test
    void captionNormalisation() {
        assertThat(TextInputs.normaliseCaption("  Black Hole ")).isEqualTo("black hole.");
        assertThat(TextInputs.normaliseCaption("crack.")).isEqualTo("crack.");
        assertThat(TextInputs.normaliseCaption("mtd,")).isEqualTo("mtd,.");
    }

    @Test
    void twoPhraseCaption() {
        TextInputs t = TextInputs.of(tok, "Black hole. Crack", 256);
        assertThat(t.caption()).isEqualTo("black hole. crack.");
        //                       [CLS] black hole  .  crack  .  [SEP]
        assertThat(t.inputIds()).containsExactly(2, 7, 8, 4, 9, 4, 3);
        assertThat(t.tokenMask()).containsExactly(1, 1, 1, 1, 1, 1, 1);
        assertThat(t.tokenTypeIds()).containsExactly(0, 0, 0, 0, 0, 0, 0);
        // positions restart after [CLS] and after every '.'; the delimiter closes its own phrase
        assertThat(t.positionIds()).containsExactly(0, 0, 1, 2, 0, 1, 0);
        assertThat(matrix(t)).isEqualTo(new String[] {
                "1000000",
                "0111000",
                "0111000",
                "0111000",
                "0000110",
                "0000110",
                "0000001"});
    }

    @Test
    void threePhrasesWithQuestionMarkAndPadding() {
        TextInputs t = TextInputs.of(tok, "crack? uneven. hole", 256, 11);
        //   [CLS] crack ? un ##even . hole . [SEP] [PAD] [PAD]
        assertThat(t.inputIds()).containsExactly(2, 9, 5, 10, 11, 4, 8, 4, 3, 0, 0);
        assertThat(t.tokenMask()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0);
        // [SEP] is no longer the last position, so it closes a one-token block of its own (position 0 either way)
        assertThat(t.positionIds()).containsExactly(0, 0, 1, 0, 1, 2, 0, 1, 0, 0, 0);
        assertThat(matrix(t)).isEqualTo(new String[] {
                "10000000000",
                "01100000000",
                "01100000000",
                "00011100000",
                "00011100000",
                "00011100000",
                "00000011000",
                "00000011000",
                "00000000100",
                "00000000010",
                "00000000001"});
    }

    @Test
    void truncationKeepsMasksComputedOnTheFullSequence() {
        TextInputs t = TextInputs.of(tok, "black hole. crack.", 4);
        assertThat(t.length()).isEqualTo(4);
        assertThat(t.inputIds()).containsExactly(2, 7, 8, 4);
        assertThat(t.positionIds()).containsExactly(0, 0, 1, 2);
        assertThat(matrix(t)).isEqualTo(new String[] {"1000", "0111", "0111", "0111"});
    }

    private static String[] matrix(TextInputs t) {
        int n = t.length();
        String[] rows = new String[n];
        for (int r = 0; r < n; r++) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < n; c++) {
                sb.append(t.attends(r, c) ? '1' : '0');
            }
            rows[r] = sb.toString();
        }
        return rows;
    }
}
