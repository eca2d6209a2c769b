package dev.saaflink.operators.config;

import dev.saaflink.models.store.ModelManifest;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which feature map the saliency prompt (P^S) runs its kNN self-similarity on: the SAM encoder's embedding (the
 * default, no extra model) or WideResNet50 layers 1 to 3 from a user-provided ONNX export named by its model manifest
 * (reference §4 and §9; models/README.md). YAML:
 * <pre>
 * saliencyFeatures:
 *   type: wideresnet50                  # or samEmbedding (default)
 *   model: /models/wrn50/wideresnet50.properties
 * </pre>
 * A relative {@code model} path is resolved against the config file's folder. The manifest and the graph it names
 * must exist when the config is loaded (a missing model is a start-up error, never a silent fall-back); the hash is
 * checked when the model is opened. Immutable.
 */
public final class SaliencyFeaturesConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The {@code modelIds} value for the SAM-embedding features (the embedding is the SAM encoder's output). */
    public static final String SAM_EMBEDDING_ID = "samEncoder-embedding";

    /** The feature kinds, with their YAML names. */
    public enum Type implements YamlNamed {
        SAM_EMBEDDING("samEmbedding"),
        WIDE_RESNET50("wideresnet50");

        private final String yamlName;

        Type(String yamlName) {
            this.yamlName = yamlName;
        }

        @Override
        public String yamlName() {
            return yamlName;
        }
    }

    private final Type type;
    /** Absolute manifest path (a String: Path is not Serializable); null for the SAM embedding. */
    private final String model;
    private final String modelId;

    private SaliencyFeaturesConfig(Type type, String model, String modelId) {
        this.type = type;
        this.model = model;
        this.modelId = modelId;
    }

    /** The SAM encoder's embedding (today's behaviour). */
    public static SaliencyFeaturesConfig samEmbedding() {
        return new SaliencyFeaturesConfig(Type.SAM_EMBEDDING, null, SAM_EMBEDDING_ID);
    }

    /**
     * WideResNet50 features from the export {@code manifest} describes.
     *
     * @throws InvalidConfigException naming {@code saliencyFeatures.model} when the manifest or its graph is missing,
     *                                or the manifest cannot be read or lacks what the features need
     */
    public static SaliencyFeaturesConfig wideResNet50(Path manifest) {
        String at = "saliencyFeatures.model: ";
        Path abs = manifest.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs)) {
            throw new InvalidConfigException(at + "WideResNet50 model manifest " + abs + " does not exist (write it with"
                    + " models/export/export_wideresnet50.py, see models/README.md), or set saliencyFeatures.type to "
                    + Type.SAM_EMBEDDING.yamlName());
        }
        ModelManifest m;
        try {
            m = ModelManifest.fromFile(abs);
        } catch (IOException | RuntimeException e) {
            throw new InvalidConfigException(at + "cannot read WideResNet50 model manifest " + abs + ": " + e.getMessage(), e);
        }
        if (m.isFetchable()) {
            throw new InvalidConfigException(at + "manifest " + abs + " describes an npm package; a WideResNet50"
                    + " manifest names a local file (key 'file')");
        }
        if (m.inputSize() <= 0 || m.mean() == null || m.std() == null) {
            throw new InvalidConfigException(at + "manifest " + abs + " needs input.size, input.mean and input.std"
                    + " (the export script writes them)");
        }
        Path graph = m.localFile(abs);
        if (!Files.isRegularFile(graph)) {
            throw new InvalidConfigException(at + "file " + graph + " named by WideResNet50 manifest " + abs
                    + " does not exist");
        }
        return new SaliencyFeaturesConfig(Type.WIDE_RESNET50, abs.toString(), m.modelId());
    }

    public Type getType() {
        return type;
    }

    public boolean isWideResNet50() {
        return type == Type.WIDE_RESNET50;
    }

    /** The WideResNet50 manifest (absolute); null for the SAM embedding. */
    public Path getModel() {
        return model == null ? null : Path.of(model);
    }

    /**
     * The events' {@code modelIds} value under {@code saliencyFeatures}: the WideResNet50 manifest's id and sha256
     * prefix (e.g. {@code torchvision/wide_resnet50_2-layer1-3@0123456789ab}), or {@value #SAM_EMBEDDING_ID}.
     */
    public String modelId() {
        return modelId;
    }

    @Override
    public String toString() {
        return "SaliencyFeaturesConfig{" + type.yamlName() + (model == null ? "" : ", model=" + model) + "}";
    }
}
