package dev.saaflink.operators.config;

import java.io.Serializable;

/**
 * Algorithm switches shared by every category. Defaults reproduce the official code ("as coded"); the
 * paper's values are noted per field (reference §12 and §17.2 item 6). Immutable; build variants with
 * {@link #builder()}.
 *
 * <p>The paper-vs-code switches (reference §12): saliencyDistanceScale (D3), saliencyMode (D4), rescoreGamma (D6),
 * fusionPlusOne (D7), samBgrQuirk (D10). They are independent: the paper's exp(mean(1 − cos)) is
 * saliencyDistanceScale 1.0 with rescoreGamma 1.0; keeping the code's distance 0.5·(1 − cos), the same multiplier
 * needs rescoreGamma 2.0.
 */
public final class SaaParameters implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Upper bound of saliencyDistanceScale: 1.0 is the paper's 1 − cos; larger scales have no source. */
    public static final double MAX_DISTANCE_SCALE = 1.0;

    private final int saliencyNeighbours;
    private final double saliencyDistanceScale;
    private final SaliencyMode saliencyMode;
    private final double rescoreGamma;
    private final boolean fusionPlusOne;
    private final boolean samBgrQuirk;
    private final double boxThreshold;
    private final double textThreshold;

    private SaaParameters(Builder b) {
        require(b.saliencyNeighbours >= 1, "saliencyNeighbours", "must be >= 1", b.saliencyNeighbours);
        require(Double.isFinite(b.saliencyDistanceScale) && b.saliencyDistanceScale > 0
                && b.saliencyDistanceScale <= MAX_DISTANCE_SCALE, "saliencyDistanceScale",
                "must be in (0, 1] (0.5 as coded, 1.0 paper)", b.saliencyDistanceScale);
        require(b.saliencyMode != null, "saliencyMode", "must be farthest or nearest", b.saliencyMode);
        require(Double.isFinite(b.rescoreGamma) && b.rescoreGamma >= 0, "rescoreGamma", "must be a finite number >= 0", b.rescoreGamma);
        require(b.boxThreshold >= 0 && b.boxThreshold <= 1, "boxThreshold", "must be in [0, 1]", b.boxThreshold);
        require(b.textThreshold >= 0 && b.textThreshold <= 1, "textThreshold", "must be in [0, 1]", b.textThreshold);
        this.saliencyNeighbours = b.saliencyNeighbours;
        this.saliencyDistanceScale = b.saliencyDistanceScale;
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

    /** Saliency distance d = scale · (1 − cos): 0.5 as coded, 1.0 in the paper (D3). */
    public double getSaliencyDistanceScale() {
        return saliencyDistanceScale;
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

    /**
     * Feed SAM and the saliency network (WideResNet50) BGR as if it were RGB, as the code does (true; Q1, D10), or
     * RGB (false, what the models were trained on). GroundingDINO always gets RGB, as in the code.
     */
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
                .saliencyDistanceScale(saliencyDistanceScale)
                .saliencyMode(saliencyMode)
                .rescoreGamma(rescoreGamma)
                .fusionPlusOne(fusionPlusOne)
                .samBgrQuirk(samBgrQuirk)
                .boxThreshold(boxThreshold)
                .textThreshold(textThreshold);
    }

    @Override
    public String toString() {
        return "SaaParameters{saliencyNeighbours=" + saliencyNeighbours + ", saliencyDistanceScale="
                + saliencyDistanceScale + ", saliencyMode=" + saliencyMode.yamlName()
                + ", rescoreGamma=" + rescoreGamma + ", fusionPlusOne=" + fusionPlusOne + ", samBgrQuirk=" + samBgrQuirk
                + ", boxThreshold=" + boxThreshold + ", textThreshold=" + textThreshold + "}";
    }

    /** A form serialised before saliencyDistanceScale existed reads it as 0: give it the as-coded 0.5. */
    private Object readResolve() {
        return saliencyDistanceScale == 0 ? toBuilder().saliencyDistanceScale(0.5).build() : this;
    }

    private static void require(boolean ok, String field, String rule, Object got) {
        if (!ok) {
            throw new InvalidConfigException("algorithm." + field + ": " + rule + ", got " + got);
        }
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private int saliencyNeighbours = 400;
        private double saliencyDistanceScale = 0.5;
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

        public Builder saliencyDistanceScale(double v) {
            saliencyDistanceScale = v;
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
