package dev.saaflink.operators.config;

import java.io.Serializable;
import java.util.Locale;

/**
 * What an event's anomaly map (and so its image score, the map's maximum) is made of ({@code anomalyMap:} in the
 * config file). Immutable; validated at construction.
 *
 * <ul>
 *   <li>{@code source: regions}: SAA+'s fusion of the top-K rescored region masks, {@code Σ s·m / (1 + Σ m)}
 *       (reference sections 3.6, 10): every pixel of a kept mask carries its region's score;</li>
 *   <li>{@code source: saliency}: the frame's saliency map itself (the stream-context scores once the memory is warm,
 *       else the within-image saliency), smoothed; the regions are still segmented, rescored and reported in the
 *       event, they only stop shaping the map.</li>
 * </ul>
 * {@code smoothing}: the standard deviation of a Gaussian applied to the map, as a fraction of the image's longer
 * side (0.04 is 16 px on a 400 px frame); 0 turns it off. Only used with {@code source: saliency}.
 */
public final class AnomalyMapConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Where the map comes from. */
    public enum Source {
        REGIONS, SALIENCY;

        public static Source parse(String value) {
            for (Source s : values()) {
                if (s.name().equalsIgnoreCase(value)) {
                    return s;
                }
            }
            throw new InvalidConfigException("anomalyMap.source: must be regions or saliency, got '" + value + "'");
        }
    }

    public static final double DEFAULT_SMOOTHING = 0.04;

    private final Source source;
    private final double smoothing;

    /** @throws InvalidConfigException naming the field when a value is out of range */
    public AnomalyMapConfig(Source source, double smoothing) {
        if (source == null) {
            throw new InvalidConfigException("anomalyMap.source: must be regions or saliency, got nothing");
        }
        if (!(smoothing >= 0 && smoothing <= 0.1)) {
            throw new InvalidConfigException("anomalyMap.smoothing: must be in [0, 0.1], got " + smoothing);
        }
        this.source = source;
        this.smoothing = smoothing;
    }

    /** SAA+'s region fusion (the reference-faithful map). */
    public static AnomalyMapConfig regions() {
        return new AnomalyMapConfig(Source.REGIONS, DEFAULT_SMOOTHING);
    }

    /** The smoothed saliency map. */
    public static AnomalyMapConfig saliency() {
        return new AnomalyMapConfig(Source.SALIENCY, DEFAULT_SMOOTHING);
    }

    public Source getSource() {
        return source;
    }

    public double getSmoothing() {
        return smoothing;
    }

    @Override
    public String toString() {
        return "AnomalyMapConfig{source=" + source.name().toLowerCase(Locale.ROOT) + ", smoothing=" + smoothing + "}";
    }
}
