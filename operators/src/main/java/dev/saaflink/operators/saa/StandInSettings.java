package dev.saaflink.operators.saa;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Knobs of {@link SaliencyProposer}, the model-free region generator. A plain serialisable holder with public fields
 * and defaults, so it can ride along in a Flink function's closure; {@link #validate()} is called by the proposer.
 */
public final class StandInSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Default threshold multiples k in {@code mean + k * std}. */
    public static final double[] DEFAULT_SIGMA_LEVELS = {1.0, 2.0, 3.0};
    /** Default smallest component kept, as a fraction of the image area (0.05 %). */
    public static final double DEFAULT_MIN_COMPONENT_FRACTION = 0.0005;
    /** Default cap on proposals per image. */
    public static final int DEFAULT_MAX_PROPOSALS = 8;

    /**
     * Threshold levels: a pixel is foreground at level k when its saliency exceeds {@code mean + k * std} of the map.
     * These are multiples of the map's standard deviation, not Gaussian blur scales.
     */
    public double[] sigmaLevels = DEFAULT_SIGMA_LEVELS.clone();
    /** Components with fewer pixels than this fraction of {@code width * height} are dropped. */
    public double minComponentFraction = DEFAULT_MIN_COMPONENT_FRACTION;
    /** At most this many proposals per image, the highest scores first. */
    public int maxProposals = DEFAULT_MAX_PROPOSALS;

    /** Defaults: levels 1, 2, 3 sd; 0.05 % minimum component; 8 proposals. */
    public StandInSettings() {}

    public StandInSettings(double[] sigmaLevels, double minComponentFraction, int maxProposals) {
        this.sigmaLevels = sigmaLevels == null ? null : sigmaLevels.clone();
        this.minComponentFraction = minComponentFraction;
        this.maxProposals = maxProposals;
    }

    /** @throws IllegalArgumentException naming the offending field */
    public void validate() {
        if (sigmaLevels == null || sigmaLevels.length == 0) {
            throw new IllegalArgumentException("sigmaLevels: need at least one level");
        }
        for (double k : sigmaLevels) {
            if (!Double.isFinite(k)) {
                throw new IllegalArgumentException("sigmaLevels: every level must be finite, got " + k);
            }
        }
        if (!(minComponentFraction >= 0 && minComponentFraction < 1)) {
            throw new IllegalArgumentException("minComponentFraction: must be in [0, 1), got " + minComponentFraction);
        }
        if (maxProposals < 1) {
            throw new IllegalArgumentException("maxProposals: must be >= 1, got " + maxProposals);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof StandInSettings)) {
            return false;
        }
        StandInSettings other = (StandInSettings) o;
        return Arrays.equals(sigmaLevels, other.sigmaLevels)
                && Double.compare(minComponentFraction, other.minComponentFraction) == 0
                && maxProposals == other.maxProposals;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(sigmaLevels) + Double.hashCode(minComponentFraction)) + maxProposals;
    }

    @Override
    public String toString() {
        return "StandInSettings{sigmaLevels=" + Arrays.toString(sigmaLevels)
                + ", minComponentFraction=" + minComponentFraction + ", maxProposals=" + maxProposals + "}";
    }
}
