package dev.saaflink.operators.config;

import dev.saaflink.operators.saa.StandInSettings;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of the model-free stand-in region proposer ({@code saa.SaliencyProposer}, used when the models
 * are not available), as read from the config file. Immutable; the Flink layer copies it into the
 * proposer's own {@code StandInSettings}.
 */
public final class StandInConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final List<Double> DEFAULT_SIGMA_LEVELS = List.of(1.0, 2.0, 3.0);
    public static final int DEFAULT_MAX_PROPOSALS = 8;
    public static final double DEFAULT_MIN_COMPONENT_FRACTION = 0.0005;

    private final List<Double> sigmaLevels;
    private final int maxProposals;
    private final double minComponentFraction;

    /** @throws InvalidConfigException naming the field when a value is out of range */
    public StandInConfig(List<Double> sigmaLevels, int maxProposals, double minComponentFraction) {
        if (sigmaLevels == null || sigmaLevels.isEmpty()) {
            throw new InvalidConfigException("standIn.sigmaLevels: must list at least one sigma, got " + sigmaLevels);
        }
        List<Double> copy = new ArrayList<>(sigmaLevels.size());
        for (Double s : sigmaLevels) {
            if (s == null || !Double.isFinite(s) || s <= 0) {
                throw new InvalidConfigException("standIn.sigmaLevels: every sigma must be a finite number > 0, got " + s);
            }
            copy.add(s);
        }
        if (maxProposals < 1) {
            throw new InvalidConfigException("standIn.maxProposals: must be >= 1, got " + maxProposals);
        }
        if (!(minComponentFraction >= 0 && minComponentFraction < 1)) {
            throw new InvalidConfigException("standIn.minComponentFraction: must be in [0, 1), got " + minComponentFraction);
        }
        this.sigmaLevels = List.copyOf(copy);
        this.maxProposals = maxProposals;
        this.minComponentFraction = minComponentFraction;
    }

    /** Levels 1, 2, 3 std; 8 proposals; components below 0.05 % of the image ignored. */
    public static StandInConfig defaults() {
        return new StandInConfig(DEFAULT_SIGMA_LEVELS, DEFAULT_MAX_PROPOSALS, DEFAULT_MIN_COMPONENT_FRACTION);
    }

    /**
     * Threshold levels k, in standard deviations of the saliency map: a pixel is foreground at level k when
     * it exceeds mean + k·std. Unmodifiable.
     */
    public List<Double> getSigmaLevels() {
        return sigmaLevels;
    }

    /** {@link #getSigmaLevels()} as a fresh array. */
    public double[] sigmaLevelsArray() {
        return sigmaLevels.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Most proposals kept per image. */
    public int getMaxProposals() {
        return maxProposals;
    }

    /** Components smaller than this fraction of the image area are ignored. */
    public double getMinComponentFraction() {
        return minComponentFraction;
    }

    /** The proposer's own settings object with these values. */
    public StandInSettings toSettings() {
        return new StandInSettings(sigmaLevelsArray(), minComponentFraction, maxProposals);
    }

    @Override
    public String toString() {
        return "StandInConfig{sigmaLevels=" + sigmaLevels + ", maxProposals=" + maxProposals
                + ", minComponentFraction=" + minComponentFraction + "}";
    }
}
