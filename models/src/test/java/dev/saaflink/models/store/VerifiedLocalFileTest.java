package dev.saaflink.models.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one integrity check for user-provided model files ({@link ModelStore#verifiedLocalFile}). */
class VerifiedLocalFileTest {

    @TempDir
    Path dir;

    /** sha256 of the ASCII bytes "abc" (FIPS 180-2 test vector). */
    static final String SHA_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    Path manifest(String extra) throws Exception {
        Path m = dir.resolve("m.properties");
        Files.writeString(m, "id=test/abc\nfile=model.onnx\nsha256=" + SHA_ABC + "\nbytes=3\n" + extra);
        return m;
    }

    @Test
    void acceptsTheFileTheManifestDescribes() throws Exception {
        Path m = manifest("");
        Files.writeString(dir.resolve("model.onnx"), "abc", StandardCharsets.US_ASCII);
        Path f = ModelStore.verifiedLocalFile(ModelManifest.fromFile(m), m, "Test", "fix it");
        assertThat(f).isEqualTo(dir.resolve("model.onnx").toAbsolutePath().normalize());
    }

    @Test
    void refusesATamperedFileOfTheSameSizeWithBothHashes() throws Exception {
        Path m = manifest("");
        Files.writeString(dir.resolve("model.onnx"), "abd", StandardCharsets.US_ASCII);
        String actual = ModelStore.sha256(dir.resolve("model.onnx"));
        assertThatThrownBy(() -> ModelStore.verifiedLocalFile(ModelManifest.fromFile(m), m, "Test", "re-export it"))
                .isInstanceOf(ModelIntegrityException.class)
                .hasMessageContaining("Test model file")
                .hasMessageContaining("expected sha256 " + SHA_ABC + " and 3 bytes")
                .hasMessageContaining("found sha256 " + actual + " and 3 bytes")
                .hasMessageContaining("re-export it");
    }

    @Test
    void refusesAMissingFileAndAnNpmManifest() throws Exception {
        Path m = manifest("");
        assertThatThrownBy(() -> ModelStore.verifiedLocalFile(ModelManifest.fromFile(m), m, "Test", "x"))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("model.onnx")
                .hasMessageContaining("does not exist");
        Path npm = manifest("npm.package=p\nnpm.version=1\nnpm.path=package/model.onnx\n");
        assertThatThrownBy(() -> ModelStore.verifiedLocalFile(ModelManifest.fromFile(npm), npm, "Test", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("npm package");
    }
}
