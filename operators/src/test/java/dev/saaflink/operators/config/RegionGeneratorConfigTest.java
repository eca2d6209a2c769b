package dev.saaflink.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegionGeneratorConfigTest {

    private static final String CATEGORIES = "categories:\n  default:\n    objectPrompt: object\n    topK: 5\n"
            + "    areaRatio: 0.9\n    anomalyThreshold: 0.3\n";

    private static InspectionConfig parse(String generator, Path dir) {
        return InspectionConfigLoader.parse("version: 1\n" + generator + CATEGORIES, "test.yaml", dir);
    }

    /** A manifest naming a model file and a vocabulary, with both present. */
    private static Path bundle(Path dir) throws Exception {
        Files.write(dir.resolve("g.onnx"), new byte[] {1});
        Files.writeString(dir.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
        Path m = dir.resolve("g.properties");
        Files.writeString(m, "id=t/g\nfile=g.onnx\nsha256=" + "0".repeat(64) + "\nbytes=1\ntext.vocab=vocab.txt\n");
        return m;
    }

    @Test
    void defaultsToTheStandIn(@TempDir Path dir) {
        assertThat(parse("", dir).getRegionGenerator().getType()).isEqualTo(RegionGeneratorConfig.Type.STAND_IN);
        assertThat(parse("regionGenerator:\n  type: standIn\n", dir).getRegionGenerator().getModel()).isNull();
        assertThat(InspectionConfigLoader.loadDefault().getRegionGenerator().isGroundingDino()).isFalse();
    }

    @Test
    void groundingDinoWithARelativeModelPath(@TempDir Path dir) throws Exception {
        Path m = bundle(dir);
        RegionGeneratorConfig c = parse("regionGenerator:\n  type: groundingdino\n  model: g.properties\n", dir)
                .getRegionGenerator();
        assertThat(c.isGroundingDino()).isTrue();
        assertThat(c.getModel()).isEqualTo(m.toAbsolutePath().normalize());
    }

    @Test
    void relativePathsInAFileAreResolvedAgainstItsFolder(@TempDir Path dir) throws Exception {
        bundle(dir);
        Path yaml = dir.resolve("inspection.yaml");
        Files.writeString(yaml, "version: 1\nregionGenerator:\n  type: groundingdino\n  model: ./g.properties\n"
                + CATEGORIES);
        assertThat(InspectionConfigLoader.load(yaml).getRegionGenerator().getModel())
                .isEqualTo(dir.resolve("g.properties").toAbsolutePath().normalize());
    }

    @Test
    void missingModelFilesAreStartUpErrors(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> parse("regionGenerator:\n  type: groundingdino\n  model: nope.properties\n", dir))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.yaml: regionGenerator.model:")
                .hasMessageContaining("does not exist");
        bundle(dir);
        Files.delete(dir.resolve("g.onnx"));
        assertThatThrownBy(() -> parse("regionGenerator:\n  type: groundingdino\n  model: g.properties\n", dir))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("g.onnx");
        bundle(dir);
        Files.delete(dir.resolve("vocab.txt"));
        assertThatThrownBy(() -> parse("regionGenerator:\n  type: groundingdino\n  model: g.properties\n", dir))
                .hasMessageContaining("vocab.txt");
    }

    @Test
    void strictKeysAndValues(@TempDir Path dir) {
        assertThatThrownBy(() -> parse("regionGenerator:\n  type: groundingdino\n", dir))
                .hasMessageContaining("regionGenerator.model: is required");
        assertThatThrownBy(() -> parse("regionGenerator:\n  type: yolo\n", dir))
                .hasMessageContaining("regionGenerator.type: must be 'standIn' or 'groundingdino'");
        assertThatThrownBy(() -> parse("regionGenerator:\n  type: standIn\n  model: x\n", dir))
                .hasMessageContaining("regionGenerator.model: only applies");
        assertThatThrownBy(() -> parse("regionGenerator:\n  modle: x\n", dir))
                .hasMessageContaining("did you mean 'model'");
    }
}
