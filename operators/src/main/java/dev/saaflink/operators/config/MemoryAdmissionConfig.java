package dev.saaflink.operators.config;

import java.io.Serializable;

/**
 * The stream memory's admission gate ({@code streamContext.admission:} in the config file): what of a scored frame
 * enters the camera's memory. Without it every frame enters whole, so when defects come in a run (a machine on the
 * line starting to fail) the memory fills with them and stops seeing them. With it, the frame's sampled patches
 * whose score is above a threshold {@code T} are not remembered (each is replaced by a copy of one of the frame's
 * admitted patches: a repeated patch does not change a nearest-patch distance), and a frame with more than
 * {@link #getMaxMaskedFraction} of its patches above {@code T} is not remembered at all. Online detectors gate their
 * memory updates the same way.
 *
 * <p>{@code T} = {@link #getFactor} × the median of the last {@link #getWindow} remembered frames' {@link #getQuantile}
 * patch-score quantiles (the frame's own quantile while none is remembered yet): a quantile of recent normal scores,
 * which follows the line's own scale, and a median of them, so that one odd frame does not move it. After
 * {@link #getWindow} frames in a row kept out, the next frame enters whole (the scene changed; the memory must
 * follow it rather than freeze). Immutable; validated at construction.
 *
 * <p><b>Off by default.</b> Measured on MTD (docs/EXPERIMENTS.md), the gate costs pixel max-F1 in every order,
 * most in the burst order it was meant for: a defect's patches score below the tail of the normal patches' scores
 * (subtle defects), so a threshold low enough to keep defects out also keeps out the rare normal patterns
 * (edges, chamfers) the memory needs, and defect-free frames then score higher.
 */
public final class MemoryAdmissionConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final double DEFAULT_QUANTILE = 0.98;
    public static final double DEFAULT_FACTOR = 1.0;
    public static final int DEFAULT_WINDOW = 16;
    public static final double DEFAULT_MAX_MASKED_FRACTION = 0.5;
    /** Longest {@code window}: the history is kept in keyed state with the memory. */
    public static final int MAX_WINDOW = 256;

    private final boolean enabled;
    private final double quantile;
    private final double factor;
    private final int window;
    private final double maxMaskedFraction;

    /** @throws InvalidConfigException naming the field when a value is out of range */
    public MemoryAdmissionConfig(boolean enabled, double quantile, double factor, int window,
                                 double maxMaskedFraction) {
        if (!(quantile >= 0.5 && quantile < 1)) {
            throw new InvalidConfigException("streamContext.admission.quantile: must be in [0.5, 1), got " + quantile);
        }
        if (!(factor >= 0.5 && factor <= 10)) {
            throw new InvalidConfigException("streamContext.admission.factor: must be in [0.5, 10], got " + factor);
        }
        if (window < 1 || window > MAX_WINDOW) {
            throw new InvalidConfigException("streamContext.admission.window: must be in [1, " + MAX_WINDOW
                    + "], got " + window);
        }
        if (!(maxMaskedFraction > 0 && maxMaskedFraction <= 1)) {
            throw new InvalidConfigException("streamContext.admission.maxMaskedFraction: must be in (0, 1], got "
                    + maxMaskedFraction);
        }
        this.enabled = enabled;
        this.quantile = quantile;
        this.factor = factor;
        this.window = window;
        this.maxMaskedFraction = maxMaskedFraction;
    }

    /** On, with the defaults above (the product's default is {@link #off}: docs/EXPERIMENTS.md, issue 14). */
    public static MemoryAdmissionConfig on() {
        return new MemoryAdmissionConfig(true, DEFAULT_QUANTILE, DEFAULT_FACTOR, DEFAULT_WINDOW,
                DEFAULT_MAX_MASKED_FRACTION);
    }

    /** Off: every scored frame enters the memory whole (the behaviour before the gate). */
    public static MemoryAdmissionConfig off() {
        return new MemoryAdmissionConfig(false, DEFAULT_QUANTILE, DEFAULT_FACTOR, DEFAULT_WINDOW,
                DEFAULT_MAX_MASKED_FRACTION);
    }

    public boolean isEnabled() {
        return enabled;
    }

    /** Which quantile of a remembered frame's patch scores enters the history (0.98: its 98th percentile). */
    public double getQuantile() {
        return quantile;
    }

    /** {@code T} is this multiple of the history's median. */
    public double getFactor() {
        return factor;
    }

    /** Remembered frames whose quantiles make the history. */
    public int getWindow() {
        return window;
    }

    /** A frame with more than this fraction of its sampled patches above {@code T} is not remembered. */
    public double getMaxMaskedFraction() {
        return maxMaskedFraction;
    }

    @Override
    public String toString() {
        return enabled ? "admission{quantile=" + quantile + ", factor=" + factor + ", window=" + window
                + ", maxMaskedFraction=" + maxMaskedFraction + "}" : "admission{off}";
    }
}
