package dev.saaflink.models.gdino;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A tiny BERT-style vocabulary; a token's id is its index. */
final class TestVocab {

    static final List<String> TOKENS = List.of(
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", ".", "?", ",", "black", "hole", "crack",  //  0- 9
            "un", "##even", "##s", "defect", "on", "mtd", "cafe", "_", "metal", "nut",     // 10-19
            "!", "##e", "中", "x", "##x", "[MASK]");                                       // 20-25

    private TestVocab() {
    }

    static Path write(Path dir) throws IOException {
        Path f = dir.resolve("vocab.txt");
        Files.writeString(f, String.join("\n", TOKENS) + "\n", StandardCharsets.UTF_8);
        return f;
    }

    static WordPieceTokenizer tokenizer() {
        return WordPieceTokenizer.fromVocab(TOKENS);
    }
}
