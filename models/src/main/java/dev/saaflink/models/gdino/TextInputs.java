package dev.saaflink.models.gdino;

import java.util.Arrays;
import java.util.Locale;

/**
 * The text tensors GroundingDINO's forward builds from one caption (reference §5.2), computed in Java:
 * <ul>
 *   <li>{@code input_ids}: {@code [CLS] wordpieces [SEP]}, optionally padded with {@code [PAD]} to a fixed length;</li>
 *   <li>{@code attention_mask} / {@code text_token_mask}: 1 for real tokens, 0 for padding (the tokenizer's mask;
 *       GroundingDINO uses it as the text-token mask of its contrastive head);</li>
 *   <li>{@code token_type_ids}: all 0 (one segment);</li>
 *   <li>{@code text_self_attention_masks} ({@code L x L}): block-diagonal per sub-phrase. Delimiters are
 *       {@code [CLS]}, {@code [SEP]}, {@code .} and {@code ?}. A delimiter at the first or last position attends only
 *       to itself; any other delimiter closes a block that runs from just after the previous delimiter up to and
 *       including itself, and every token in the block attends to every other one. Tokens in no block (padding)
 *       attend only to themselves;</li>
 *   <li>{@code position_ids}: 0, 1, 2 ... within each block, restarting after every delimiter; 0 for the
 *       first/last-position delimiters and for padding.</li>
 * </ul>
 * This is GroundingDINO's {@code generate_masks_with_special_tokens_and_transfer_map} (re-implemented, not ported):
 * masks come from the full (padded) sequence, and only then is everything cut to {@code maxTextLength} (256), as the
 * model's forward does, so a truncated caption keeps the blocks it had. Immutable.
 */
public final class TextInputs {

    /** GroundingDINO's {@code max_text_len}. */
    public static final int DEFAULT_MAX_TEXT_LENGTH = 256;

    private final String caption;
    private final long[] inputIds;
    private final long[] tokenMask;
    private final long[] tokenTypeIds;
    private final long[] positionIds;
    private final boolean[] selfAttention; // length x length, row-major
    private final int length;

    private TextInputs(String caption, long[] inputIds, long[] tokenMask, long[] positionIds, boolean[] selfAttention) {
        this.caption = caption;
        this.inputIds = inputIds;
        this.tokenMask = tokenMask;
        this.tokenTypeIds = new long[inputIds.length];
        this.positionIds = positionIds;
        this.selfAttention = selfAttention;
        this.length = inputIds.length;
    }

    /**
     * GroundingDINO's caption normalisation: lower-case, strip surrounding whitespace, append {@code .} unless the
     * caption already ends with one ({@code "Black hole"} becomes {@code "black hole."}).
     */
    public static String normaliseCaption(String caption) {
        String c = caption.toLowerCase(Locale.ROOT).strip();
        return c.endsWith(".") ? c : c + ".";
    }

    /**
     * The text inputs for {@code caption} (normalised first), unpadded, cut to {@code maxTextLength} tokens.
     */
    public static TextInputs of(WordPieceTokenizer tokenizer, String caption, int maxTextLength) {
        return of(tokenizer, caption, maxTextLength, 0);
    }

    /**
     * As {@link #of(WordPieceTokenizer, String, int)}, padded with {@code [PAD]} to {@code padTo} tokens when the
     * caption is shorter (for exports whose text length is fixed; 0 = no padding).
     */
    public static TextInputs of(WordPieceTokenizer tokenizer, String caption, int maxTextLength, int padTo) {
        if (maxTextLength < 2) {
            throw new IllegalArgumentException("maxTextLength must be >= 2, got " + maxTextLength);
        }
        String normalised = normaliseCaption(caption);
        int[] ids = tokenizer.encode(normalised);
        int n = Math.max(ids.length, padTo);
        long[] full = new long[n];
        long[] mask = new long[n];
        Arrays.fill(full, tokenizer.padId());
        for (int i = 0; i < ids.length; i++) {
            full[i] = ids[i];
            mask[i] = 1;
        }
        long[] delimiters = {tokenizer.clsId(), tokenizer.sepId(), tokenizer.id("."), tokenizer.id("?")};
        boolean[] attention = new boolean[n * n];
        long[] positions = new long[n];
        subPhraseMasks(full, delimiters, attention, positions);

        int len = Math.min(n, maxTextLength);
        if (len == n) {
            return new TextInputs(normalised, full, mask, positions, attention);
        }
        boolean[] cut = new boolean[len * len];
        for (int r = 0; r < len; r++) {
            System.arraycopy(attention, r * n, cut, r * len, len);
        }
        return new TextInputs(normalised, Arrays.copyOf(full, len), Arrays.copyOf(mask, len),
                Arrays.copyOf(positions, len), cut);
    }

    /** Fills the block-diagonal self-attention mask and the restarting position ids (see the class comment). */
    static void subPhraseMasks(long[] ids, long[] delimiters, boolean[] attention, long[] positions) {
        int n = ids.length;
        for (int i = 0; i < n; i++) {
            attention[i * n + i] = true;
        }
        int previous = 0;
        for (int col = 0; col < n; col++) {
            if (!isDelimiter(ids[col], delimiters)) {
                continue;
            }
            if (col == 0 || col == n - 1) {
                positions[col] = 0;
            } else {
                for (int r = previous + 1; r <= col; r++) {
                    for (int c = previous + 1; c <= col; c++) {
                        attention[r * n + c] = true;
                    }
                    positions[r] = r - previous - 1;
                }
            }
            previous = col;
        }
    }

    private static boolean isDelimiter(long id, long[] delimiters) {
        for (long d : delimiters) {
            if (d >= 0 && id == d) {
                return true;
            }
        }
        return false;
    }

    /** The normalised caption these inputs encode. */
    public String caption() {
        return caption;
    }

    /** Number of text positions L (after padding and truncation). */
    public int length() {
        return length;
    }

    /** Token ids {@code [L]}, a copy. */
    public long[] inputIds() {
        return inputIds.clone();
    }

    /** Token id at one position. */
    public long inputId(int position) {
        return inputIds[position];
    }

    /** 1 for real tokens, 0 for padding {@code [L]} (tokenizer attention mask = GroundingDINO text_token_mask). */
    public long[] tokenMask() {
        return tokenMask.clone();
    }

    /** All zeros {@code [L]}. */
    public long[] tokenTypeIds() {
        return tokenTypeIds.clone();
    }

    /** Position ids restarting after each delimiter {@code [L]}, a copy. */
    public long[] positionIds() {
        return positionIds.clone();
    }

    /** The {@code L x L} sub-phrase self-attention mask, row-major, a copy. */
    public boolean[] selfAttentionMask() {
        return selfAttention.clone();
    }

    /** Whether position {@code row} attends to position {@code col}. */
    public boolean attends(int row, int col) {
        return selfAttention[row * length + col];
    }

    @Override
    public String toString() {
        return "TextInputs{'" + caption + "', L=" + length + ", ids=" + Arrays.toString(inputIds) + "}";
    }
}
