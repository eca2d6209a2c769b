package dev.saaflink.operators.config;

import java.io.Serializable;

/**
 * Algorithm switches shared by every category. Defaults reproduce the official code ("as coded"); the
 * paper's values are noted per field (reference §12 and §17.2 item 6). Immutable; build variants with
 * {@link #builder()}.
 *
 * <p>Note for the paper setting: the code's saliency distance is 0.5·(1 − cos) (D3) where the paper uses
 * 1 − cos. If the saliency stage keeps the code's distance, the paper's exp(mean) corresponds to
 * rescoreGamma 2.0, not 1.0.
 */
public final class SaaParameters implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int saliencyNeighbours;
    private final SaliencyMode saliencyMode;
    private final double rescoreGamma;
    private final boolean fusionPlusOne;
    private final boolean samBgrQuirk;
    private final double boxThreshold;
    private final double textThreshold;

    private SaaParameters(Builder b) {
        require(b.saliencyNeighbours >= 1, "saliencyNeighbours", "must be >= 1", b.saliencyNeighbours);
        require(b.saliencyMode != null, "saliencyMode", "must be farthest or nearest", b.saliencyMode);
        require(Double.isFinite(b.rescoreGamma) && b.rescoreGamma >= 0, "rescoreGamma", "must be a finite number >= 0", b.rescoreGamma);
        require(b.boxThreshold >= 0 && b.boxThreshold <= 1, "boxThreshold", "must be in [0, 1]", b.boxThreshold);
        require(b.textThreshold >= 0 && b.textThreshold <= 1, "textThreshold", "must be in [0, 1]", b.textThreshold);
        this.saliencyNeighbours = b.saliencyNeighbours;
        this.saliencyMode = b.saliencyMode;
        this.rescoreGamma = b.rescoreGamma;
        this.fusionPlusOne = b.fusionPlusOne;
        this.samBgrQuirk = b.samBgrQuirk;
        this.boxThreshold = b.boxThreshold;
        this.textThreshold = b.textThreshold;
    }

    /** The official code's behaviour. */
    public static SaaParameters asCoded() {
        return builder().build();
    }

    /** A builder starting from the as-coded defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Saliency neighbour count; 400 in both code and paper. */
    public int getSaliencyNeighbours() {
        return saliencyNeighbours;
    }

    /** FARTHEST as coded, NEAREST in the paper (D4). */
    public SaliencyMode getSaliencyMode() {
        return saliencyMode;
    }

    /** Region score × exp(gamma · mean saliency): 3.0 as coded, 1.0 in the paper (D6). */
    public double getRescoreGamma() {
        return rescoreGamma;
    }

    /** Fusion denominator 1 + Σ masks (true, as coded) or Σ masks (false, paper Eq. 9) (D7). */
    public boolean isFusionPlusOne() {
        return fusionPlusOne;
    }

    /** Feed SAM and the saliency network BGR as if it were RGB, as the code does (Q1, D10). */
    public boolean isSamBgrQuirk() {
        return samBgrQuirk;
    }

    /** GroundingDINO box score threshold; 0.1 everywhere in the code. */
    public double getBoxThreshold() {
        return boxThreshold;
    }

    /** GroundingDINO phrase (text) threshold; 0.1 everywhere in the code. */
    public double getTextThreshold() {
        return textThreshold;
    }

    public Builder toBuilder() {
        return new Builder()
                .saliencyNeighbours(saliencyNeighbours)
                .saliencyMode(saliencyMode)
                .rescoreGamma(rescoreGamma)
                .fusionPlusOne(fusionPlusOne)
                .samBgrQuirk(samBgrQuirk)
                .boxThreshold(boxThreshold)
                .textThreshold(textThreshold);
    }

    @Override
    public String toString() {
        return "SaaParameters{saliencyNeighbours=" + saliencyNeighbours + ", saliencyMode=" + saliencyMode.yamlName()
                + ", rescoreGamma=" + rescoreGamma + ", fusionPlusOne=" + fusionPlusOne + ", samBgrQuirk=" + samBgrQuirk
                + ", boxThreshold=" + boxThreshold + ", textThreshold=" + textThreshold + "}";
    }

    private static void require(boolean ok, String field, String rule, Object got) {
        if (!ok) {
            throw new InvalidConfigException("algorithm." + field + ": " + rule + ", got " + got);
        }
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private int saliencyNeighbours = 400;
        private SaliencyMode saliencyMode = SaliencyMode.FARTHEST;
        private double rescoreGamma = 3.0;
        private boolean fusionPlusOne = true;
        private boolean samBgrQuirk = true;
        private double boxThreshold = 0.1;
        private double textThreshold = 0.1;

        private Builder() {}

        public Builder saliencyNeighbours(int v) {
            saliencyNeighbours = v;
            return this;
        }

        public Builder saliencyMode(SaliencyMode v) {
            saliencyMode = v;
            return this;
        }

        public Builder rescoreGamma(double v) {
            rescoreGamma = v;
            return this;
        }

        public Builder fusionPlusOne(boolean v) {
            fusionPlusOne = v;
            return this;
        }

        public Builder samBgrQuirk(boolean v) {
            samBgrQuirk = v;
            return this;
        }

        public Builder boxThreshold(double v) {
            boxThreshold = v;
            return this;
        }

        public Builder textThreshold(double v) {
            textThreshold = v;
            return this;
        }

        public SaaParameters build() {
            return new SaaParameters(this);
        }
    }
}
