package dev.saaflink.operators.config;

import dev.saaflink.operators.saa.MapSharpening;

import java.io.Serializable;
import java.util.Locale;

/**
 * What an event's anomaly map and its image score are made of ({@code anomalyMap:} in the config file). Immutable;
 * validated at construction.
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
 *
 * <p>{@code sharpen: masks} (the default; only with {@code source: saliency}): the smoothed map is sharpened with the
 * kept regions' SAM masks ({@link MapSharpening}). The best {@code sharpenTopMasks} kept masks (rescored order) take
 * their region's box score, which for the stand-in generator is the peak raw saliency of the component the box was
 * drawn around (so, as in SAA+, a mask's pixels carry the score of what prompted it, here on the map's own scale,
 * above the smoothed map); the other kept masks lift their pixels to the map's {@code sharpenValue} (mean or peak) in
 * them; pixels outside every mask are multiplied by {@code sharpenOutside}; masks larger than
 * {@code sharpenMaxMaskFraction} of the frame are not used. Why: a smoothed 16-pixel patch map makes blobs without
 * edges, so its region max-F1 (IoU ≥ 0.6 with a defect) stays low even where it finds the defect; a SAM mask has the
 * defect's edges. Only the best mask gets the component's score because the stand-in proposes nested boxes around one
 * blob (one per saliency level) with the same peak score, and lifting all their masks to it makes the blob the union
 * of the masks. With {@code regionGenerator: groundingdino} the box score is a text-match probability on another scale
 * than the map: set {@code sharpenTopMasks: 0} there. Measured on MTD's tune half: docs/EXPERIMENTS.md.
 *
 * <p>{@code imageScore: max} (SAA+) or {@code top-mean}: the mean of the map's highest {@code imageScoreFraction} of
 * pixels ({@link dev.saaflink.operators.saa.ImageScore}), which asks for a hot area rather than one hot pixel.
 */
public final class AnomalyMapConfig implements Serializable {
    private static final long serialVersionUID = 2L;

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

    /** Whether the saliency map is sharpened with the regions' masks. */
    public enum Sharpen {
        NONE, MASKS;

        public static Sharpen parse(String value) {
            for (Sharpen s : values()) {
                if (s.name().equalsIgnoreCase(value)) {
                    return s;
                }
            }
            throw new InvalidConfigException("anomalyMap.sharpen: must be none or masks, got '" + value + "'");
        }
    }

    /** How the image score is taken from the map. */
    public enum ImageScoreRule {
        MAX("max"), TOP_MEAN("top-mean");

        private final String yaml;

        ImageScoreRule(String yaml) {
            this.yaml = yaml;
        }

        public String yamlName() {
            return yaml;
        }

        public static ImageScoreRule parse(String value) {
            for (ImageScoreRule r : values()) {
                if (r.yaml.equalsIgnoreCase(value)) {
                    return r;
                }
            }
            throw new InvalidConfigException("anomalyMap.imageScore: must be max or top-mean, got '" + value + "'");
        }
    }

    public static final double DEFAULT_SMOOTHING = 0.04;
    public static final int DEFAULT_SHARPEN_TOP_MASKS = 1;
    public static final double DEFAULT_SHARPEN_OUTSIDE = 1.0;
    public static final double DEFAULT_SHARPEN_MAX_MASK_FRACTION = 0.5;
    public static final double DEFAULT_IMAGE_SCORE_FRACTION = 0.01;

    private final Source source;
    private final double smoothing;
    private final Sharpen sharpen;
    private final int sharpenTopMasks;
    private final MapSharpening.MaskValue sharpenValue;
    private final double sharpenOutside;
    private final double sharpenMaxMaskFraction;
    private final ImageScoreRule imageScore;
    private final double imageScoreFraction;

    /** The map without sharpening, image score = its maximum. */
    public AnomalyMapConfig(Source source, double smoothing) {
        this(source, smoothing, Sharpen.NONE, DEFAULT_SHARPEN_TOP_MASKS, MapSharpening.MaskValue.MEAN,
                DEFAULT_SHARPEN_OUTSIDE, DEFAULT_SHARPEN_MAX_MASK_FRACTION, ImageScoreRule.MAX,
                DEFAULT_IMAGE_SCORE_FRACTION);
    }

    /** @throws InvalidConfigException naming the field when a value is out of range */
    public AnomalyMapConfig(Source source, double smoothing, Sharpen sharpen, int sharpenTopMasks,
                            MapSharpening.MaskValue sharpenValue, double sharpenOutside,
                            double sharpenMaxMaskFraction, ImageScoreRule imageScore, double imageScoreFraction) {
        if (source == null) {
            throw new InvalidConfigException("anomalyMap.source: must be regions or saliency, got nothing");
        }
        if (!(smoothing >= 0 && smoothing <= 0.1)) {
            throw new InvalidConfigException("anomalyMap.smoothing: must be in [0, 0.1], got " + smoothing);
        }
        if (sharpen == null) {
            throw new InvalidConfigException("anomalyMap.sharpen: must be none or masks, got nothing");
        }
        if (sharpenTopMasks < 0) {
            throw new InvalidConfigException("anomalyMap.sharpenTopMasks: must be >= 0, got " + sharpenTopMasks);
        }
        if (sharpenValue == null) {
            throw new InvalidConfigException("anomalyMap.sharpenValue: must be peak or mean, got nothing");
        }
        if (!(sharpenOutside >= 0 && sharpenOutside <= 1)) {
            throw new InvalidConfigException("anomalyMap.sharpenOutside: must be in [0, 1], got " + sharpenOutside);
        }
        if (!(sharpenMaxMaskFraction > 0 && sharpenMaxMaskFraction <= 1)) {
            throw new InvalidConfigException("anomalyMap.sharpenMaxMaskFraction: must be in (0, 1], got "
                    + sharpenMaxMaskFraction);
        }
        if (imageScore == null) {
            throw new InvalidConfigException("anomalyMap.imageScore: must be max or top-mean, got nothing");
        }
        if (!(imageScoreFraction > 0 && imageScoreFraction <= 1)) {
            throw new InvalidConfigException("anomalyMap.imageScoreFraction: must be in (0, 1], got "
                    + imageScoreFraction);
        }
        this.source = source;
        this.smoothing = smoothing;
        this.sharpen = sharpen;
        this.sharpenTopMasks = sharpenTopMasks;
        this.sharpenValue = sharpenValue;
        this.sharpenOutside = sharpenOutside;
        this.sharpenMaxMaskFraction = sharpenMaxMaskFraction;
        this.imageScore = imageScore;
        this.imageScoreFraction = imageScoreFraction;
    }

    /** SAA+'s region fusion (the reference-faithful map). */
    public static AnomalyMapConfig regions() {
        return new AnomalyMapConfig(Source.REGIONS, DEFAULT_SMOOTHING);
    }

    /**
     * The default: the smoothed saliency sharpened with the kept masks (the best one at its component's score, the
     * others at the map's mean in them), image score = the map's maximum.
     */
    public static AnomalyMapConfig defaults() {
        return new AnomalyMapConfig(Source.SALIENCY, DEFAULT_SMOOTHING, Sharpen.MASKS, DEFAULT_SHARPEN_TOP_MASKS,
                MapSharpening.MaskValue.MEAN, DEFAULT_SHARPEN_OUTSIDE, DEFAULT_SHARPEN_MAX_MASK_FRACTION,
                ImageScoreRule.MAX, DEFAULT_IMAGE_SCORE_FRACTION);
    }

    /** The smoothed saliency map, unsharpened, image score = its maximum. */
    public static AnomalyMapConfig saliency() {
        return new AnomalyMapConfig(Source.SALIENCY, DEFAULT_SMOOTHING);
    }

    /** This config with the given sharpening. */
    public AnomalyMapConfig withSharpening(Sharpen mode, int topMasks, MapSharpening.MaskValue value, double outside,
                                           double maxMaskFraction) {
        return new AnomalyMapConfig(source, smoothing, mode, topMasks, value, outside, maxMaskFraction, imageScore,
                imageScoreFraction);
    }

    /** This config with the given image-score rule. */
    public AnomalyMapConfig withImageScore(ImageScoreRule rule, double fraction) {
        return new AnomalyMapConfig(source, smoothing, sharpen, sharpenTopMasks, sharpenValue, sharpenOutside,
                sharpenMaxMaskFraction, rule, fraction);
    }

    public Source getSource() {
        return source;
    }

    public double getSmoothing() {
        return smoothing;
    }

    public Sharpen getSharpen() {
        return sharpen;
    }

    public int getSharpenTopMasks() {
        return sharpenTopMasks;
    }

    public MapSharpening.MaskValue getSharpenValue() {
        return sharpenValue;
    }

    public double getSharpenOutside() {
        return sharpenOutside;
    }

    public double getSharpenMaxMaskFraction() {
        return sharpenMaxMaskFraction;
    }

    public ImageScoreRule getImageScore() {
        return imageScore;
    }

    public double getImageScoreFraction() {
        return imageScoreFraction;
    }

    /**
     * The fraction {@link dev.saaflink.operators.saa.ImageScore#of(double[], double)} takes: 0 for the maximum, else
     * {@link #getImageScoreFraction()}.
     */
    public double imageScoreTopFraction() {
        return imageScore == ImageScoreRule.MAX ? 0 : imageScoreFraction;
    }

    /** How the image score is defined, in words (for reports). */
    public String describeImageScore() {
        return imageScore == ImageScoreRule.MAX ? "max of the map"
                : String.format(Locale.ROOT, "mean of the map's top %s %% of pixels",
                        java.math.BigDecimal.valueOf(imageScoreFraction * 100).stripTrailingZeros().toPlainString());
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("AnomalyMapConfig{source=").append(source.name().toLowerCase(Locale.ROOT))
                .append(", smoothing=").append(smoothing);
        if (sharpen != Sharpen.NONE) {
            b.append(", sharpen=").append(sharpen.name().toLowerCase(Locale.ROOT))
                    .append(", sharpenTopMasks=").append(sharpenTopMasks)
                    .append(", sharpenValue=").append(sharpenValue.name().toLowerCase(Locale.ROOT))
                    .append(", sharpenOutside=").append(sharpenOutside)
                    .append(", sharpenMaxMaskFraction=").append(sharpenMaxMaskFraction);
        }
        if (imageScore != ImageScoreRule.MAX) {
            b.append(", imageScore=").append(imageScore.yamlName())
                    .append(", imageScoreFraction=").append(imageScoreFraction);
        }
        return b.append('}').toString();
    }
}
