package dev.saaflink.operators.decode;

import static dev.saaflink.operators.decode.TestFrames.frame;
import static dev.saaflink.operators.decode.TestFrames.jpeg;
import static dev.saaflink.operators.decode.TestFrames.png;
import static dev.saaflink.operators.decode.TestFrames.record;
import static dev.saaflink.operators.decode.TestFrames.solid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

import org.junit.jupiter.api.Test;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;

/** Every supported encoding decodes to the exact (or, for JPEG, nearly exact) RGB values that went in. */
class FrameDecoderTest {
    private final FrameDecoder decoder = new FrameDecoder();

    @Test
    void grayPngDecodesToEqualChannels() throws Exception {
        BufferedImage img = new BufferedImage(5, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 5; x++) {
                img.getRaster().setSample(x, y, 0, 40 * x + 10 * y);
            }
        }
        RgbImage out = decode(ImageEncoding.PNG, png(img));

        assertThat(out.width).isEqualTo(5);
        assertThat(out.height).isEqualTo(4);
        // Raw samples, not a colour-converted getRGB(): 170 stays 170.
        assertThat(rgb(out, 4, 1)).containsExactly(170, 170, 170);
        assertThat(rgb(out, 0, 0)).containsExactly(0, 0, 0);
        assertThat(rgb(out, 3, 3)).containsExactly(150, 150, 150);
    }

    @Test
    void rgbPngKeepsChannelOrder() throws Exception {
        BufferedImage img = solid(3, 2, 0x102030);
        img.setRGB(2, 1, 0xC81E0A);
        RgbImage out = decode(ImageEncoding.PNG, png(img));

        assertThat(rgb(out, 2, 1)).containsExactly(200, 30, 10);
        assertThat(rgb(out, 0, 0)).containsExactly(0x10, 0x20, 0x30);
    }

    @Test
    void rgbaPngDropsAlphaWithoutPremultiplying() throws Exception {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0x40FF8000); // alpha 0x40
        img.setRGB(1, 1, 0xFF0000FF);
        RgbImage out = decode(ImageEncoding.PNG, png(img));

        assertThat(rgb(out, 0, 0)).containsExactly(255, 128, 0);
        assertThat(rgb(out, 1, 1)).containsExactly(0, 0, 255);
        assertThat(rgb(out, 1, 0)).containsExactly(0, 0, 0);
    }

    @Test
    void palettePngLooksUpColours() throws Exception {
        byte[] r = {(byte) 255, 0, 12};
        byte[] g = {0, (byte) 255, 34};
        byte[] b = {0, 0, 56};
        IndexColorModel icm = new IndexColorModel(8, 3, r, g, b);
        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, icm);
        img.getRaster().setSample(0, 0, 0, 2);
        img.getRaster().setSample(1, 0, 0, 0);
        img.getRaster().setSample(2, 0, 0, 1);
        RgbImage out = decode(ImageEncoding.PNG, png(img));

        assertThat(rgb(out, 0, 0)).containsExactly(12, 34, 56);
        assertThat(rgb(out, 1, 0)).containsExactly(255, 0, 0);
        assertThat(rgb(out, 2, 0)).containsExactly(0, 255, 0);
    }

    @Test
    void oneBitPngStretchesToFullRange() throws Exception {
        BufferedImage img = new BufferedImage(9, 1, BufferedImage.TYPE_BYTE_BINARY);
        img.getRaster().setSample(8, 0, 0, 1);
        RgbImage out = decode(ImageEncoding.PNG, png(img));

        assertThat(rgb(out, 8, 0)).containsExactly(255, 255, 255);
        assertThat(rgb(out, 0, 0)).containsExactly(0, 0, 0);
    }

    @Test
    void sixteenBitGrayPngKeepsHighByte() throws Exception {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        img.getRaster().setSample(0, 0, 0, 0xABCD);
        img.getRaster().setSample(1, 0, 0, 0x00FF);
        RgbImage out = decode(ImageEncoding.PNG, png(img));

        assertThat(rgb(out, 0, 0)).containsExactly(0xAB, 0xAB, 0xAB);
        assertThat(rgb(out, 1, 0)).containsExactly(0, 0, 0);
    }

    @Test
    void sixteenBitRgbPngKeepsHighByte() throws Exception {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
                false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(2, 1);
        raster.setPixel(0, 0, new int[] {0x1234, 0x5678, 0x9ABC});
        raster.setPixel(1, 0, new int[] {0xFFFF, 0x0000, 0x8000});
        BufferedImage img = new BufferedImage(cm, raster, false, null);
        RgbImage out = decode(ImageEncoding.PNG, png(img));

        assertThat(rgb(out, 0, 0)).containsExactly(0x12, 0x56, 0x9A);
        assertThat(rgb(out, 1, 0)).containsExactly(0xFF, 0x00, 0x80);
    }

    @Test
    void grayJpegIsCloseToSource() throws Exception {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        fillGray(img.getRaster(), 0, 0, 8, 16, 60);
        fillGray(img.getRaster(), 8, 0, 8, 16, 200);
        RgbImage out = decode(ImageEncoding.JPEG, jpeg(img, false));

        assertThat(out.width).isEqualTo(16);
        assertNear(rgb(out, 2, 5), 60, 60, 60);
        assertNear(rgb(out, 12, 5), 200, 200, 200);
    }

    @Test
    void rgbJpegIsCloseToSource() throws Exception {
        RgbImage out = decode(ImageEncoding.JPEG, jpeg(solid(32, 24, 0xC8321E), false));

        assertThat(out.width).isEqualTo(32);
        assertThat(out.height).isEqualTo(24);
        assertNear(rgb(out, 10, 10), 200, 50, 30);
    }

    @Test
    void progressiveJpegDecodes() throws Exception {
        byte[] bytes = jpeg(solid(40, 30, 0x2080E0), true);
        assertThat(isProgressive(bytes)).as("writer produced a progressive (SOF2) JPEG").isTrue();

        RgbImage out = decode(ImageEncoding.JPEG, bytes);

        assertThat(out.width).isEqualTo(40);
        assertNear(rgb(out, 20, 15), 0x20, 0x80, 0xE0);
    }

    @Test
    void rawGray8AndRgb8() throws Exception {
        byte[] gray = {0, 1, 2, 3, (byte) 254, (byte) 255};
        RgbImage g = decode(frame(ImageEncoding.GRAY8, gray).setWidth(3).setHeight(2).build());
        assertThat(rgb(g, 1, 1)).containsExactly(254, 254, 254);

        byte[] rgb = {1, 2, 3, 4, 5, 6};
        RgbImage c = decode(frame(ImageEncoding.RGB8, rgb).setWidth(2).setHeight(1).build());
        assertThat(rgb(c, 1, 0)).containsExactly(4, 5, 6);
    }

    @Test
    void declaredDimensionsThatAgreeAreAccepted() throws Exception {
        RgbImage out = decode(frame(ImageEncoding.PNG, png(solid(7, 3, 0))).setWidth(7).setHeight(3).build());
        assertThat(out.width).isEqualTo(7);
    }

    @Test
    void copiesEnvelopeFieldsAndKeepsSource() throws Exception {
        RawRecord rec = record(frame(ImageEncoding.PNG, png(solid(2, 2, 0))).build());

        DecodedFrame out = decoder.decode(rec);

        assertThat(out.cameraId).isEqualTo("cam-7");
        assertThat(out.frameId).isEqualTo("f-42");
        assertThat(out.category).isEqualTo("mtd");
        assertThat(out.captureTimeMillis).isEqualTo(1_700_000_000_123L);
        assertThat(out.attributes).containsEntry("line", "L2");
        assertThat(out.source).isSameAs(rec);
        assertThat(out.decodeNanos).isPositive();
    }

    /**
     * Ground truth is for the scorer: a mask the frame carries is gone from everything the decoded frame holds,
     * the record kept for dead letters included, so it never reaches an async checkpoint or the keyBy.
     */
    @Test
    void groundTruthMaskIsDroppedAtDecode() throws Exception {
        byte[] mask = new byte[64 * 1024];
        new java.util.Random(3).nextBytes(mask);
        Frame withMask = frame(ImageEncoding.PNG, png(solid(2, 2, 0x405060)))
                .setGroundTruthMask(ByteBuffer.wrap(mask)).build();
        Frame withoutMask = Frame.newBuilder(withMask).setGroundTruthMask(null).build();
        RawRecord rec = record(withMask);

        DecodedFrame out = decoder.decode(rec);

        assertThat(rec.value.length).isGreaterThan(mask.length);
        assertThat(out.source.value).isEqualTo(TestFrames.encode(withoutMask));
        assertThat(out.source.value.length).isLessThan(mask.length);
        assertThat(Frame.getDecoder().decode(out.source.value).getGroundTruthMask()).isNull();
        assertThat(out.source.topic).isEqualTo(rec.topic);
        assertThat(out.source.partition).isEqualTo(rec.partition);
        assertThat(out.source.offset).isEqualTo(rec.offset);
        assertThat(out.source.timestamp).isEqualTo(rec.timestamp);
        assertThat(out.source.key).isEqualTo(rec.key);
        assertThat(out.frameId).isEqualTo("f-42");
        assertThat(rgb(out.image, 1, 1)).containsExactly(0x40, 0x50, 0x60);
        // The field is gone from the type, not just left null.
        assertThat(DecodedFrame.class.getFields()).extracting(java.lang.reflect.Field::getName)
                .doesNotContain("groundTruthMask");
    }

    @Test
    void decoderIsSerializable() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new FrameDecoder(new DecodeLimits(100, 5000, 1 << 20)));
            out.writeObject(record(new byte[] {1, 2}));
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            FrameDecoder copy = (FrameDecoder) in.readObject();
            assertThat(copy.limits().maxSide()).isEqualTo(100);
            assertThat(((RawRecord) in.readObject()).value).containsExactly(1, 2);
        }
    }

    // ------------------------------------------------------------------ helpers

    private RgbImage decode(ImageEncoding encoding, byte[] image) throws FrameRejectedException {
        return decode(frame(encoding, image).build());
    }

    private RgbImage decode(Frame f) throws FrameRejectedException {
        return decoder.decode(record(f)).image;
    }

    private static int[] rgb(RgbImage img, int x, int y) {
        return new int[] {img.get(x, y, 0), img.get(x, y, 1), img.get(x, y, 2)};
    }

    private static void assertNear(int[] actual, int... expected) {
        for (int c = 0; c < 3; c++) {
            assertThat(actual[c]).as("channel %d", c).isBetween(expected[c] - 4, expected[c] + 4);
        }
    }

    private static void fillGray(WritableRaster r, int x0, int y0, int w, int h, int v) {
        for (int y = y0; y < y0 + h; y++) {
            for (int x = x0; x < x0 + w; x++) {
                r.setSample(x, y, 0, v);
            }
        }
    }

    /** Looks for a SOF2 (progressive DCT) marker. */
    private static boolean isProgressive(byte[] jpeg) {
        for (int i = 0; i + 1 < jpeg.length; i++) {
            if (jpeg[i] == (byte) 0xFF && jpeg[i + 1] == (byte) 0xC2) {
                return true;
            }
        }
        return false;
    }
}
