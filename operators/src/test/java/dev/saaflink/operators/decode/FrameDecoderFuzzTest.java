package dev.saaflink.operators.decode;

import static dev.saaflink.operators.decode.TestFrames.encode;
import static dev.saaflink.operators.decode.TestFrames.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Issue 6 item 2: a bounded, reproducible fuzz run of the decoder. A few thousand frames are mutated from valid
 * ones (the committed MTD sample JPEGs, and PNG / GRAY8 / RGB8 frames made from them) with a fixed seed: bit flips,
 * truncations, insertions, deletions, splices between images, edits of PNG IHDR and JPEG SOF fields, and changed
 * width/height/encoding/image in the Avro record. Every input must end as a decoded frame or a
 * {@link FrameRejectedException} with a reason; nothing else may escape (no RuntimeException, no Error), and each
 * record must stay within a time and allocation budget derived from the decode limits.
 */
class FrameDecoderFuzzTest {

    static final long SEED = 20_240_611L;
    static final int RECORDS = 3000;
    /** Tighter than the defaults so that a mutated header claiming "just under the limit" stays cheap to decode. */
    static final DecodeLimits LIMITS = new DecodeLimits(2048, 1_000_000L, 4 * 1024 * 1024);
    static final long MAX_NANOS_PER_RECORD = 2_000_000_000L;
    /**
     * A record may allocate its pixels a few times over (ImageIO raster of up to 2 bytes × 4 bands, the RGB output,
     * copies of the payload) but never more: 16 bytes per allowed pixel, 8× the payload limit, plus 4 MiB slack.
     */
    static final long MAX_BYTES_PER_RECORD = 16 * LIMITS.maxPixels() + 8L * LIMITS.maxPayloadBytes() + (4 << 20);

    @Test
    void mutatedFramesAlwaysEndAsAFrameOrADeadLetterReason() throws Exception {
        List<Frame> seeds = seeds();
        Mutator mutator = new Mutator(new Random(SEED), seeds);
        FrameDecoder decoder = new FrameDecoder(LIMITS);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();

        // Warm up ImageIO and the JPEG native code on the unmutated seeds.
        for (Frame f : seeds) {
            decoder.decode(TestFrames.record(encode(f)));
        }

        Map<String, Integer> histogram = new TreeMap<>();
        Map<String, Integer> byMutation = new TreeMap<>();
        int decoded = 0;
        long maxNanos = 0;
        long maxBytes = 0;
        String slowest = "";
        long startAll = System.nanoTime();
        for (int i = 0; i < RECORDS; i++) {
            Mutator.Mutant m = mutator.next();
            RawRecord rec = TestFrames.record(m.value());
            rec.offset = i;
            long before = mx.getThreadAllocatedBytes(tid);
            long t0 = System.nanoTime();
            String outcome;
            try {
                DecodedFrame out = decoder.decode(rec);
                assertThat(out.image).isNotNull();
                assertThat(out.image.rgb).hasSize(out.image.width * out.image.height * 3);
                assertThat((long) out.image.width * out.image.height).isLessThanOrEqualTo(LIMITS.maxPixels());
                outcome = "DECODED";
                decoded++;
            } catch (FrameRejectedException e) {
                assertThat(e.getReason()).isNotNull();
                assertThat(e.getStage()).isNotBlank();
                outcome = e.getReason().name();
            } catch (Throwable t) {
                fail("record " + i + " (" + m.kind() + ") escaped as " + t, t);
                return;
            }
            long nanos = System.nanoTime() - t0;
            long bytes = mx.getThreadAllocatedBytes(tid) - before;
            if (nanos > maxNanos) {
                maxNanos = nanos;
                slowest = m.kind() + " -> " + outcome;
            }
            maxBytes = Math.max(maxBytes, bytes);
            assertThat(nanos).as("record %d (%s) took too long", i, m.kind()).isLessThan(MAX_NANOS_PER_RECORD);
            assertThat(bytes).as("record %d (%s) allocated too much", i, m.kind()).isLessThan(MAX_BYTES_PER_RECORD);
            histogram.merge(outcome, 1, Integer::sum);
            byMutation.merge(m.kind(), 1, Integer::sum);
        }
        long totalMs = (System.nanoTime() - startAll) / 1_000_000;

        int accounted = histogram.values().stream().mapToInt(Integer::intValue).sum();
        assertThat(accounted).isEqualTo(RECORDS);
        assertThat(decoded).as("some mutants still decode").isPositive();
        assertThat(RECORDS - decoded).as("most mutants are rejected").isGreaterThan(RECORDS / 4);
        System.out.printf("[issue6-fuzz] seed=%d records=%d decoded=%d rejected=%d total=%d ms max/record=%.1f ms (%s)"
                        + " maxAlloc/record=%.1f MiB (budget %.0f MiB)%n  outcomes: %s%n  mutations: %s%n",
                SEED, RECORDS, decoded, RECORDS - decoded, totalMs, maxNanos / 1e6, slowest, maxBytes / 1048576.0,
                MAX_BYTES_PER_RECORD / 1048576.0, histogram, byMutation);
    }

    // ------------------------------------------------------------------ seeds

    /** The committed MTD sample JPEGs as frames, plus PNG, GRAY8 and RGB8 frames of small crops of them. */
    static List<Frame> seeds() throws Exception {
        Path mtd = samples().resolve("mtd");
        List<Path> jpegs;
        try (Stream<Path> files = Files.walk(mtd)) {
            jpegs = files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
        assertThat(jpegs).hasSizeGreaterThanOrEqualTo(5);
        List<Frame> seeds = new ArrayList<>();
        for (Path p : jpegs) {
            byte[] bytes = Files.readAllBytes(p);
            seeds.add(frame(ImageEncoding.JPEG, bytes).build());
        }
        BufferedImage gray = ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(jpegs.get(0))));
        BufferedImage crop = gray.getSubimage(10, 10, 48, 40);
        BufferedImage copy = new BufferedImage(48, 40, BufferedImage.TYPE_BYTE_GRAY);
        copy.getGraphics().drawImage(crop, 0, 0, null);
        seeds.add(frame(ImageEncoding.PNG, TestFrames.png(copy)).setWidth(48).setHeight(40).build());
        BufferedImage rgb = new BufferedImage(32, 24, BufferedImage.TYPE_3BYTE_BGR);
        rgb.getGraphics().drawImage(crop, 0, 0, null);
        seeds.add(frame(ImageEncoding.PNG, TestFrames.png(rgb)).build());
        seeds.add(frame(ImageEncoding.JPEG, TestFrames.jpeg(rgb, true)).build());
        byte[] raw = new byte[48 * 40];
        copy.getRaster().getDataElements(0, 0, 48, 40, raw);
        seeds.add(frame(ImageEncoding.GRAY8, raw).setWidth(48).setHeight(40).build());
        byte[] rgbRaw = new byte[16 * 8 * 3];
        new Random(1).nextBytes(rgbRaw);
        seeds.add(frame(ImageEncoding.RGB8, rgbRaw).setWidth(16).setHeight(8).build());
        return seeds;
    }

    static Path samples() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("samples/mtd"))) {
                return p.resolve("samples");
            }
        }
        throw new IllegalStateException("samples/ not found above " + Path.of("").toAbsolutePath());
    }

    // ------------------------------------------------------------------ mutations

    /** Deterministic for a given Random: the same seed gives the same mutants, in the same order. */
    static final class Mutator {
        record Mutant(String kind, byte[] value) {}

        private static final int[] INTERESTING = {0, 1, -1, 2, 7, 255, 256, 2047, 2048, 2049, 65_535, 65_536,
            50_000, 1_000_000, Integer.MAX_VALUE, Integer.MIN_VALUE};

        private final Random rnd;
        private final List<Frame> seeds;

        Mutator(Random rnd, List<Frame> seeds) {
            this.rnd = rnd;
            this.seeds = seeds;
        }

        Mutant next() {
            Frame seed = seeds.get(rnd.nextInt(seeds.size()));
            byte[] image = bytes(seed.getImage());
            return switch (rnd.nextInt(11)) {
                case 0 -> new Mutant("record-bit-flips", flipBits(encode(seed), 1 + rnd.nextInt(8)));
                case 1 -> {
                    byte[] v = encode(seed);
                    yield new Mutant("record-truncate", Arrays.copyOf(v, rnd.nextInt(v.length)));
                }
                case 2 -> new Mutant("image-bit-flips", withImage(seed, flipBits(image, 1 + rnd.nextInt(16))));
                case 3 -> new Mutant("image-truncate", withImage(seed, Arrays.copyOf(image, rnd.nextInt(image.length))));
                case 4 -> new Mutant("image-insert", withImage(seed, insert(image)));
                case 5 -> new Mutant("image-delete", withImage(seed, delete(image)));
                case 6 -> new Mutant("image-splice", withImage(seed, splice(image)));
                case 7 -> new Mutant("image-header-field", withImage(seed, headerField(image)));
                case 8 -> new Mutant("frame-dimensions", encode(Frame.newBuilder(seed)
                        .setWidth(rnd.nextInt(3) == 0 ? null : interesting())
                        .setHeight(rnd.nextInt(3) == 0 ? null : interesting()).build()));
                case 9 -> new Mutant("frame-encoding", encode(Frame.newBuilder(seed)
                        .setEncoding(ImageEncoding.values()[rnd.nextInt(ImageEncoding.values().length)])
                        .setWidth(rnd.nextBoolean() ? seed.getWidth() : Integer.valueOf(interesting()))
                        .setHeight(rnd.nextBoolean() ? seed.getHeight() : Integer.valueOf(interesting())).build()));
                default -> {
                    // Another seed's image under this seed's envelope (encoding and dimensions may not fit).
                    Frame other = seeds.get(rnd.nextInt(seeds.size()));
                    yield new Mutant("frame-image-swap", withImage(seed, bytes(other.getImage())));
                }
            };
        }

        private int interesting() {
            int v = INTERESTING[rnd.nextInt(INTERESTING.length)];
            return rnd.nextInt(4) == 0 ? v + rnd.nextInt(5) - 2 : v;
        }

        private byte[] flipBits(byte[] in, int n) {
            byte[] out = in.clone();
            for (int i = 0; i < n && out.length > 0; i++) {
                out[rnd.nextInt(out.length)] ^= (byte) (1 << rnd.nextInt(8));
            }
            return out;
        }

        private byte[] insert(byte[] in) {
            int at = rnd.nextInt(in.length + 1);
            byte[] extra = new byte[1 + rnd.nextInt(64)];
            rnd.nextBytes(extra);
            byte[] out = new byte[in.length + extra.length];
            System.arraycopy(in, 0, out, 0, at);
            System.arraycopy(extra, 0, out, at, extra.length);
            System.arraycopy(in, at, out, at + extra.length, in.length - at);
            return out;
        }

        private byte[] delete(byte[] in) {
            if (in.length < 2) {
                return new byte[0];
            }
            int at = rnd.nextInt(in.length - 1);
            int n = 1 + rnd.nextInt(Math.min(256, in.length - at));
            byte[] out = new byte[in.length - n];
            System.arraycopy(in, 0, out, 0, at);
            System.arraycopy(in, at + n, out, at, in.length - at - n);
            return out;
        }

        /** Replaces a segment with a segment of another seed's image, often the header region of the other. */
        private byte[] splice(byte[] in) {
            byte[] donor = bytes(seeds.get(rnd.nextInt(seeds.size())).getImage());
            int from = rnd.nextBoolean() ? 0 : rnd.nextInt(donor.length);
            int len = Math.min(1 + rnd.nextInt(128), donor.length - from);
            int at = rnd.nextBoolean() ? 0 : rnd.nextInt(in.length);
            byte[] out = Arrays.copyOf(in, Math.max(in.length, at + len));
            System.arraycopy(donor, from, out, at, len);
            return out;
        }

        /** Rewrites a field of the PNG IHDR or the JPEG SOF (dimensions, bit depth, colour type, components). */
        private byte[] headerField(byte[] in) {
            byte[] out = in.clone();
            if (out.length > 29 && out[12] == 'I' && out[13] == 'H' && out[14] == 'D' && out[15] == 'R') {
                // 16..19 width, 20..23 height, 24 bit depth, 25 colour type, 26..28 methods/interlace
                int field = 16 + rnd.nextInt(13);
                if (field < 24) {
                    ByteBuffer.wrap(out, field < 20 ? 16 : 20, 4).putInt(interesting());
                } else {
                    out[field] = (byte) (rnd.nextBoolean() ? new int[] {0, 1, 2, 3, 4, 6, 8, 16}[rnd.nextInt(8)]
                            : rnd.nextInt(256));
                }
                return out; // the IHDR CRC no longer matches: the reader must say so, not crash
            }
            for (int i = 2; i + 9 < out.length; i++) {
                if (out[i] == (byte) 0xFF && (out[i + 1] == (byte) 0xC0 || out[i + 1] == (byte) 0xC2)) {
                    // FF Cx, length(2), precision(1), height(2), width(2), components(1)
                    switch (rnd.nextInt(4)) {
                        case 0 -> ByteBuffer.wrap(out, i + 5, 2).putShort((short) interesting());
                        case 1 -> ByteBuffer.wrap(out, i + 7, 2).putShort((short) interesting());
                        case 2 -> out[i + 4] = (byte) (rnd.nextBoolean() ? 12 : rnd.nextInt(256));
                        default -> out[i + 9] = (byte) rnd.nextInt(6);
                    }
                    return out;
                }
            }
            return flipBits(out, 4); // raw pixels: no header to edit
        }

        private static byte[] withImage(Frame seed, byte[] image) {
            return encode(Frame.newBuilder(seed).setImage(ByteBuffer.wrap(image)).build());
        }

        private static byte[] bytes(ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] out = new byte[d.remaining()];
            d.get(out);
            return out;
        }
    }
}
