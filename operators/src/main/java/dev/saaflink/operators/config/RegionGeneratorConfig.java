package dev.saaflink.operators.config;

import dev.saaflink.models.gdino.GroundingDino;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Which region generator fills the language-prompt slot (P^L): the model-free saliency stand-in (the default, when
 * no detector is configured) or GroundingDINO from a user-provided ONNX export, named by its model manifest
 * (models/README.md). YAML:
 * <pre>
 * regionGenerator:
 *   type: groundingdino                 # or standIn (default)
 *   model: /models/gdino/groundingdino-swint-ogc.properties
 * </pre>
 * A relative {@code model} path is resolved against the config file's folder. The manifest and every file it names
 * (graph(s), vocabulary) must exist when the config is loaded: a missing model is a start-up error, never a silent
 * fall-back to the stand-in. Immutable.
 */
public final class RegionGeneratorConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The generator kinds, with their YAML names. */
    public enum Type implements YamlNamed {
        STAND_IN("standIn"),
        GROUNDING_DINO("groundingdino");

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
    /** Absolute path of the GroundingDINO manifest (a String: Path is not Serializable); null for the stand-in. */
    private final String model;

    private RegionGeneratorConfig(Type type, String model) {
        this.type = type;
        this.model = model;
    }

    /** The saliency stand-in. */
    public static RegionGeneratorConfig standIn() {
        return new RegionGeneratorConfig(Type.STAND_IN, null);
    }

    /**
     * GroundingDINO from the export described by {@code manifest}.
     *
     * @throws InvalidConfigException naming {@code regionGenerator.model} when the manifest, or a file it names, is
     *                                missing or the manifest cannot be read
     */
    public static RegionGeneratorConfig groundingDino(Path manifest) {
        String at = "regionGenerator.model: ";
        Path abs = manifest.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs)) {
            throw new InvalidConfigException(at + "GroundingDINO model manifest " + abs + " does not exist (write it with"
                    + " models/export/export_groundingdino.py, see models/README.md), or set regionGenerator.type to "
                    + Type.STAND_IN.yamlName());
        }
        List<Path> files;
        try {
            files = GroundingDino.requiredFiles(abs);
        } catch (IOException | RuntimeException e) {
            throw new InvalidConfigException(at + "cannot read GroundingDINO model manifest " + abs + ": " + e.getMessage(), e);
        }
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new InvalidConfigException(at + "file " + f + " named by GroundingDINO manifest " + abs
                        + " does not exist");
            }
        }
        return new RegionGeneratorConfig(Type.GROUNDING_DINO, abs.toString());
    }

    public Type getType() {
        return type;
    }

    public boolean isGroundingDino() {
        return type == Type.GROUNDING_DINO;
    }

    /** The GroundingDINO manifest (absolute); null for the stand-in. */
    public Path getModel() {
        return model == null ? null : Path.of(model);
    }

    @Override
    public String toString() {
        return "RegionGeneratorConfig{" + type.yamlName() + (model == null ? "" : ", model=" + model) + "}";
    }
}
