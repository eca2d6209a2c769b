package dev.saaflink.models.gdino;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordPieceTokenizerTest {

    private final WordPieceTokenizer tok = TestVocab.tokenizer();

    @Test
    void readsVocabFileWithIdsByLine(@TempDir Path dir) throws Exception {
        WordPieceTokenizer t = WordPieceTokenizer.fromVocabFile(TestVocab.write(dir));
        assertThat(t.vocabSize()).isEqualTo(TestVocab.TOKENS.size());
        assertThat(t.clsId()).isEqualTo(2);
        assertThat(t.sepId()).isEqualTo(3);
        assertThat(t.unkId()).isEqualTo(1);
        assertThat(t.padId()).isEqualTo(0);
        assertThat(t.id("crack")).isEqualTo(9);
        assertThat(t.id("nope")).isEqualTo(-1);
    }

    @Test
    void wrapsInClsSepAndSplitsPunctuation() {
        // "Black hole. Crack." -> black hole . crack .
        assertThat(tok.encode("Black hole. Crack.")).containsExactly(2, 7, 8, 4, 9, 4, 3);
        assertThat(tok.encode("hole!")).containsExactly(2, 8, 20, 3);
        assertThat(tok.encode("")).containsExactly(2, 3);
    }

    @Test
    void greedyLongestMatchWithContinuationPieces() {
        // "uneven": no whole-word entry; longest prefix "un", then "##even" (not "##e" + ...)
        assertThat(tok.tokenize("Uneven")).containsExactly("un", "##even");
        assertThat(tok.encode("cracks")).containsExactly(2, 9, 12, 3);
    }

    @Test
    void unknownWordsBecomeOneUnk() {
        assertThat(tok.tokenize("scratch")).containsExactly("[UNK]");
        // "crack" matches but "##z" does not: the whole word is unknown, not "crack [UNK]"
        assertThat(tok.tokenize("crackz hole")).containsExactly("[UNK]", "hole");
    }

    @Test
    void wordsLongerThan100CharactersAreUnknown() {
        String hundred = "x".repeat(100);
        List<String> pieces = tok.tokenize(hundred);
        assertThat(pieces).hasSize(100);
        assertThat(pieces.get(0)).isEqualTo("x");
        assertThat(pieces.get(99)).isEqualTo("##x");
        assertThat(tok.tokenize(hundred + "x")).containsExactly("[UNK]");
    }

    @Test
    void lowerCasesAndStripsAccents() {
        // é = e + combining acute after NFD; the mark is dropped
        assertThat(tok.encode("CAFÉ")).containsExactly(2, 16, 3);
        assertThat(tok.encode("cafe\u0301")).containsExactly(2, 16, 3);
    }

    @Test
    void underscoreIsPunctuationSoMetalNutSplits() {
        // reference §5.4 / quirk Q10: metal_nut -> metal _ nut
        assertThat(tok.encode("metal_nut")).containsExactly(2, 18, 17, 19, 3);
        assertThat(tok.decode(new int[] {18, 17, 19})).isEqualTo("metal _ nut");
    }

    @Test
    void cjkCharactersAreSplitControlCharactersDroppedWhitespaceNormalised() {
        assertThat(tok.encode("中crack")).containsExactly(2, 22, 9, 3);
        assertThat(tok.encode("black\thole\u0007\u0000\nmtd\u00a0defect")).containsExactly(2, 7, 8, 15, 13, 3);
        // a control character inside a word joins the two halves, as BERT's _clean_text does
        assertThat(tok.tokenize("cr\u200back")).containsExactly("crack");
    }

    @Test
    void decodesLikeHuggingFace() {
        assertThat(tok.decode(new int[] {2, 7, 8, 4})).isEqualTo("[CLS] black hole.");
        assertThat(tok.decode(new int[] {10, 11, 6, 9, 12, 5, 3})).isEqualTo("uneven, cracks? [SEP]");
        assertThat(tok.decode(new int[] {})).isEmpty();
    }

    @Test
    void vocabularyWithoutSpecialTokensIsRejected() {
        assertThatThrownBy(() -> WordPieceTokenizer.fromVocab(List.of("a", "b")))
                .hasMessageContaining("[CLS]");
    }
}
