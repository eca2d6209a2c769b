package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static dev.saaflink.operators.decode.TestFrames.jpeg;
import static dev.saaflink.operators.decode.TestFrames.pngChunk;
import static dev.saaflink.operators.decode.TestFrames.noise;
import static dev.saaflink.operators.decode.TestFrames.png;
import static dev.saaflink.operators.decode.TestFrames.solid;

import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.FrameDecoder;
import dev.saaflink.operators.decode.FrameRejectedException;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.AvroBytes;
import dev.saaflink.schemas.DeadLetter;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.Deflater;

/**
 * Issue 6 item 1: one corpus of bad and unusual inputs, every entry built here, sent one after another through the
 * real decode operator ({@link DecodeFrameFunction}). Each entry must end exactly one way: decoded with the right
 * size and pixel values, or a dead letter with the exact stage and reason. The operator never throws (the job
 * keeps running) and frames in = decoded frames + dead letters.
 *
 * <p>The decompression bombs are also run straight through {@link FrameDecoder} with the thread's allocation
 * counter around the call, to show that the size check happens before any pixel buffer exists.
 */
class BadInputCorpusTest {

    /** What one corpus entry must become. */
    private record Case(String name, RawRecord record, String stage, RejectReason reason,
                        Consumer<FrameInProgress> check) {
        boolean decodes() {
            return reason == null;
        }

        String outcome() {
            return decodes() ? "decoded" : "dead letter";
        }
    }

    private final List<Case> corpus = new ArrayList<>();

    private void reject(String name, RawRecord rec, String stage, RejectReason reason) {
        rec.offset = corpus.size();
        corpus.add(new Case(name, rec, stage, reason, null));
    }

    private void decode(String name, RawRecord rec, Consumer<FrameInProgress> check) {
        rec.offset = corpus.size();
        corpus.add(new Case(name, rec, null, null, check));
    }

    @Test
    void everyEntryDecodesCorrectlyOrIsADeadLetterWithItsExactReason() throws Exception {
        buildCorpus();

        Map<Long, FrameInProgress> decoded = new LinkedHashMap<>();
        Map<Long, DeadLetter> letters = new LinkedHashMap<>();
        PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault());
        try (OneInputStreamOperatorTestHarness<RawRecord, FrameInProgress> h =
                     ProcessFunctionTestHarnesses.forProcessFunction(new DecodeFrameFunction(settings))) {
            long ts = 0;
            for (Case c : corpus) {
                // Never throws: an exception here would fail the task and restart the job.
                h.processElement(new StreamRecord<>(c.record(), ts++));
            }
            for (FrameInProgress p : h.extractOutputValues()) {
                assertThat(decoded.put(p.frame.source.offset, p)).as("one output per record").isNull();
            }
            if (h.getSideOutput(DeadLetterOutput.TAG) != null) {
                for (StreamRecord<DeadLetter> r : h.getSideOutput(DeadLetterOutput.TAG)) {
                    assertThat(letters.put(r.getValue().getOffset(), r.getValue())).as("one output per record").isNull();
                }
            }
        }

        // Frames in = events + dead letters, and every record has exactly one of the two.
        assertThat(decoded.size() + letters.size()).isEqualTo(corpus.size());
        StringBuilder table = new StringBuilder("| case | outcome | stage / reason |\n|---|---|---|\n");
        for (int i = 0; i < corpus.size(); i++) {
            Case c = corpus.get(i);
            long offset = i;
            if (c.decodes()) {
                assertThat(letters).as("%s must decode; got %s", c.name(), letters.get(offset)).doesNotContainKey(offset);
                FrameInProgress p = decoded.get(offset);
                assertThat(p).as(c.name()).isNotNull();
                assertThat(p.failed()).isFalse();
                c.check().accept(p);
                table.append("| ").append(c.name()).append(" | decoded | ").append(p.frame.image.width).append('x')
                        .append(p.frame.image.height).append(" |\n");
            } else {
                assertThat(decoded).as("%s must be rejected", c.name()).doesNotContainKey(offset);
                DeadLetter d = letters.get(offset);
                assertThat(d).as(c.name()).isNotNull();
                assertThat(d.getReason()).as("%s: %s", c.name(), d.getMessage()).isEqualTo(c.reason().name());
                assertThat(d.getStage()).as("%s: %s", c.name(), d.getMessage()).isEqualTo(c.stage());
                assertThat(d.getMessage()).as(c.name()).isNotBlank();
                // The original record travels byte for byte, key included (null stays null).
                byte[] value = c.record().value == null ? new byte[0] : c.record().value;
                assertThat(AvroBytes.toArray(d.getPayload())).as(c.name()).isEqualTo(value);
                if (c.record().key == null) {
                    assertThat(d.getKey()).as(c.name()).isNull();
                } else {
                    assertThat(AvroBytes.toArray(d.getKey())).as(c.name()).isEqualTo(c.record().key);
                }
                table.append("| ").append(c.name()).append(" | dead letter | ").append(c.stage()).append(" / ")
                        .append(c.reason()).append(" |\n");
            }
        }
        System.out.println("[issue6-corpus] " + corpus.size() + " entries, " + decoded.size() + " decoded, "
                + letters.size() + " dead letters\n" + table);
    }

    private void buildCorpus() throws IOException {
        // ---- envelope
        reject("null value (tombstone)", rec(null), "envelope", RejectReason.NOT_AVRO);
        byte[] junk = new byte[300];
        new Random(6).nextBytes(junk);
        junk[0] = 0x17;
        reject("random bytes, not Avro", rec(junk), "envelope", RejectReason.NOT_AVRO);
        reject("JSON text, not Avro", rec("{\"cameraId\":\"cam-1\"}".getBytes()), "envelope", RejectReason.NOT_AVRO);
        reject("Avro of another schema", rec(otherSchemaRecord()), "envelope", RejectReason.UNKNOWN_SCHEMA);
        byte[] good = encode(frame(ImageEncoding.PNG, png(solid(8, 8, 0x102030))).build());
        reject("Frame record cut short", rec(Arrays.copyOf(good, good.length - 7)), "envelope",
                RejectReason.MALFORMED_AVRO);
        reject("Frame header only", rec(Arrays.copyOf(good, 10)), "envelope", RejectReason.MALFORMED_AVRO);

        // ---- validation
        reject("empty cameraId", rec(encode(frame(ImageEncoding.PNG, png(solid(4, 4, 0))).setCameraId("").build())),
                "validate", RejectReason.MISSING_FIELD);
        reject("zero-byte image", rec(encode(frame(ImageEncoding.PNG, new byte[0]).build())), "validate",
                RejectReason.EMPTY_IMAGE);
        reject("GRAY8 declared 10x10, 99 bytes",
                rec(encode(frame(ImageEncoding.GRAY8, new byte[99]).setWidth(10).setHeight(10).build())),
                "validate", RejectReason.DIMENSION_MISMATCH);
        reject("RGB8 declared 4x4, 4x4 gray bytes (48 needed)",
                rec(encode(frame(ImageEncoding.RGB8, new byte[16]).setWidth(4).setHeight(4).build())),
                "validate", RejectReason.DIMENSION_MISMATCH);
        reject("RGB8 without width/height", rec(encode(frame(ImageEncoding.RGB8, new byte[48]).build())),
                "validate", RejectReason.MISSING_FIELD);
        reject("GRAY8 declared -4x4", rec(encode(frame(ImageEncoding.GRAY8, new byte[16]).setWidth(-4).setHeight(4)
                .build())), "validate", RejectReason.DIMENSION_MISMATCH);
        reject("GRAY8 declaring 50000x50000 with 16 bytes",
                rec(encode(frame(ImageEncoding.GRAY8, new byte[16]).setWidth(50_000).setHeight(50_000).build())),
                "validate", RejectReason.TOO_LARGE);
        reject("PNG whose IHDR claims 50000x50000 (bomb)", rec(encode(frame(ImageEncoding.PNG, pngBomb(50_000, 50_000))
                .build())), "validate", RejectReason.TOO_LARGE);
        reject("JPEG whose SOF claims 60000x60000", rec(encode(frame(ImageEncoding.JPEG, jpegClaiming(60_000, 60_000))
                .build())), "validate", RejectReason.TOO_LARGE);
        reject("PNG 8x8 declared as 8x9 in the frame",
                rec(encode(frame(ImageEncoding.PNG, png(solid(8, 8, 0))).setWidth(8).setHeight(9).build())),
                "validate", RejectReason.DIMENSION_MISMATCH);

        // ---- image decoding
        byte[] sampleJpeg = Files.readAllBytes(samples().resolve("mtd/crack/images/exp1_num_32128.jpg"));
        reject("samples/corrupt/broken.jpg (truncated JPEG)",
                rec(encode(frame(ImageEncoding.JPEG, Files.readAllBytes(samples().resolve("corrupt/broken.jpg"))).build())),
                "image-decode", RejectReason.TRUNCATED_IMAGE);
        reject("JPEG cut at 300 bytes", rec(encode(frame(ImageEncoding.JPEG, Arrays.copyOf(sampleJpeg, 300)).build())),
                "image-decode", RejectReason.TRUNCATED_IMAGE);
        byte[] noisePng = png(noise(40, 30));
        reject("PNG cut in half", rec(encode(frame(ImageEncoding.PNG, Arrays.copyOf(noisePng, noisePng.length / 2))
                .build())), "image-decode", RejectReason.TRUNCATED_IMAGE);
        reject("PNG cut inside its signature", rec(encode(frame(ImageEncoding.PNG, Arrays.copyOf(noisePng, 5)).build())),
                "image-decode", RejectReason.TRUNCATED_IMAGE);
        reject("text bytes declared PNG", rec(encode(frame(ImageEncoding.PNG, "hello, not an image".getBytes()).build())),
                "image-decode", RejectReason.CORRUPT_IMAGE);
        reject("JPEG bytes declared PNG", rec(encode(frame(ImageEncoding.PNG, sampleJpeg).build())),
                "image-decode", RejectReason.CORRUPT_IMAGE);
        reject("CMYK JPEG", rec(encode(frame(ImageEncoding.JPEG, cmykJpeg()).build())), "image-decode",
                RejectReason.UNSUPPORTED_IMAGE);
        reject("null key, bad payload", new RawRecord("frames", 0, 0, 1L, null, junk.clone()), "envelope",
                RejectReason.NOT_AVRO);

        // ---- decodes, with the pixel conversion checked against hand-computed values
        decode("MTD sample JPEG (8-bit gray)", rec(encode(frame(ImageEncoding.JPEG, sampleJpeg).build())), p -> {
            assertThat(p.frame.image.width).isEqualTo(122);
            assertThat(p.frame.image.height).isEqualTo(285);
            assertThat(rgbAt(p, 61, 142)).satisfies(v -> assertThat(v[0]).isEqualTo(v[1]).isEqualTo(v[2]));
        });
        BufferedImage gray = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(2, 1, 0, 77);
        decode("grayscale PNG", rec(encode(frame(ImageEncoding.PNG, png(gray)).build())), p -> {
            assertSize(p, 3, 2);
            assertThat(rgbAt(p, 2, 1)).containsExactly(77, 77, 77); // stored sample, no gamma conversion
            assertThat(rgbAt(p, 0, 0)).containsExactly(0, 0, 0);
        });
        BufferedImage rgba = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(1, 0, 0x80FF8040); // alpha 128
        rgba.setRGB(0, 1, 0x00336699); // fully transparent
        decode("RGBA PNG", rec(encode(frame(ImageEncoding.PNG, png(rgba)).build())), p -> {
            assertSize(p, 2, 2);
            assertThat(rgbAt(p, 1, 0)).containsExactly(255, 128, 64); // alpha dropped, not premultiplied
            assertThat(rgbAt(p, 0, 1)).containsExactly(0x33, 0x66, 0x99);
        });
        IndexColorModel palette = new IndexColorModel(2, 4, new byte[] {10, (byte) 200, 0, (byte) 255},
                new byte[] {20, 100, 0, (byte) 255}, new byte[] {30, 50, (byte) 250, (byte) 255});
        BufferedImage indexed = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_BINARY, palette);
        for (int x = 0; x < 4; x++) {
            indexed.getRaster().setSample(x, 0, 0, x);
        }
        byte[] palettePng = png(indexed);
        assertThat(new String(palettePng, 0, 64, java.nio.charset.StandardCharsets.ISO_8859_1)).contains("PLTE");
        decode("palette PNG (2-bit)", rec(encode(frame(ImageEncoding.PNG, palettePng).build())), p -> {
            assertSize(p, 4, 1);
            assertThat(rgbAt(p, 0, 0)).containsExactly(10, 20, 30);
            assertThat(rgbAt(p, 1, 0)).containsExactly(200, 100, 50);
            assertThat(rgbAt(p, 2, 0)).containsExactly(0, 0, 250);
            assertThat(rgbAt(p, 3, 0)).containsExactly(255, 255, 255);
        });
        BufferedImage gray16 = new BufferedImage(4, 1, BufferedImage.TYPE_USHORT_GRAY);
        int[] samples16 = {0xFFFF, 0x8000, 0x00FF, 0x1234};
        for (int x = 0; x < 4; x++) {
            gray16.getRaster().setSample(x, 0, 0, samples16[x]);
        }
        decode("16-bit grayscale PNG", rec(encode(frame(ImageEncoding.PNG, png(gray16)).build())), p -> {
            assertSize(p, 4, 1);
            assertThat(rgbAt(p, 0, 0)).containsExactly(255, 255, 255); // 0xFFFF -> high byte
            assertThat(rgbAt(p, 1, 0)).containsExactly(128, 128, 128);
            assertThat(rgbAt(p, 2, 0)).containsExactly(0, 0, 0);
            assertThat(rgbAt(p, 3, 0)).containsExactly(0x12, 0x12, 0x12);
        });
        BufferedImage flatGray = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                flatGray.getRaster().setSample(x, y, 0, 128);
            }
        }
        byte[] progressive = jpeg(flatGray, true);
        decode("progressive JPEG (gray)", rec(encode(frame(ImageEncoding.JPEG, progressive).build())), p -> {
            assertSize(p, 16, 16);
            int[] v = rgbAt(p, 8, 8);
            assertThat(v[0]).isBetween(127, 129);
            assertThat(v).containsExactly(v[0], v[0], v[0]);
        });
        decode("progressive JPEG (RGB)", rec(encode(frame(ImageEncoding.JPEG, jpeg(solid(16, 16, 0xC83C14), true))
                .build())), p -> {
            assertSize(p, 16, 16);
            int[] v = rgbAt(p, 8, 8);
            assertThat(v[0]).isBetween(190, 210);
            assertThat(v[1]).isBetween(50, 70);
            assertThat(v[2]).isBetween(10, 30);
        });
        decode("GRAY8 raw 3x2", rec(encode(frame(ImageEncoding.GRAY8, new byte[] {1, 2, 3, 4, 5, 6}).setWidth(3)
                .setHeight(2).build())), p -> {
            assertSize(p, 3, 2);
            assertThat(rgbAt(p, 2, 1)).containsExactly(6, 6, 6);
        });
        decode("RGB8 raw 1x2", rec(encode(frame(ImageEncoding.RGB8, new byte[] {1, 2, 3, 4, 5, 6}).setWidth(1)
                .setHeight(2).build())), p -> {
            assertSize(p, 1, 2);
            assertThat(rgbAt(p, 0, 1)).containsExactly(4, 5, 6);
        });
        decode("unknown category", rec(encode(frame(ImageEncoding.PNG, png(solid(4, 4, 0x0000FF))).setCategory("gizmo")
                .build())), p -> {
            assertThat(p.frame.category).isEqualTo("gizmo");
            assertThat(p.knownCategory).isFalse();
            assertThat(p.configCategory).isEqualTo("default");
            assertThat(rgbAt(p, 0, 0)).containsExactly(0, 0, 255);
        });
        Frame minimal = Frame.newBuilder().setCameraId("cam-9").setFrameId("f-min").setCategory("mtd")
                .setCaptureTimeMillis(5L).setEncoding(ImageEncoding.PNG)
                .setImage(ByteBuffer.wrap(png(solid(5, 3, 0xFF0000)))).build();
        assertThat(minimal.getWidth()).isNull();
        assertThat(minimal.getGroundTruthMask()).isNull();
        decode("optional fields absent (width, height, mask, attributes)", rec(encode(minimal)), p -> {
            assertSize(p, 5, 3);
            assertThat(p.frame.attributes).isEmpty();
            assertThat(p.knownCategory).isTrue();
        });
        decode("null key, good frame", new RawRecord("frames", 0, 0, 1L, null,
                encode(frame(ImageEncoding.PNG, png(solid(2, 2, 0x00FF00))).build())), p -> {
            assertThat(p.frame.source.key).isNull();
            assertThat(rgbAt(p, 1, 1)).containsExactly(0, 255, 0);
        });
    }

    // ------------------------------------------------------------------ decompression bombs: no large allocation

    @Test
    void bombsAreRefusedFromTheHeaderWithoutAllocatingPixels() throws Exception {
        FrameDecoder decoder = new FrameDecoder();
        Map<String, RawRecord> bombs = new LinkedHashMap<>();
        bombs.put("PNG IHDR 50000x50000", rec(encode(frame(ImageEncoding.PNG, pngBomb(50_000, 50_000)).build())));
        bombs.put("PNG IHDR 8193x1", rec(encode(frame(ImageEncoding.PNG, pngBomb(8193, 1)).build())));
        bombs.put("PNG IHDR 2^31x2^31", rec(encode(frame(ImageEncoding.PNG, pngBomb(0x80000000L, 0x80000000L)).build())));
        bombs.put("JPEG SOF 60000x60000", rec(encode(frame(ImageEncoding.JPEG, jpegClaiming(60_000, 60_000)).build())));
        bombs.put("GRAY8 50000x50000", rec(encode(frame(ImageEncoding.GRAY8, new byte[16]).setWidth(50_000)
                .setHeight(50_000).build())));
        bombs.put("RGB8 65536x65536 (int overflow)", rec(encode(frame(ImageEncoding.RGB8, new byte[48]).setWidth(65_536)
                .setHeight(65_536).build())));
        // Warm up class loading and the ImageIO registry, so the measurement sees only the call itself.
        for (RawRecord r : bombs.values()) {
            catchThrowableOfType(() -> decoder.decode(r), FrameRejectedException.class);
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        for (Map.Entry<String, RawRecord> b : bombs.entrySet()) {
            long before = mx.getThreadAllocatedBytes(tid);
            long t0 = System.nanoTime();
            FrameRejectedException e = catchThrowableOfType(() -> decoder.decode(b.getValue()),
                    FrameRejectedException.class);
            long nanos = System.nanoTime() - t0;
            long allocated = mx.getThreadAllocatedBytes(tid) - before;
            assertThat(e).as(b.getKey()).isNotNull();
            assertThat(e.getReason()).as("%s: %s", b.getKey(), e.getMessage()).isEqualTo(RejectReason.TOO_LARGE);
            assertThat(e.getStage()).isEqualTo("validate");
            assertThat(allocated).as("%s allocated bytes", b.getKey()).isLessThan(2L * 1024 * 1024);
            assertThat(nanos).as("%s nanos", b.getKey()).isLessThan(200_000_000L);
            System.out.printf("[issue6-bomb] %s -> %s, %d bytes allocated, %.2f ms%n", b.getKey(), e.getReason(),
                    allocated, nanos / 1e6);
        }
    }

    @Test
    void aCompressedMetadataBombInsideASmallPngIsNotInflated() throws Exception {
        // 4x4 PNG carrying an iCCP chunk that inflates to 64 MiB of zeros. With metadata ignored, the reader must
        // skip it: decoding costs about what the small image costs.
        byte[] bytes = pngWithChunkBefore(png(solid(4, 4, 0x336699)), "iCCP", iccpBomb(64 << 20));
        assertThat(bytes.length).isLessThan(200_000);
        RawRecord r = rec(encode(frame(ImageEncoding.PNG, bytes).build()));
        FrameDecoder decoder = new FrameDecoder();
        decoder.decode(rec(encode(frame(ImageEncoding.PNG, png(solid(4, 4, 0))).build()))); // warm-up
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        DecodedFrame out = decoder.decode(r);
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(out.image.width).isEqualTo(4);
        assertThat(out.image.get(3, 3, 0)).isEqualTo(0x33);
        System.out.printf("[issue6-bomb] iCCP 64 MiB metadata bomb -> decoded, %d bytes allocated%n", allocated);
        assertThat(allocated).as("allocated bytes").isLessThan(8L * 1024 * 1024);
    }

    // ------------------------------------------------------------------ helpers

    private static RawRecord rec(byte[] value) {
        return new RawRecord("frames", 1, 0, 1_700_000_000_000L, "cam-7".getBytes(), value);
    }

    private static Frame.Builder frame(ImageEncoding encoding, byte[] image) {
        return Frame.newBuilder().setCameraId("cam-7").setFrameId("f-1").setCategory("mtd")
                .setCaptureTimeMillis(1_700_000_000_123L).setEncoding(encoding).setImage(ByteBuffer.wrap(image))
                .setAttributes(Map.of("line", "L2"));
    }

    private static byte[] encode(Frame frame) {
        try {
            return AvroBytes.toArray(Frame.getEncoder().encode(frame));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] otherSchemaRecord() throws IOException {
        Schema other = SchemaBuilder.record("Reading").namespace("acme")
                .fields().requiredString("sensor").requiredDouble("value").endRecord();
        GenericRecord r = new GenericData.Record(other);
        r.put("sensor", "t1");
        r.put("value", 21.5);
        return AvroBytes.toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), other).encode(r));
    }

    static Path samples() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("samples/mtd"))) {
                return p.resolve("samples");
            }
        }
        throw new IllegalStateException("samples/ not found above " + Path.of("").toAbsolutePath());
    }

    private static int[] rgbAt(FrameInProgress p, int x, int y) {
        return new int[] {p.frame.image.get(x, y, 0), p.frame.image.get(x, y, 1), p.frame.image.get(x, y, 2)};
    }

    private static void assertSize(FrameInProgress p, int w, int h) {
        assertThat(p.frame.image.width).isEqualTo(w);
        assertThat(p.frame.image.height).isEqualTo(h);
        assertThat(p.frame.image.rgb).hasSize(w * h * 3);
    }

    /** A 4-component JPEG (no JFIF, no Adobe marker): the JDK reader takes it as CMYK and has no RGB conversion. */
    private static byte[] cmykJpeg() throws IOException {
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 8, 8, 4, null);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(cmyk, null, null), null);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** A small real JPEG whose SOF0 header is rewritten to claim w×h. */
    private static byte[] jpegClaiming(int w, int h) {
        byte[] bytes = jpeg(solid(16, 16, 0x808080), false);
        for (int i = 0; i + 8 < bytes.length; i++) {
            if (bytes[i] == (byte) 0xFF && bytes[i + 1] == (byte) 0xC0) {
                bytes[i + 5] = (byte) (h >> 8);
                bytes[i + 6] = (byte) h;
                bytes[i + 7] = (byte) (w >> 8);
                bytes[i + 8] = (byte) w;
                return bytes;
            }
        }
        throw new IllegalStateException("no SOF0");
    }

    /** A structurally valid PNG whose IHDR declares w×h RGB, with a tiny IDAT: a classic decompression bomb header. */
    private static byte[] pngBomb(long w, long h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt((int) w).putInt((int) h).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        pngChunk(out, "IHDR", ihdr.array());
        pngChunk(out, "IDAT", deflate(new byte[1 << 16]));
        pngChunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static byte[] iccpBomb(int inflatedBytes) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes("bomb".getBytes());
        data.write(0); // name terminator
        data.write(0); // compression method: deflate
        data.writeBytes(deflate(new byte[inflatedBytes]));
        return data.toByteArray();
    }

    /** Inserts one chunk right after IHDR (signature 8 + IHDR 25 bytes). */
    private static byte[] pngWithChunkBefore(byte[] png, String type, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, 33);
        pngChunk(out, type, data);
        out.write(png, 33, png.length - 33);
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] input) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        d.setInput(input);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

}
