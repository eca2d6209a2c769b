package dev.saaflink.models.gdino;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BERT-uncased tokenisation as GroundingDINO's text encoder ({@code bert-base-uncased}) expects it, read from the
 * model's {@code vocab.txt} (one token per line, id = line number from 0).
 *
 * <p>Two passes, as BERT's reference tokenizer does them:
 * <ol>
 *   <li><b>basic</b>: drop NUL, U+FFFD and control characters, map every whitespace to a space, put spaces around
 *       CJK ideographs, split on whitespace; per word lower-case, strip accents (NFD, then remove non-spacing marks)
 *       and split every punctuation character off as its own word;</li>
 *   <li><b>WordPiece</b>: per word, greedy longest-match-first against the vocabulary, continuation pieces prefixed
 *       {@code ##}; a word longer than {@value #MAX_CHARS_PER_WORD} characters, or one that cannot be covered
 *       completely, becomes a single {@code [UNK]}.</li>
 * </ol>
 * {@link #encode} wraps the ids in {@code [CLS] ... [SEP]}; truncation to the model's text length is left to
 * {@link TextInputs}, which has to build the sub-phrase masks on the full sequence first, as GroundingDINO does.
 * Immutable and thread-safe.
 */
public final class WordPieceTokenizer implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String CLS = "[CLS]";
    public static final String SEP = "[SEP]";
    public static final String UNK = "[UNK]";
    public static final String PAD = "[PAD]";
    public static final int MAX_CHARS_PER_WORD = 100;

    private final List<String> vocab;
    private final Map<String, Integer> ids;

    private WordPieceTokenizer(List<String> vocab) {
        Map<String, Integer> m = new HashMap<>(vocab.size() * 2);
        for (int i = 0; i < vocab.size(); i++) {
            m.putIfAbsent(vocab.get(i), i); // BERT's loader keeps the last; duplicates do not occur in real vocabs
        }
        for (String required : List.of(CLS, SEP, UNK)) {
            if (!m.containsKey(required)) {
                throw new IllegalArgumentException("vocabulary lacks the special token " + required);
            }
        }
        this.vocab = List.copyOf(vocab);
        this.ids = Collections.unmodifiableMap(m);
    }

    /** Reads a BERT {@code vocab.txt} (UTF-8, one token per line). */
    public static WordPieceTokenizer fromVocabFile(Path vocabTxt) throws IOException {
        List<String> lines = Files.readAllLines(vocabTxt, StandardCharsets.UTF_8);
        // readAllLines already strips "\n" and "\r\n"; BERT keeps any other whitespace as part of the token.
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines = lines.subList(0, lines.size() - 1);
        }
        return new WordPieceTokenizer(lines);
    }

    /** A tokenizer over an in-memory vocabulary; index = token id. */
    public static WordPieceTokenizer fromVocab(List<String> tokens) {
        return new WordPieceTokenizer(tokens);
    }

    public int vocabSize() {
        return vocab.size();
    }

    /** Id of a vocabulary token, or -1 when the vocabulary does not have it. */
    public int id(String token) {
        Integer i = ids.get(token);
        return i == null ? -1 : i;
    }

    /** The token of an id. */
    public String token(int id) {
        return vocab.get(id);
    }

    public int clsId() {
        return ids.get(CLS);
    }

    public int sepId() {
        return ids.get(SEP);
    }

    public int unkId() {
        return ids.get(UNK);
    }

    /** Id of {@code [PAD]}, 0 when the vocabulary has none (BERT's pad id). */
    public int padId() {
        return ids.getOrDefault(PAD, 0);
    }

    /** WordPiece tokens of {@code text}, without special tokens. */
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        for (String word : basicTokenize(text)) {
            wordPiece(word, out);
        }
        return out;
    }

    /** {@code [CLS]} + ids of {@link #tokenize} + {@code [SEP]}, not truncated. */
    public int[] encode(String text) {
        List<String> pieces = tokenize(text);
        int[] out = new int[pieces.size() + 2];
        out[0] = clsId();
        for (int i = 0; i < pieces.size(); i++) {
            out[i + 1] = ids.get(pieces.get(i));
        }
        out[out.length - 1] = sepId();
        return out;
    }

    /**
     * Turns ids back into text the way Hugging Face's BERT tokenizer decodes them with its defaults (special tokens
     * kept, tokenisation spaces cleaned up): tokens joined by spaces, {@code " ##"} removed, then the spaces before
     * {@code . ? ! ,} and before the English contractions removed. GroundingDINO builds a box's phrase this way, and
     * the SAA+ filter word is matched against it (reference §5.4).
     */
    public String decode(int[] tokenIds) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < tokenIds.length; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(vocab.get(tokenIds[i]));
        }
        String s = sb.toString().replace(" ##", "").strip();
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    // ---------------------------------------------------------------- basic tokenizer

    /** The basic pass: cleaned, lower-cased, accent-stripped words with punctuation split off. */
    static List<String> basicTokenize(String text) {
        StringBuilder cleaned = new StringBuilder(text.length() + 8);
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            if (isWhitespace(cp)) {
                cleaned.append(' ');
            } else if (isCjk(cp)) {
                cleaned.append(' ').appendCodePoint(cp).append(' ');
            } else {
                cleaned.appendCodePoint(cp);
            }
        });
        List<String> words = new ArrayList<>();
        for (String word : cleaned.toString().split(" ")) {
            if (word.isEmpty()) {
                continue;
            }
            String w = stripAccents(word.toLowerCase(Locale.ROOT));
            splitPunctuation(w, words);
        }
        return words;
    }

    private static String stripAccents(String s) {
        String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder sb = new StringBuilder(nfd.length());
        nfd.codePoints().filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK).forEach(sb::appendCodePoint);
        return sb.toString();
    }

    private static void splitPunctuation(String word, List<String> out) {
        StringBuilder cur = new StringBuilder();
        word.codePoints().forEach(cp -> {
            if (isPunctuation(cp)) {
                if (cur.length() > 0) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
                out.add(new String(Character.toChars(cp)));
            } else {
                cur.appendCodePoint(cp);
            }
        });
        if (cur.length() > 0) {
            out.add(cur.toString());
        }
    }

    /**
     * BERT's whitespace (space, tab, newline, carriage return, category Zs), plus the line and paragraph separators
     * (Zl, Zp) that BERT keeps but Python's {@code str.split()} then splits on.
     */
    static boolean isWhitespace(int cp) {
        int t = Character.getType(cp);
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || t == Character.SPACE_SEPARATOR
                || t == Character.LINE_SEPARATOR || t == Character.PARAGRAPH_SEPARATOR;
    }

    /** Unicode category C* (Cc, Cf, Cn, Co, Cs), except tab, newline and carriage return (whitespace for BERT). */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.UNASSIGNED
                || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    /** All ASCII non-letters/digits/space in the printable range count, whatever Unicode says, plus category P*. */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        int t = Character.getType(cp);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION
                || t == Character.START_PUNCTUATION || t == Character.END_PUNCTUATION
                || t == Character.INITIAL_QUOTE_PUNCTUATION || t == Character.FINAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION;
    }

    /** The CJK Unified Ideograph blocks BERT splits into single characters (not Hangul, Hiragana or Katakana). */
    static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    // ---------------------------------------------------------------- WordPiece

    private void wordPiece(String word, List<String> out) {
        int[] cps = word.codePoints().toArray();
        if (cps.length > MAX_CHARS_PER_WORD) {
            out.add(UNK);
            return;
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < cps.length) {
            int end = cps.length;
            String found = null;
            while (start < end) {
                String sub = new String(cps, start, end - start);
                if (start > 0) {
                    sub = "##" + sub;
                }
                if (ids.containsKey(sub)) {
                    found = sub;
                    break;
                }
                end--;
            }
            if (found == null) {
                out.add(UNK); // one unmatchable piece makes the whole word unknown
                return;
            }
            pieces.add(found);
            start = end;
        }
        out.addAll(pieces);
    }
}
