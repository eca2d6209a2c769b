package dev.saaflink.models.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Manifests of user-provided models (no npm keys) and the frame and model-specific keys. */
class LocalModelManifestTest {

    private static final String SHA = "ab".repeat(32);

    private static ModelManifest parse(String text) throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return ModelManifest.fromProperties(p, "test");
    }

    @Test
    void localManifestNamesAFileNextToIt(@TempDir Path dir) throws Exception {
        ModelManifest m = parse("id=gdino/swint-ogc\nfile=groundingdino.onnx\nsha256=" + SHA + "\nbytes=10\n"
                + "input.width=1200\ninput.height=800\ntext.maxLength=256\n");
        assertThat(m.isFetchable()).isFalse();
        assertThat(m.npmSpec()).isNull();
        assertThat(m.localFile(dir.resolve("g.properties"))).isEqualTo(dir.toAbsolutePath().resolve("groundingdino.onnx"));
        assertThat(m.inputWidth()).isEqualTo(1200);
        assertThat(m.inputHeight()).isEqualTo(800);
        assertThat(m.property("text.maxLength")).contains("256");
        assertThat(m.property("nothing")).isEmpty();
        assertThat(m.toString()).contains("file groundingdino.onnx");
    }

    @Test
    void localManifestNeedsAFileAndNpmKeysGoTogether() {
        assertThatThrownBy(() -> parse("id=x\nsha256=" + SHA + "\nbytes=1\n")).hasMessageContaining("'file'");
        assertThatThrownBy(() -> parse("id=x\nnpm.package=p\nfile=a\nsha256=" + SHA + "\nbytes=1\n"))
                .hasMessageContaining("npm.version");
    }

    @Test
    void frameKeys() throws Exception {
        ModelManifest square = parse("id=x\nfile=a\nsha256=" + SHA + "\nbytes=1\ninput.size=1024\n");
        assertThat(square.inputWidth()).isEqualTo(1024);
        assertThat(square.inputHeight()).isEqualTo(1024);
        ModelManifest dynamic = parse("id=x\nfile=a\nsha256=" + SHA + "\nbytes=1\ninput.shortSide=800\ninput.maxSize=1333\n");
        assertThat(dynamic.inputWidth()).isZero();
        assertThat(dynamic.inputShortSide()).isEqualTo(800);
        assertThat(dynamic.inputMaxSize()).isEqualTo(1333);
        assertThatThrownBy(() -> parse("id=x\nfile=a\nsha256=" + SHA + "\nbytes=1\ninput.maxSize=1333\n"))
                .hasMessageContaining("input.shortSide");
        assertThatThrownBy(() -> parse("id=x\nfile=a\nsha256=" + SHA + "\nbytes=1\ninput.width=0\n"))
                .hasMessageContaining("input.width");
    }

    @Test
    void storeDoesNotTryToFetchALocalModel(@TempDir Path dir) throws Exception {
        ModelManifest m = parse("id=x\nfile=a.onnx\nsha256=" + SHA + "\nbytes=1\n");
        ModelStore store = new ModelStore(dir, (pkg, version, into) -> {
            throw new AssertionError("must not fetch");
        });
        assertThatThrownBy(() -> store.ensureAll(List.of(m))).isInstanceOf(ModelFetchException.class)
                .hasMessageContaining("by hand");
        assertThat(Files.exists(dir.resolve("local"))).isFalse();
    }
}
