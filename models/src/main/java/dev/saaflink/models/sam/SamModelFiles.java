package dev.saaflink.models.sam;

import dev.saaflink.models.store.ModelManifest;
import java.nio.file.Path;

/** Verified local files of a SAM encoder/decoder pair, with their manifests. */
public record SamModelFiles(Path encoder, Path decoder, ModelManifest encoderManifest, ModelManifest decoderManifest) {
}
