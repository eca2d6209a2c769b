package dev.saaflink.models.gdino;

import java.util.ArrayList;
import java.util.List;

/**
 * GroundingDINO post-processing as SAA+ codes it ({@code bbox_suppression}, reference §3.2 to §3.3 and §5.3 to §5.4):
 * <ol>
 *   <li>token probabilities = sigmoid of the logits (float32);</li>
 *   <li>keep a query when its largest probability over all positions is {@code > boxThreshold}, and its normalised
 *       area {@code w*h} satisfies {@code minArea < area < maxArea} (all strict, compared in float32 as torch does);</li>
 *   <li>its phrase = the ids of the caption's real tokens whose probability is {@code > textThreshold}, decoded
 *       ({@link WordPieceTokenizer#decode}; it can contain {@code [CLS]}, {@code [SEP]} and {@code .}, since the SAA+
 *       copy masks no position);</li>
 *   <li>drop the query when {@code filterWord} occurs in that phrase (plain substring; null = no filter, as the
 *       object pass's never-matching {@code "PlaceHolder"});</li>
 *   <li>score = the largest probability.</li>
 * </ol>
 * Results keep query order; there is no NMS (none in the reference).
 */
public final class DetectionFilter {

    /** The reference's box and text threshold (CLI default, never overridden by the run scripts). */
    public static final double DEFAULT_THRESHOLD = 0.1;

    private final double boxThreshold;
    private final double textThreshold;

    public DetectionFilter(double boxThreshold, double textThreshold) {
        if (!(boxThreshold >= 0 && boxThreshold <= 1) || !(textThreshold >= 0 && textThreshold <= 1)) {
            throw new IllegalArgumentException("thresholds must be in [0, 1], got box " + boxThreshold + ", text "
                    + textThreshold);
        }
        this.boxThreshold = boxThreshold;
        this.textThreshold = textThreshold;
    }

    public static DetectionFilter defaults() {
        return new DetectionFilter(DEFAULT_THRESHOLD, DEFAULT_THRESHOLD);
    }

    public double boxThreshold() {
        return boxThreshold;
    }

    public double textThreshold() {
        return textThreshold;
    }

    /** float32 sigmoid, as {@code tensor.sigmoid()} on float32 logits. */
    public static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-(double) x)));
    }

    /**
     * The queries that pass (see the class comment).
     *
     * @param text       the inputs the output was computed from (phrase decoding uses its ids and token mask)
     * @param maxArea    exclusive upper bound on {@code w*h} (1/N for the object pass, θ_area × object area for
     *                   defects)
     * @param minArea    exclusive lower bound on {@code w*h} (0 in the reference)
     * @param filterWord drop boxes whose phrase contains it; null or empty for none
     */
    public List<Detection> filter(GroundingDinoOutput out, TextInputs text, WordPieceTokenizer tokenizer,
                                  double maxArea, double minArea, String filterWord) {
        int q = out.queries();
        int t = out.positions();
        float[] logits = out.logits();
        float[] boxes = out.boxes();
        float boxThr = (float) boxThreshold;
        float textThr = (float) textThreshold;
        float maxA = (float) maxArea;
        float minA = (float) minArea;
        int phrasePositions = Math.min(t, text.length());
        long[] mask = text.tokenMask();
        float[] probs = new float[t];
        List<Detection> kept = new ArrayList<>();
        for (int i = 0; i < q; i++) {
            float w = boxes[i * 4 + 2];
            float h = boxes[i * 4 + 3];
            float area = w * h;
            if (!(area < maxA && area > minA)) {
                continue;
            }
            float best = 0f;
            for (int p = 0; p < t; p++) {
                probs[p] = sigmoid(logits[i * t + p]);
                if (probs[p] > best) {
                    best = probs[p];
                }
            }
            if (!(best > boxThr)) {
                continue;
            }
            String phrase = phrase(probs, phrasePositions, textThr, text, mask, tokenizer);
            if (filterWord != null && !filterWord.isEmpty() && phrase.contains(filterWord)) {
                continue;
            }
            kept.add(new Detection(i, boxes[i * 4], boxes[i * 4 + 1], w, h, best, phrase));
        }
        return kept;
    }

    private static String phrase(float[] probs, int positions, float textThr, TextInputs text, long[] mask,
                                 WordPieceTokenizer tokenizer) {
        int[] ids = new int[positions];
        int n = 0;
        for (int p = 0; p < positions; p++) {
            if (probs[p] > textThr && mask[p] != 0) {
                ids[n++] = (int) text.inputId(p);
            }
        }
        return tokenizer.decode(java.util.Arrays.copyOf(ids, n));
    }

    /**
     * The object pass's area reference (reference §3.2 step 5): the largest normalised area among the object boxes
     * that passed, or 1 when none did.
     */
    public static double objectArea(List<Detection> objectBoxes) {
        if (objectBoxes.isEmpty()) {
            return 1.0;
        }
        float max = 0f;
        for (Detection d : objectBoxes) {
            max = Math.max(max, d.area());
        }
        return max;
    }
}
