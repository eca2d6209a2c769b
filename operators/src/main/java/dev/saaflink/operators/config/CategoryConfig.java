package dev.saaflink.operators.config;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything SAA+ needs to know about one product category: the typed form of the reference's
 * property-prompt sentence (object word, N, K, θ_area; §3.1) plus its defect prompts (§8) and the image
 * threshold this deployment adds. Immutable; validated on construction, messages name the YAML path.
 */
public final class CategoryConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final String objectPrompt;
    private final int instances;
    private final int topK;
    private final double areaRatio;
    private final double anomalyThreshold;
    private final boolean generalPrompts;
    private final List<PromptSpec> prompts;

    private CategoryConfig(Builder b) {
        String at = "categories." + b.name + ".";
        if (b.name == null || b.name.isBlank()) {
            throw new InvalidConfigException("categories: category name must not be empty");
        }
        if (b.objectPrompt == null || b.objectPrompt.isBlank()) {
            throw new InvalidConfigException(at + "objectPrompt: must not be empty");
        }
        if (b.instances < 1) {
            throw new InvalidConfigException(at + "instances: must be >= 1, got " + b.instances);
        }
        if (b.topK < 1) {
            throw new InvalidConfigException(at + "topK: must be >= 1, got " + b.topK);
        }
        if (!(b.areaRatio > 0 && b.areaRatio <= 1)) {
            throw new InvalidConfigException(at + "areaRatio: must be in (0, 1], got " + b.areaRatio);
        }
        if (!(Double.isFinite(b.anomalyThreshold) && b.anomalyThreshold >= 0)) {
            throw new InvalidConfigException(at + "anomalyThreshold: must be a finite number >= 0, got " + b.anomalyThreshold);
        }
        for (int i = 0; i < b.prompts.size(); i++) {
            if (b.prompts.get(i) == null) {
                throw new InvalidConfigException(at + "prompts[" + i + "]: must not be null");
            }
        }
        if (!b.generalPrompts && b.prompts.isEmpty()) {
            throw new InvalidConfigException(at + "prompts: no prompts at all (generalPrompts is false and prompts is empty)");
        }
        this.name = b.name;
        this.objectPrompt = b.objectPrompt;
        this.instances = b.instances;
        this.topK = b.topK;
        this.areaRatio = b.areaRatio;
        this.anomalyThreshold = b.anomalyThreshold;
        this.generalPrompts = b.generalPrompts;
        this.prompts = List.copyOf(b.prompts);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * The three class-agnostic prompts of reference §8.1 for a category word, each filtered on that word:
     * "defect on c", "damage on c", "flaw on c".
     */
    public static List<PromptSpec> generalPromptsFor(String word) {
        return List.of(
                new PromptSpec("defect on " + word, word),
                new PromptSpec("damage on " + word, word),
                new PromptSpec("flaw on " + word, word));
    }

    /** The category key, e.g. {@code mtd}; also the word used in the general prompts. */
    public String getName() {
        return name;
    }

    /**
     * The bare object word for the inspected-object GroundingDINO call, e.g. {@code mtd}. The reference's
     * caption adds a comma and a period ({@code mtd,.}, §3.1); reproducing that is up to the detector stage.
     */
    public String getObjectPrompt() {
        return objectPrompt;
    }

    /** N, the number of object instances in the image. */
    public int getInstances() {
        return instances;
    }

    /** K, the number of highest-scoring regions fused into the map. */
    public int getTopK() {
        return topK;
    }

    /** θ_area: defect boxes must be smaller than this fraction of the object box. */
    public double getAreaRatio() {
        return areaRatio;
    }

    /** Image score (max of the raw map) at or above which the frame is anomalous; calibrated per line. */
    public double getAnomalyThreshold() {
        return anomalyThreshold;
    }

    /** Whether {@link #allPrompts()} starts with the three general prompts. */
    public boolean isGeneralPrompts() {
        return generalPrompts;
    }

    /** The class-specific prompts only; unmodifiable. */
    public List<PromptSpec> getPrompts() {
        return prompts;
    }

    /** Every defect prompt in the reference's order: the general ones (if enabled) then the specific ones. */
    public List<PromptSpec> allPrompts() {
        if (!generalPrompts) {
            return prompts;
        }
        List<PromptSpec> all = new ArrayList<>(generalPromptsFor(name));
        all.addAll(prompts);
        return List.copyOf(all);
    }

    /** Upper bound for a normalised object box area, 1/N (§3.1). */
    public double objectMaxArea() {
        return 1.0 / instances;
    }

    /** True when the image score reaches the threshold. */
    public boolean isAnomalous(double imageScore) {
        return imageScore >= anomalyThreshold;
    }

    public Builder toBuilder() {
        return new Builder(name)
                .objectPrompt(objectPrompt)
                .instances(instances)
                .topK(topK)
                .areaRatio(areaRatio)
                .anomalyThreshold(anomalyThreshold)
                .generalPrompts(generalPrompts)
                .prompts(prompts);
    }

    @Override
    public String toString() {
        return "CategoryConfig{" + name + ": object=" + objectPrompt + ", N=" + instances + ", K=" + topK
                + ", areaRatio=" + areaRatio + ", threshold=" + anomalyThreshold + ", generalPrompts=" + generalPrompts
                + ", prompts=" + prompts + "}";
    }

    /** Mutable builder; {@link #build()} validates. Defaults: N = 1, general prompts on, no specific prompts. */
    public static final class Builder {
        private final String name;
        private String objectPrompt;
        private int instances = 1;
        private int topK;
        private double areaRatio;
        private double anomalyThreshold;
        private boolean generalPrompts = true;
        private final List<PromptSpec> prompts = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        public Builder objectPrompt(String v) {
            objectPrompt = v;
            return this;
        }

        public Builder instances(int v) {
            instances = v;
            return this;
        }

        public Builder topK(int v) {
            topK = v;
            return this;
        }

        public Builder areaRatio(double v) {
            areaRatio = v;
            return this;
        }

        public Builder anomalyThreshold(double v) {
            anomalyThreshold = v;
            return this;
        }

        public Builder generalPrompts(boolean v) {
            generalPrompts = v;
            return this;
        }

        /** Replaces the class-specific prompts. */
        public Builder prompts(List<PromptSpec> v) {
            prompts.clear();
            prompts.addAll(v);
            return this;
        }

        public Builder addPrompt(String text, String filterWord) {
            prompts.add(new PromptSpec(text, filterWord));
            return this;
        }

        public CategoryConfig build() {
            return new CategoryConfig(this);
        }
    }
}
