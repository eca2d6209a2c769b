package dev.saaflink.operators.decode;

import dev.saaflink.schemas.AvroBytes;
import static dev.saaflink.operators.decode.TestFrames.encode;
import static dev.saaflink.operators.decode.TestFrames.frame;
import static dev.saaflink.operators.decode.TestFrames.jpeg;
import static dev.saaflink.operators.decode.TestFrames.pngChunk;
import static dev.saaflink.operators.decode.TestFrames.noise;
import static dev.saaflink.operators.decode.TestFrames.png;
import static dev.saaflink.operators.decode.TestFrames.record;
import static dev.saaflink.operators.decode.TestFrames.solid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.saaflink.schemas.DeadLetter;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.Deflater;

/** Each kind of bad input ends as the right FrameRejectedException, never as an unchecked exception. */
class FrameDecoderRejectTest {
    private final FrameDecoder decoder = new FrameDecoder();

    // ------------------------------------------------------------------ envelope

    @Test
    void nullAndEmptyValuesAreNotAvro() {
        assertRejected(record((byte[]) null), "envelope", RejectReason.NOT_AVRO);
        assertRejected(record(new byte[0]), "envelope", RejectReason.NOT_AVRO);
    }

    @Test
    void randomBytesAreNotAvro() {
        byte[] junk = new byte[300];
        new Random(7).nextBytes(junk);
        junk[0] = 0x12;
        FrameRejectedException e = assertRejected(record(junk), "envelope", RejectReason.NOT_AVRO);
        assertThat(e.getCameraId()).isNull();
        assertThat(e.getMessage()).contains("NOT_AVRO").contains("envelope");
    }

    @Test
    void anotherGenericSchemaIsUnknown() throws IOException {
        Schema other = SchemaBuilder.record("Reading").namespace("acme")
                .fields().requiredString("sensor").requiredDouble("value").endRecord();
        GenericRecord rec = new GenericData.Record(other);
        rec.put("sensor", "t1");
        rec.put("value", 21.5);
        ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), other).encode(rec);

        FrameRejectedException e = assertRejected(record(AvroBytes.toArray(buf)), "envelope", RejectReason.UNKNOWN_SCHEMA);
        assertThat(e.getMessage()).contains("fingerprint");
    }

    @Test
    void anotherSpecificRecordIsUnknown() throws IOException {
        DeadLetter letter = DeadLetters.of(record(new byte[] {1}), "envelope", RejectReason.NOT_AVRO,
                new IllegalStateException("x"), null, null, 1L);
        assertRejected(record(AvroBytes.toArray(DeadLetter.getEncoder().encode(letter))), "envelope", RejectReason.UNKNOWN_SCHEMA);
    }

    @Test
    void frameCutShortIsMalformed() {
        byte[] full = encode(frame(ImageEncoding.PNG, png(solid(4, 4, 0))).build());
        assertRejected(record(Arrays.copyOf(full, full.length / 2)), "envelope", RejectReason.MALFORMED_AVRO);
        assertRejected(record(Arrays.copyOf(full, 12)), "envelope", RejectReason.MALFORMED_AVRO);
    }

    @Test
    void absurdStringLengthIsMalformedWithoutAllocating() {
        byte[] header = Arrays.copyOf(encode(frame(ImageEncoding.PNG, new byte[] {1}).build()), 10);
        // cameraId claims ~2 GB: zig-zag varint of 2_000_000_000, followed by a few bytes only.
        byte[] body = {(byte) 0x80, (byte) 0xD0, (byte) 0xAC, (byte) 0xF3, 0x0E, 'a', 'b', 'c'};
        byte[] value = concat(header, body);

        long start = System.nanoTime();
        FrameRejectedException e = assertRejected(record(value), "envelope", RejectReason.MALFORMED_AVRO);
        assertThat(System.nanoTime() - start).isLessThan(500_000_000L);
        assertThat(e.getMessage()).contains("cameraId");
    }

    @Test
    void badEnumIndexIsMalformed() {
        Frame f = frame(ImageEncoding.PNG, new byte[] {1}).setCameraId("c").setFrameId("f").setCategory("k")
                .setCaptureTimeMillis(0).setAttributes(java.util.Map.of()).build();
        byte[] value = encode(f);
        // header 10, three 1-char strings (2 bytes each), long 0 (1 byte): the enum index is at byte 17.
        assertThat(value[17]).isEqualTo((byte) 2); // PNG = index 1, zig-zag 2
        value[17] = 40;
        assertRejected(record(value), "envelope", RejectReason.MALFORMED_AVRO);
    }

    @Test
    void payloadAboveLimitIsTooLarge() {
        FrameDecoder small = new FrameDecoder(new DecodeLimits(8192, 40_000_000, 1000));
        byte[] value = encode(frame(ImageEncoding.GRAY8, new byte[2000]).setWidth(40).setHeight(50).build());
        FrameRejectedException e = catchThrowableOfType(() -> small.decode(record(value)), FrameRejectedException.class);
        assertThat(e.getReason()).isEqualTo(RejectReason.TOO_LARGE);
        assertThat(e.getStage()).isEqualTo("envelope");
    }

    // ------------------------------------------------------------------ validation

    @Test
    void emptyIdsAreMissingFields() {
        FrameRejectedException e = assertRejected(
                record(frame(ImageEncoding.PNG, png(solid(2, 2, 0))).setFrameId("").build()),
                "validate", RejectReason.MISSING_FIELD);
        assertThat(e.getMessage()).contains("frameId");
        assertThat(e.getCameraId()).isEqualTo("cam-7");

        assertRejected(record(frame(ImageEncoding.PNG, png(solid(2, 2, 0))).setCameraId(" ").build()),
                "validate", RejectReason.MISSING_FIELD);
        assertRejected(record(frame(ImageEncoding.PNG, png(solid(2, 2, 0))).setCategory("").build()),
                "validate", RejectReason.MISSING_FIELD);
    }

    @Test
    void zeroByteImageIsEmpty() {
        assertRejected(record(frame(ImageEncoding.JPEG, new byte[0]).build()), "validate", RejectReason.EMPTY_IMAGE);
    }

    /**
     * Issue 14 item 3: a memory reset record may come without an image (it is never inspected); a seed may not, and an
     * {@code saa.memory} value that names nothing is a dead letter rather than a frame inspected by mistake.
     */
    @Test
    void onlyAMemoryResetMayComeWithoutAnImage() throws FrameRejectedException {
        DecodedFrame reset = decoder.decode(record(frame(ImageEncoding.PNG, new byte[0])
                .setAttributes(java.util.Map.of("saa.memory", "reset")).build()));
        assertThat(reset.image).isNull();
        assertThat(reset.attributes).containsEntry("saa.memory", "reset");
        assertThat(reset.cameraId).isEqualTo("cam-7");
        assertRejected(record(frame(ImageEncoding.PNG, new byte[0])
                .setAttributes(java.util.Map.of("saa.memory", "seed")).build()), "validate", RejectReason.EMPTY_IMAGE);
        FrameRejectedException e = assertRejected(record(frame(ImageEncoding.PNG, png(solid(2, 2, 0)))
                .setAttributes(java.util.Map.of("saa.memory", "rest")).build()), "validate", RejectReason.MISSING_FIELD);
        assertThat(e.getMessage()).contains("saa.memory").contains("'rest'");
        // A reset that carries an image anyway: decoded like any frame (the encoder skips it).
        assertThat(decoder.decode(record(frame(ImageEncoding.PNG, png(solid(2, 2, 0)))
                .setAttributes(java.util.Map.of("saa.memory", "reset")).build())).image).isNotNull();
    }

    @Test
    void rawPixelsNeedMatchingDimensions() {
        assertRejected(record(frame(ImageEncoding.GRAY8, new byte[11]).setWidth(3).setHeight(4).build()),
                "validate", RejectReason.DIMENSION_MISMATCH);
        assertRejected(record(frame(ImageEncoding.RGB8, new byte[12]).setWidth(2).setHeight(3).build()),
                "validate", RejectReason.DIMENSION_MISMATCH);
        assertRejected(record(frame(ImageEncoding.GRAY8, new byte[12]).setWidth(3).build()),
                "validate", RejectReason.MISSING_FIELD);
        assertRejected(record(frame(ImageEncoding.GRAY8, new byte[12]).setWidth(-3).setHeight(-4).build()),
                "validate", RejectReason.DIMENSION_MISMATCH);
    }

    @Test
    void rawPixelsAboveLimitsAreTooLarge() {
        // The byte count is not even looked at: the declared size is refused first.
        assertRejected(record(frame(ImageEncoding.GRAY8, new byte[10]).setWidth(9000).setHeight(10).build()),
                "validate", RejectReason.TOO_LARGE);
        assertRejected(record(frame(ImageEncoding.RGB8, new byte[10]).setWidth(8000).setHeight(8000).build()),
                "validate", RejectReason.TOO_LARGE);
    }

    /** Issue 13: ids go into every event and dead letter, so their length is bounded. */
    @Test
    void idsLongerThanTheCapAreTooLarge() {
        String longest = "c".repeat(DeadLetters.MAX_ID_CHARS);
        String tooLong = longest + "c";
        byte[] image = png(solid(7, 3, 0));
        assertThat(catchThrowableOfType(FrameRejectedException.class, () -> decoder.decode(record(
                frame(ImageEncoding.PNG, image).setCameraId(longest).setFrameId(longest).setCategory(longest)
                        .build())))).isNull();
        FrameRejectedException e = assertRejected(record(frame(ImageEncoding.PNG, image).setCameraId(tooLong).build()),
                "validate", RejectReason.TOO_LARGE);
        assertThat(e.getMessage()).contains("cameraId has 1025 chars, more than 1024");
        assertRejected(record(frame(ImageEncoding.PNG, image).setFrameId(tooLong).build()), "validate",
                RejectReason.TOO_LARGE);
        assertRejected(record(frame(ImageEncoding.PNG, image).setCategory(tooLong).build()), "validate",
                RejectReason.TOO_LARGE);
    }

    @Test
    void declaredSizeDisagreeingWithHeaderIsMismatch() {
        assertRejected(record(frame(ImageEncoding.PNG, png(solid(7, 3, 0))).setWidth(8).build()),
                "validate", RejectReason.DIMENSION_MISMATCH);
        assertRejected(record(frame(ImageEncoding.JPEG, jpeg(solid(16, 8, 0), false)).setWidth(16).setHeight(9).build()),
                "validate", RejectReason.DIMENSION_MISMATCH);
    }

    @Test
    void hugePngHeaderIsRefusedBeforeDecoding() {
        byte[] bomb = pngWithHeader(50_000, 50_000);

        long start = System.nanoTime();
        FrameRejectedException e = assertRejected(record(frame(ImageEncoding.PNG, bomb).build()),
                "validate", RejectReason.TOO_LARGE);
        assertThat(System.nanoTime() - start).as("rejected from the header alone").isLessThan(500_000_000L);
        assertThat(e.getMessage()).contains("50000x50000");
    }

    @Test
    void hugeJpegHeaderIsRefusedBeforeDecoding() {
        byte[] bytes = jpeg(solid(16, 16, 0x808080), false);
        int sof = indexOfMarker(bytes, 0xC0);
        // SOF0: FF C0, length(2), precision(1), height(2), width(2)
        bytes[sof + 5] = (byte) 0xEA;
        bytes[sof + 6] = 0x60; // 60000
        bytes[sof + 7] = (byte) 0xEA;
        bytes[sof + 8] = 0x60;

        long start = System.nanoTime();
        assertRejected(record(frame(ImageEncoding.JPEG, bytes).build()), "validate", RejectReason.TOO_LARGE);
        assertThat(System.nanoTime() - start).isLessThan(500_000_000L);
    }

    // ------------------------------------------------------------------ image decoding

    @Test
    void jpegCutInHalfIsTruncated() {
        byte[] full = jpeg(noise(64, 48), false);
        FrameRejectedException e = assertRejected(
                record(frame(ImageEncoding.JPEG, Arrays.copyOf(full, full.length / 2)).build()),
                "image-decode", RejectReason.TRUNCATED_IMAGE);
        assertThat(e.getCameraId()).isEqualTo("cam-7");
        assertThat(e.getFrameId()).isEqualTo("f-42");
    }

    @Test
    void jpegCutInsideHeaderIsTruncated() {
        byte[] full = jpeg(noise(64, 48), false);
        assertRejected(record(frame(ImageEncoding.JPEG, Arrays.copyOf(full, 100)).build()),
                "image-decode", RejectReason.TRUNCATED_IMAGE);
    }

    @Test
    void pngCutShortIsTruncated() {
        byte[] full = png(noise(64, 48));
        assertRejected(record(frame(ImageEncoding.PNG, Arrays.copyOf(full, full.length / 2)).build()),
                "image-decode", RejectReason.TRUNCATED_IMAGE);
        assertRejected(record(frame(ImageEncoding.PNG, Arrays.copyOf(full, 40)).build()),
                "image-decode", RejectReason.TRUNCATED_IMAGE);
        assertRejected(record(frame(ImageEncoding.PNG, Arrays.copyOf(full, 20)).build()),
                "image-decode", RejectReason.TRUNCATED_IMAGE);
        assertRejected(record(frame(ImageEncoding.PNG, Arrays.copyOf(full, 5)).build()),
                "image-decode", RejectReason.TRUNCATED_IMAGE);
    }

    @Test
    void wrongFormatForEncodingIsCorrupt() {
        FrameRejectedException e = assertRejected(record(frame(ImageEncoding.JPEG, png(solid(4, 4, 0))).build()),
                "image-decode", RejectReason.CORRUPT_IMAGE);
        assertThat(e.getMessage()).contains("is a PNG");

        byte[] junk = new byte[64];
        new Random(3).nextBytes(junk);
        junk[0] = 1;
        assertRejected(record(frame(ImageEncoding.PNG, junk).build()), "image-decode", RejectReason.CORRUPT_IMAGE);
    }

    @Test
    void pngWithGarbledDataIsCorrupt() {
        byte[] bytes = png(noise(32, 32));
        int idat = indexOf(bytes, "IDAT".getBytes());
        for (int i = idat + 4; i < idat + 40; i++) {
            bytes[i] = (byte) 0xFF;
        }
        assertRejected(record(frame(ImageEncoding.PNG, bytes).build()), "image-decode", RejectReason.CORRUPT_IMAGE);
    }

    @Test
    void cmykJpegIsUnsupported() throws IOException {
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(cmyk, null, null), null);
        } finally {
            writer.dispose();
        }
        FrameRejectedException e = assertRejected(record(frame(ImageEncoding.JPEG, out.toByteArray()).build()),
                "image-decode", RejectReason.UNSUPPORTED_IMAGE);
        assertThat(e.getMessage()).contains("CMYK").contains("not supported");
    }

    // ------------------------------------------------------------------ robustness

    @Test
    void mutatedRecordsNeverEscapeAsUncheckedExceptions() {
        Random rnd = new Random(42);
        byte[][] seeds = {
            encode(frame(ImageEncoding.PNG, png(noise(24, 16))).setWidth(24).setHeight(16).build()),
            encode(frame(ImageEncoding.JPEG, jpeg(noise(24, 16), false)).build()),
            encode(frame(ImageEncoding.JPEG, jpeg(noise(24, 16), true)).build()),
            encode(frame(ImageEncoding.GRAY8, new byte[24 * 16]).setWidth(24).setHeight(16).build()),
        };
        int decoded = 0;
        int rejected = 0;
        for (int i = 0; i < 1200; i++) {
            byte[] value = seeds[i % seeds.length].clone();
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
                value[rnd.nextInt(value.length)] = (byte) rnd.nextInt(256);
            }
            if (rnd.nextInt(5) == 0) {
                value = Arrays.copyOf(value, rnd.nextInt(value.length));
            }
            try {
                DecodedFrame out = decoder.decode(record(value));
                assertThat(out.image).isNotNull();
                decoded++;
            } catch (FrameRejectedException e) {
                assertThat(e.getReason()).isNotNull();
                rejected++;
            }
        }
        assertThat(decoded + rejected).isEqualTo(1200);
        assertThat(rejected).isPositive();
    }

    // ------------------------------------------------------------------ helpers

    private FrameRejectedException assertRejected(RawRecord rec, String stage, RejectReason reason) {
        FrameRejectedException e = catchThrowableOfType(() -> decoder.decode(rec), FrameRejectedException.class);
        assertThat(e).as("decode must reject this record").isNotNull();
        assertThat(e.getReason()).as("reason; message: %s", e.getMessage()).isEqualTo(reason);
        assertThat(e.getStage()).as("stage; message: %s", e.getMessage()).isEqualTo(stage);
        assertThat(e.getMessage()).contains(reason.name());
        return e;
    }

    /** A structurally valid PNG whose IHDR declares w×h RGB, with one tiny IDAT that is not nearly enough. */
    private static byte[] pngWithHeader(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        pngChunk(out, "IHDR", ihdr.array());
        Deflater deflater = new Deflater();
        deflater.setInput(new byte[1000]);
        deflater.finish();
        byte[] z = new byte[100];
        int n = deflater.deflate(z);
        pngChunk(out, "IDAT", Arrays.copyOf(z, n));
        pngChunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static int indexOfMarker(byte[] jpeg, int marker) {
        return indexOf(jpeg, new byte[] {(byte) 0xFF, (byte) marker});
    }

    private static int indexOf(byte[] data, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= data.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("pattern not found");
    }


    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
