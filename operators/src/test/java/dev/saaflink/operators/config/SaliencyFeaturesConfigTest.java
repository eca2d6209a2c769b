package dev.saaflink.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SaliencyFeaturesConfigTest {

    private static final String CATEGORIES = "categories:\n  default:\n    objectPrompt: object\n    topK: 5\n"
            + "    areaRatio: 0.9\n    anomalyThreshold: 0.3\n";

    private static InspectionConfig parse(String features, Path dir) {
        return InspectionConfigLoader.parse("version: 1\n" + features + CATEGORIES, "test.yaml", dir);
    }

    /** A WideResNet50 manifest and its (fake) graph; the hash is checked at open, not at config load. */
    private static Path bundle(Path dir) throws Exception {
        Files.write(dir.resolve("wrn.onnx"), new byte[] {1});
        Path m = dir.resolve("wrn.properties");
        Files.writeString(m, "id=torchvision/wide_resnet50_2-layer1-3\nfile=wrn.onnx\nsha256=" + "ab".repeat(32)
                + "\nbytes=1\ninput.size=256\ninput.mean=123.675,116.28,103.53\ninput.std=58.395,57.12,57.375\n");
        return m;
    }

    @Test
    void defaultsToTheSamEmbedding(@TempDir Path dir) {
        SaliencyFeaturesConfig c = parse("", dir).getSaliencyFeatures();
        assertThat(c.getType()).isEqualTo(SaliencyFeaturesConfig.Type.SAM_EMBEDDING);
        assertThat(c.modelId()).isEqualTo("samEncoder-embedding");
        assertThat(parse("saliencyFeatures: {type: samEmbedding}\n", dir).getSaliencyFeatures().getModel()).isNull();
        assertThat(InspectionConfigLoader.loadDefault().getSaliencyFeatures().isWideResNet50()).isFalse();
    }

    @Test
    void wideResNetWithARelativePathAndItsModelId(@TempDir Path dir) throws Exception {
        Path m = bundle(dir);
        Path yaml = dir.resolve("inspection.yaml");
        Files.writeString(yaml, "version: 1\nsaliencyFeatures:\n  type: wideresnet50\n  model: ./wrn.properties\n"
                + CATEGORIES);
        SaliencyFeaturesConfig c = InspectionConfigLoader.load(yaml).getSaliencyFeatures();
        assertThat(c.isWideResNet50()).isTrue();
        assertThat(c.getModel()).isEqualTo(m.toAbsolutePath().normalize());
        // id + the first 12 hex digits of the manifest's sha256.
        assertThat(c.modelId()).isEqualTo("torchvision/wide_resnet50_2-layer1-3@abababababab");
    }

    @Test
    void missingFilesAreStartUpErrors(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> parse("saliencyFeatures: {type: wideresnet50, model: nope.properties}\n", dir))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.yaml: saliencyFeatures.model:")
                .hasMessageContaining("does not exist")
                .hasMessageContaining("export_wideresnet50.py");
        bundle(dir);
        Files.delete(dir.resolve("wrn.onnx"));
        assertThatThrownBy(() -> parse("saliencyFeatures: {type: wideresnet50, model: wrn.properties}\n", dir))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("saliencyFeatures.model:")
                .hasMessageContaining("wrn.onnx");
        bundle(dir);
        Files.writeString(dir.resolve("wrn.properties"), "id=x\nfile=wrn.onnx\nsha256=" + "0".repeat(64)
                + "\nbytes=1\n");
        assertThatThrownBy(() -> parse("saliencyFeatures: {type: wideresnet50, model: wrn.properties}\n", dir))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("needs input.size, input.mean and input.std");
    }

    @Test
    void strictKeysAndValues(@TempDir Path dir) {
        assertThatThrownBy(() -> parse("saliencyFeatures:\n  type: wideresnet50\n", dir))
                .hasMessageContaining("saliencyFeatures.model: is required");
        assertThatThrownBy(() -> parse("saliencyFeatures:\n  type: resnet18\n", dir))
                .hasMessageContaining("saliencyFeatures.type: must be 'samEmbedding' or 'wideresnet50'");
        assertThatThrownBy(() -> parse("saliencyFeatures:\n  type: samEmbedding\n  model: x\n", dir))
                .hasMessageContaining("saliencyFeatures.model: only applies");
        assertThatThrownBy(() -> parse("saliencyFeatures:\n  kind: samEmbedding\n", dir))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("kind");
    }
}
