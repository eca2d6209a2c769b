package dev.saaflink.operators.config;

import java.io.Serializable;

/**
 * The stream context's dark-line channel ({@code streamContext.darkLines:} in the config file): a pixel-level score
 * for thin dark marks (cracks, scratches) that the encoder's 16-pixel cells average away. Per frame, the black
 * top-hat of the luma (grey closing over a {@link #getSize} × {@link #getSize} square minus the luma: how much darker
 * a pixel is than its surroundings) is compared with the camera's own recent frames: its excess over the median of the
 * last {@link #getWindow} frames' {@link #getQuantile} quantiles, relative to that median, smoothed with a Gaussian of
 * {@link #getSigma} × the frame's longer side, outside a band of {@link #getBand} × each side along the frame's edges
 * (tile edges and chamfers are dark lines too), times {@link #getWeight} and at most {@link #getCap}, is added to the
 * anomaly map. The cap keeps a mark on the map's own scale (about a typical frame's peak): uncapped, the darkest
 * marks of defect-free frames outranked every other defect and ruled the image score. No labels: a mark
 * counts only when it is darker than what the camera's recent frames show at their own top quantile.
 * Immutable; validated at construction.
 *
 * <p>Chosen on MTD's tuning half (docs/EXPERIMENTS.md, issue 15, second round); {@link #off} is the code's default.
 */
public final class DarkLinesConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_SIZE = 7;
    public static final double DEFAULT_QUANTILE = 0.999;
    public static final int DEFAULT_WINDOW = 48;
    public static final double DEFAULT_BAND = 0.03;
    public static final double DEFAULT_SIGMA = 0.005;
    public static final double DEFAULT_WEIGHT = 1.3;
    public static final double DEFAULT_CAP = 0.048;
    /** Longest {@code window}: the history is kept in keyed state with the memory. */
    public static final int MAX_WINDOW = 256;

    private final boolean enabled;
    private final int size;
    private final double quantile;
    private final int window;
    private final double band;
    private final double sigma;
    private final double weight;
    private final double cap;

    /** @throws InvalidConfigException naming the field when a value is out of range */
    public DarkLinesConfig(boolean enabled, int size, double quantile, int window, double band, double sigma,
                           double weight, double cap) {
        if (size < 3 || size > 63 || size % 2 == 0) {
            throw new InvalidConfigException("streamContext.darkLines.size: must be odd and in [3, 63], got " + size);
        }
        if (!(quantile >= 0.5 && quantile < 1)) {
            throw new InvalidConfigException("streamContext.darkLines.quantile: must be in [0.5, 1), got "
                    + quantile);
        }
        if (window < 1 || window > MAX_WINDOW) {
            throw new InvalidConfigException("streamContext.darkLines.window: must be in [1, " + MAX_WINDOW
                    + "], got " + window);
        }
        if (!(band >= 0 && band < 0.5)) {
            throw new InvalidConfigException("streamContext.darkLines.band: must be in [0, 0.5), got " + band);
        }
        if (!(sigma >= 0 && sigma <= 0.1)) {
            throw new InvalidConfigException("streamContext.darkLines.sigma: must be in [0, 0.1], got " + sigma);
        }
        if (!(weight > 0 && weight <= 100)) {
            throw new InvalidConfigException("streamContext.darkLines.weight: must be in (0, 100], got " + weight);
        }
        if (!(cap > 0 && cap <= 100)) {
            throw new InvalidConfigException("streamContext.darkLines.cap: must be in (0, 100], got " + cap);
        }
        this.enabled = enabled;
        this.size = size;
        this.quantile = quantile;
        this.window = window;
        this.band = band;
        this.sigma = sigma;
        this.weight = weight;
        this.cap = cap;
    }

    /** Off: the anomaly map is the encoder patches' stream-context map alone. */
    public static DarkLinesConfig off() {
        return new DarkLinesConfig(false, DEFAULT_SIZE, DEFAULT_QUANTILE, DEFAULT_WINDOW, DEFAULT_BAND, DEFAULT_SIGMA,
                DEFAULT_WEIGHT, DEFAULT_CAP);
    }

    public boolean isEnabled() {
        return enabled;
    }

    /** Side of the closing's square, in the frame's pixels (odd). */
    public int getSize() {
        return size;
    }

    /** Which quantile of a frame's top-hat values enters the camera's history (0.999: its 99.9th percentile). */
    public double getQuantile() {
        return quantile;
    }

    /** Frames whose quantiles make the history; the median of the history is the frame's reference. */
    public int getWindow() {
        return window;
    }

    /** Fraction of the frame's width (height) along its left and right (top and bottom) edges left out. */
    public double getBand() {
        return band;
    }

    /** Gaussian sigma as a fraction of the frame's longer side. */
    public double getSigma() {
        return sigma;
    }

    /** Map units per unit of relative excess (the stream-context map's values are cosine distances, ~0.03). */
    public double getWeight() {
        return weight;
    }

    /** Most a pixel of the channel adds to the map, in map units. */
    public double getCap() {
        return cap;
    }

    @Override
    public String toString() {
        return enabled ? "darkLines{size=" + size + ", quantile=" + quantile + ", window=" + window + ", band=" + band
                + ", sigma=" + sigma + ", weight=" + weight + ", cap=" + cap + "}" : "darkLines{off}";
    }
}
