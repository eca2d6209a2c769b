package dev.saaflink.models.sam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saaflink.models.onnx.OnnxGraphBuilder;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.store.ModelIntegrityException;
import dev.saaflink.models.store.ModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A decoder with the tensor names and shapes of SAM's ONNX export without {@code --return-single-mask}
 * ({@code masks [1,4,H,W]}, {@code iou_predictions [1,4]}, {@code low_res_masks [1,4,256,256]}), whose outputs say
 * which token they are: channel t of {@code masks} is {@code +1} for t = 0 and {@code -1} otherwise, and
 * {@code iou_predictions} is {@code [0.1, 0.9, 0.8, 0.7]}, so a selection by score (what the single-mask export
 * does for a box) would pick token 1. Also the user-file resolver ({@link SamModels#userFiles}).
 */
class AllTokensDecoderTest {

    static final int EMB_C = 8;
    static final int GRID = 4;

    @TempDir
    Path dir;

    /** @param tokens the masks' channel dimension: a number (fixed) or a String (symbolic) */
    static byte[] decoder(Object tokens) {
        boolean single = Integer.valueOf(1).equals(tokens);
        OnnxGraphBuilder g = OnnxGraphBuilder.create("sam-decoder-all-tokens")
                .floatInput("image_embeddings", 1, EMB_C, GRID, GRID)
                .floatInput("point_coords", 1, "num_points", 2)
                .floatInput("point_labels", 1, "num_points")
                .floatInput("mask_input", 1, 1, 4 * GRID, 4 * GRID)
                .floatInput("has_mask_input", 1)
                .floatInput("orig_im_size", 2)
                .floatInitializer("sign", single ? new float[] {1f} : new float[] {1f, -1f, -1f, -1f},
                        1, single ? 1 : 4, 1, 1)
                .floatInitializer("iou", new float[] {0.1f, 0.9f, 0.8f, 0.7f}, 1, 4)
                .floatInitializer("zero", new float[] {0f}, 1)
                .int64Initializer("lead", new long[] {1, single ? 1 : 4}, 2);
        g.node("Cast", "orig_im_size").attr("to", 7L).outputs("hw");
        g.node("Concat", "lead", "hw").attr("axis", 0L).outputs("shape");
        g.node("ConstantOfShape", "shape")
                .attr("value", OnnxGraphBuilder.floatTensor("one", new float[] {1f}, 1)).outputs("ones");
        g.node("Mul", "ones", "sign").outputs("masks");
        // iou_predictions does not depend on the prompt; adding 0 * has_mask_input keeps it a computed output.
        g.node("Mul", "has_mask_input", "zero").outputs("z");
        g.node("Add", "iou", "z").outputs("iou_predictions");
        g.node("Mul", "mask_input", "sign").outputs("low_res_masks");
        return g.floatOutput("masks", 1, tokens, "h", "w")
                .floatOutput("iou_predictions", 1, 4)
                .floatOutput("low_res_masks", 1, single ? 1 : 4, 4 * GRID, 4 * GRID)
                .toBytes();
    }

    Path manifest(String name, byte[] model, String extra) throws Exception {
        Path onnx = dir.resolve(name + ".onnx");
        Files.write(onnx, model);
        Path m = dir.resolve(name + ".properties");
        Files.writeString(m, "id=test/" + name + "\nfile=" + name + ".onnx\nsha256=" + ModelStore.sha256(onnx)
                + "\nbytes=" + model.length + "\ninput.size=1024\n"
                + "inputs=image_embeddings,point_coords,point_labels,mask_input,has_mask_input,orig_im_size\n"
                + "outputs=masks,iou_predictions,low_res_masks\n" + extra);
        return m;
    }

    static SamEmbedding embedding() {
        // 30 x 20 image: long side 30 -> 1024, short side round(20 * 1024 / 30) = 683
        return new SamEmbedding(new float[EMB_C * GRID * GRID], EMB_C, GRID, GRID, 30, 20, 1024, 1024, 683);
    }

    @Test
    void fourMasksGiveToken0() throws Exception {
        Path m = manifest("dec4", decoder(4), "");
        try (SamDecoder d = SamDecoder.open(m.resolveSibling("dec4.onnx"), dev.saaflink.models.store.ModelManifest
                .fromFile(m), SessionSettings.cpu(1))) {
            assertThat(d.selection()).isEqualTo(SamDecoder.TokenSelection.AS_EXPORTED);
            SamMask mask = d.decodeBox(embedding(), 2, 3, 20, 15);
            assertThat(mask.iouPrediction).isEqualTo(0.1f);
            assertThat(mask.width).isEqualTo(30);
            assertThat(mask.height).isEqualTo(20);
            assertThat(mask.area()).isEqualTo(30 * 20); // channel 0 is +1 everywhere, the others -1
            SamDecoder.Raw raw = d.runPoints(embedding(), new float[] {10, 10, 500, 300}, new float[] {2, 3});
            assertThat(raw.channels()).isEqualTo(4);
            assertThat(raw.lowRes()).hasSize(16 * 16);
        }
    }

    @Test
    void manifestKeyAllTakesChannel0EvenWhenTheGraphDoesNotSayHowMany() throws Exception {
        Path m = manifest("decN", decoder("tokens"), "masks.tokens=all\n");
        try (SamDecoder d = SamDecoder.open(m.resolveSibling("decN.onnx"),
                dev.saaflink.models.store.ModelManifest.fromFile(m), SessionSettings.cpu(1))) {
            // Without the key a dynamic channel count would fall back to the padding point.
            assertThat(d.selection()).isEqualTo(SamDecoder.TokenSelection.AS_EXPORTED);
            SamMask mask = d.decodeBox(embedding(), 2, 3, 20, 15);
            assertThat(mask.iouPrediction).isEqualTo(0.1f);
            assertThat(mask.area()).isEqualTo(30 * 20);
        }
    }

    @Test
    void manifestKeyAllRefusesASingleMaskGraph() throws Exception {
        Path m = manifest("dec1", decoder(1), "masks.tokens=all\n");
        assertThatThrownBy(() -> SamDecoder.open(m.resolveSibling("dec1.onnx"),
                dev.saaflink.models.store.ModelManifest.fromFile(m), SessionSettings.cpu(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("masks.tokens=all")
                .hasMessageContaining("--return-single-mask");
    }

    @Test
    void manifestKeyMustBeAllOrSingle() throws Exception {
        Path m = manifest("decX", decoder(4), "masks.tokens=first\n");
        assertThatThrownBy(() -> SamDecoder.open(m.resolveSibling("decX.onnx"),
                dev.saaflink.models.store.ModelManifest.fromFile(m), SessionSettings.cpu(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'all' or 'single'");
    }

    @Test
    void userFilesAreVerifiedIncludingExternalData() throws Exception {
        Path data = dir.resolve("enc.onnx.data");
        Files.write(data, new byte[] {1, 2, 3, 4});
        Path enc = manifest("enc", decoder(4), "externalData.file=enc.onnx.data\nexternalData.sha256="
                + ModelStore.sha256(data) + "\nexternalData.bytes=4\n");
        Path dec = manifest("dec", decoder(4), "masks.tokens=all\n");
        SamModelFiles files = SamModels.userFiles(enc, dec);
        assertThat(files.encoder()).isEqualTo(dir.resolve("enc.onnx").toAbsolutePath().normalize());
        assertThat(files.decoder()).isEqualTo(dir.resolve("dec.onnx").toAbsolutePath().normalize());
        assertThat(files.encoderManifest().id()).isEqualTo("test/enc");
        assertThat(files.decoderManifest().id()).isEqualTo("test/dec");

        Files.write(data, new byte[] {1, 2, 3, 5}); // same size, other content
        Files.setLastModifiedTime(data, java.nio.file.attribute.FileTime.fromMillis(1_000_000L));
        assertThatThrownBy(() -> SamModels.userFiles(enc, dec))
                .isInstanceOf(ModelIntegrityException.class)
                .hasMessageContaining("enc.onnx.data")
                .hasMessageContaining("export_sam.py");
    }
}
