package dev.saaflink.operators.saa;

/**
 * Stage D: a region's detector score is boosted by how salient its mask is, {@code s' = s * exp(gamma * mean)}.
 * gamma is 3 in the official code and 1 in the paper (reference 9.4, discrepancy D6); an empty mask leaves the score
 * unchanged.
 */
public final class Rescoring {

    /** The exponent factor of the official code. */
    public static final double GAMMA_CODE = 3.0;
    /** The exponent factor of the paper's Eq. 6-7. */
    public static final double GAMMA_PAPER = 1.0;

    private Rescoring() {}

    /** {@code score * exp(gamma * meanSaliency)}, or {@code score} when the mask is empty. */
    public static double rescore(double score, double meanSaliency, boolean maskEmpty, double gamma) {
        if (maskEmpty) {
            return score;
        }
        return score * Math.exp(gamma * meanSaliency);
    }

    /** Mean of the saliency over the mask's pixels (summed in double); 0 for an empty mask. */
    public static double meanInside(float[] saliency, boolean[] mask) {
        if (saliency.length != mask.length) {
            throw new IllegalArgumentException(
                    "saliency has " + saliency.length + " values but the mask " + mask.length);
        }
        double sum = 0;
        int count = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                sum += saliency[i];
                count++;
            }
        }
        return count == 0 ? 0.0 : sum / count;
    }
}
