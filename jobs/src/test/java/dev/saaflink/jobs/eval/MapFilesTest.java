package dev.saaflink.jobs.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

class MapFilesTest {

    @TempDir
    Path dir;

    /**
     * A .npy file assembled byte by byte: magic, version, header length (2 bytes for v1, 4 for v2/v3), the header
     * dict padded with spaces and ended by a newline, then the raw little-endian data.
     */
    static byte[] npy(int major, String dict, byte[] data) {
        int lengthBytes = major == 1 ? 2 : 4;
        int prefix = 6 + 2 + lengthBytes;
        StringBuilder header = new StringBuilder(dict);
        while ((prefix + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        byte[] h = header.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(prefix + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        b.put(h).put(data);
        return b.array();
    }

    static byte[] f4(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static byte[] f8(double... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            b.putDouble(v);
        }
        return b.array();
    }

    static String dict(String descr, boolean fortran, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    @Test
    void readsVersion1Float32TwoDimensional() throws IOException {
        Path file = write("m.npy", npy(1, dict("<f4", false, "(2, 3)"), f4(0f, 0.25f, 0.5f, 1f, 1.5f, -2f)));
        MapFiles.FloatMap map = MapFiles.read(file);
        assertThat(map.width()).isEqualTo(3);
        assertThat(map.height()).isEqualTo(2);
        assertThat(map.values()).containsExactly(0f, 0.25f, 0.5f, 1f, 1.5f, -2f);
    }

    @Test
    void readsVersion2Float64WithLeadingUnitAxisNarrowedToFloat() throws IOException {
        Path file = write("m.npy", npy(2, dict("<f8", false, "(1, 2, 2)"), f8(0.1, 0.2, 0.3, 0.4)));
        MapFiles.FloatMap map = MapFiles.read(file);
        assertThat(map.width()).isEqualTo(2);
        assertThat(map.height()).isEqualTo(2);
        assertThat(map.values()).containsExactly(0.1f, 0.2f, 0.3f, 0.4f);
    }

    @Test
    void readsVersion3WithTrailingUnitAxis() throws IOException {
        Path file = write("m.npy", npy(3, dict("<f4", false, "(2, 2, 1)"), f4(1f, 2f, 3f, 4f)));
        MapFiles.FloatMap map = MapFiles.read(file);
        assertThat(map.width()).isEqualTo(2);
        assertThat(map.height()).isEqualTo(2);
        assertThat(map.values()).containsExactly(1f, 2f, 3f, 4f);
    }

    @Test
    void fortranOrderIsReturnedRowMajor() throws IOException {
        // the 2x3 matrix [[1, 2, 3], [4, 5, 6]] stored column by column
        Path file = write("m.npy", npy(1, dict("<f4", true, "(2, 3)"), f4(1f, 4f, 2f, 5f, 3f, 6f)));
        MapFiles.FloatMap map = MapFiles.read(file);
        assertThat(map.width()).isEqualTo(3);
        assertThat(map.values()).containsExactly(1f, 2f, 3f, 4f, 5f, 6f);
    }

    @Test
    void rejectsUnsupportedNpyContentWithTheReason() throws IOException {
        Path bigEndian = write("be.npy", npy(1, dict(">f4", false, "(1, 1)"), new byte[4]));
        Path ints = write("int.npy", npy(1, dict("<i4", false, "(1, 1)"), new byte[4]));
        Path cube = write("cube.npy", npy(1, dict("<f4", false, "(2, 2, 2)"), f4(new float[8])));
        Path vector = write("vec.npy", npy(1, dict("<f4", false, "(4,)"), f4(new float[4])));
        Path shortData = write("short.npy", npy(1, dict("<f4", false, "(2, 2)"), f4(1f, 2f, 3f)));
        Path notNpy = write("bad.npy", "hello world, not numpy".getBytes(StandardCharsets.US_ASCII));
        Path version9 = write("v9.npy", npy(9, dict("<f4", false, "(1, 1)"), f4(1f)));

        assertThatThrownBy(() -> MapFiles.read(bigEndian)).isInstanceOf(IOException.class).hasMessageContaining("'>f4'");
        assertThatThrownBy(() -> MapFiles.read(ints)).isInstanceOf(IOException.class).hasMessageContaining("'<i4'");
        assertThatThrownBy(() -> MapFiles.read(cube)).hasMessageContaining("shape (2, 2, 2)");
        assertThatThrownBy(() -> MapFiles.read(vector)).hasMessageContaining("shape (4,)");
        assertThatThrownBy(() -> MapFiles.read(shortData)).hasMessageContaining("holds 12 bytes").hasMessageContaining("needs 16");
        assertThatThrownBy(() -> MapFiles.read(notNpy)).hasMessageContaining("bad magic");
        assertThatThrownBy(() -> MapFiles.read(version9)).hasMessageContaining("version 9");
        assertThatThrownBy(() -> MapFiles.read(write("m.tiff", new byte[4]))).hasMessageContaining("'tiff'");
    }

    @Test
    void reads8BitPngAsValueOver255() throws IOException {
        BufferedImage image = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        data[0] = 0;
        data[1] = 51;
        data[2] = (byte) 255;
        MapFiles.FloatMap map = MapFiles.read(write("m.png", png(image)));
        assertThat(map.width()).isEqualTo(3);
        assertThat(map.height()).isEqualTo(1);
        assertThat(map.values()).containsExactly(0f, 0.2f, 1f);
    }

    @Test
    void reads16BitPngAsValueOver65535() throws IOException {
        BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_USHORT_GRAY);
        short[] data = ((DataBufferUShort) image.getRaster().getDataBuffer()).getData();
        data[0] = 0;
        data[1] = 1;
        data[2] = 13107;
        data[3] = (short) 65535;
        MapFiles.FloatMap map = MapFiles.read(write("m.PNG", png(image)));
        assertThat(map.values()).containsExactly(0f, (float) (1 / 65535.0), 0.2f, 1f);
    }

    @Test
    void rejectsColourPng() throws IOException {
        Path file = write("rgb.png", png(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB)));
        assertThatThrownBy(() -> MapFiles.read(file)).isInstanceOf(IOException.class).hasMessageContaining("3 bands");
    }

    @Test
    void writesSixteenBitPngOfValueOverScale() throws IOException {
        Path file = dir.resolve("sub/m.png");
        MapFiles.writePng16(file, new float[] {0f, 0.5f, 1f, 2f, 3f, Float.NaN}, 3, 2, 2.0);
        BufferedImage back = ImageIO.read(file.toFile());
        assertThat(back.getRaster().getSampleModel().getSampleSize(0)).isEqualTo(16);
        int[] levels = back.getRaster().getSamples(0, 0, 3, 2, 0, (int[]) null);
        // round(x / 2 * 65535), clamped to 65535, NaN as 0
        assertThat(levels).containsExactly(0, 16384, 32768, 65535, 65535, 0);
        MapFiles.FloatMap map = MapFiles.read(file);
        assertThat(map.values()[1]).isCloseTo(0.25f, within(1f / 131070));
        assertThatThrownBy(() -> MapFiles.writePng16(file, new float[1], 1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "png", bytes)).isTrue();
        return bytes.toByteArray();
    }
}
