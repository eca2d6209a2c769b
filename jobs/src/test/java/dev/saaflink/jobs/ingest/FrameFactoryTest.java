package dev.saaflink.jobs.ingest;

import dev.saaflink.schemas.AvroBytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.saaflink.operators.decode.FrameDecoder;
import dev.saaflink.operators.decode.FrameRejectedException;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

class FrameFactoryTest {

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void jpegTravelsByteForByteWithSizeIdsAndAttributes() throws IOException {
        TestImages.write(dir.resolve("crack/images/c1.jpg"), "jpg", 30, 20);
        TestImages.write(dir.resolve("crack/masks/c1.png"), "png", 30, 20);
        DatasetItem item = only(new DatasetScanner().scan(dir, "mtd"));

        Frame frame = new FrameFactory("cam-7", true, CLOCK).create(item);

        assertThat(frame.getEncoding()).isEqualTo(ImageEncoding.JPEG);
        assertThat(AvroBytes.toArray(frame.getImage())).isEqualTo(Files.readAllBytes(item.image()));
        assertThat(frame.getWidth()).isEqualTo(30);
        assertThat(frame.getHeight()).isEqualTo(20);
        assertThat(frame.getCameraId()).isEqualTo("cam-7");
        assertThat(frame.getFrameId()).isEqualTo("mtd/crack/c1");
        assertThat(frame.getCategory()).isEqualTo("mtd");
        assertThat(frame.getCaptureTimeMillis()).isEqualTo(CLOCK.millis());
        assertThat(frame.getAttributes()).containsEntry("subset", "crack").containsEntry("source", "crack/images/c1.jpg");
        assertThat(AvroBytes.toArray(frame.getGroundTruthMask())).isEqualTo(Files.readAllBytes(item.mask()));
    }

    @Test
    void groundTruthOnlyWhenAskedForAndPresent() throws IOException {
        TestImages.write(dir.resolve("x/images/with.png"), "png", 5, 6);
        TestImages.write(dir.resolve("x/masks/with.png"), "png", 5, 6);
        TestImages.write(dir.resolve("x/images/without.png"), "png", 5, 6);
        List<DatasetItem> items = new DatasetScanner().scan(dir, null);

        FrameFactory withTruth = new FrameFactory("cam-0", true, CLOCK);
        FrameFactory withoutTruth = new FrameFactory("cam-0", false, CLOCK);

        assertThat(withTruth.create(items.get(0)).getGroundTruthMask()).isNotNull();
        assertThat(withTruth.create(items.get(1)).getGroundTruthMask()).isNull();
        assertThat(withoutTruth.create(items.get(0)).getGroundTruthMask()).isNull();
        Frame png = withoutTruth.create(items.get(0));
        assertThat(png.getEncoding()).isEqualTo(ImageEncoding.PNG);
        assertThat(png.getWidth()).isEqualTo(5);
        assertThat(png.getHeight()).isEqualTo(6);
    }

    @Test
    void encodingComesFromTheBytesNotTheFileName() throws IOException {
        Path misnamed = TestImages.write(dir.resolve("flat/actually-png.jpg"), "png", 3, 3);
        Frame frame = new FrameFactory("cam-0", false, CLOCK).create(only(new DatasetScanner().scan(misnamed.getParent(), null)));
        assertThat(frame.getEncoding()).isEqualTo(ImageEncoding.PNG);
    }

    @Test
    void bmpIsConvertedToPng() throws IOException {
        Path bmp = TestImages.write(dir.resolve("flat/a.bmp"), "bmp", 7, 4);
        Frame frame = new FrameFactory("cam-0", false, CLOCK).create(only(new DatasetScanner().scan(bmp.getParent(), null)));
        assertThat(frame.getEncoding()).isEqualTo(ImageEncoding.PNG);
        assertThat(FrameFactory.sniff(AvroBytes.toArray(frame.getImage()))).isEqualTo(FrameFactory.FileType.PNG);
        assertThat(frame.getWidth()).isEqualTo(7);
        assertThat(frame.getAttributes()).containsEntry("transcoded", "bmp->png");
    }

    @Test
    void truncatedJpegStillBecomesAFrame() throws IOException {
        Path full = TestImages.write(dir.resolve("full/a.jpg"), "jpg", 64, 48);
        byte[] bytes = Files.readAllBytes(full);
        Path broken = dir.resolve("corrupt/broken.jpg");
        Files.createDirectories(broken.getParent());
        Files.write(broken, Arrays.copyOf(bytes, bytes.length * 4 / 10));

        Frame frame = new FrameFactory("cam-0", true, CLOCK).create(only(new DatasetScanner().scan(broken.getParent(), null)));

        assertThat(frame.getEncoding()).isEqualTo(ImageEncoding.JPEG);
        assertThat(frame.getImage().remaining()).isEqualTo(bytes.length * 4 / 10);
        assertThat(frame.getGroundTruthMask()).isNull();
    }

    /**
     * Not refused: files that are not images go out byte for byte, with the encoding their name claims, for the job
     * to dead-letter (a replayed folder adds up to events plus dead letters).
     */
    @Test
    void filesThatAreNotImagesStillBecomeFramesMarkedAsSuch() throws IOException {
        Path flat = dir.resolve("flat");
        TestImages.write(flat.resolve("real.png"), "png", 4, 4);
        Files.writeString(flat.resolve("fake.png"), "hello");
        Files.write(flat.resolve("empty.jpg"), new byte[0]);
        Files.writeString(flat.resolve("notes.txt"), "a note");
        Files.writeString(flat.resolve("logo.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        Files.writeString(flat.resolve("broken.bmp"), "BM but nothing after");
        FrameFactory factory = new FrameFactory("cam-0", false, CLOCK);

        List<Frame> frames = new DatasetScanner().scan(flat, null).stream().map(factory::create).toList();

        assertThat(frames).extracting(Frame::getFrameId).containsExactly("flat/flat/broken", "flat/flat/empty",
                "flat/flat/fake", "flat/flat/logo.svg", "flat/flat/notes.txt", "flat/flat/real");
        assertThat(frames).extracting(Frame::getEncoding).containsExactly(ImageEncoding.PNG, ImageEncoding.JPEG,
                ImageEncoding.PNG, ImageEncoding.PNG, ImageEncoding.PNG, ImageEncoding.PNG);
        assertThat(frames).extracting(f -> f.getAttributes().get(FrameFactory.ATTR_NOT_AN_IMAGE)).containsExactly(
                "unreadable BMP file", "empty file", "not a JPEG, PNG or BMP file (unknown leading bytes)",
                "not a JPEG, PNG or BMP file (unknown leading bytes)",
                "not a JPEG, PNG or BMP file (unknown leading bytes)", null);
        assertThat(AvroBytes.toArray(frames.get(2).getImage())).isEqualTo("hello".getBytes());
        assertThat(frames.get(1).getImage().remaining()).isZero();
        assertThat(frames.get(2).getWidth()).isNull();
    }

    /** And the job's decoder rejects each of them (a dead letter with a reason), while the real image decodes. */
    @Test
    void theJobsDecoderRejectsEveryFileThatIsNotAnImage() throws Exception {
        Path flat = dir.resolve("flat");
        TestImages.write(flat.resolve("real.png"), "png", 4, 4);
        Files.write(flat.resolve("empty.jpg"), new byte[0]);
        Files.writeString(flat.resolve("notes.txt"), "a note");
        Files.writeString(flat.resolve("logo.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        Files.writeString(flat.resolve("broken.bmp"), "BM but nothing after");
        FrameFactory factory = new FrameFactory("cam-0", false, CLOCK);
        FrameDecoder decoder = new FrameDecoder();
        Map<String, String> outcome = new LinkedHashMap<>();

        for (DatasetItem item : new DatasetScanner().scan(flat, null)) {
            byte[] value = AvroBytes.toArray(Frame.getEncoder().encode(factory.create(item)));
            try {
                decoder.decode(new RawRecord("frames", 0, 0L, 0L, null, value));
                outcome.put(item.name(), "decoded");
            } catch (FrameRejectedException e) {
                assertThat(e.getFrameId()).isEqualTo(item.frameId());
                outcome.put(item.name(), e.getReason().name());
            }
        }

        assertThat(outcome).containsExactly(Map.entry("broken", "CORRUPT_IMAGE"), Map.entry("empty", "EMPTY_IMAGE"),
                Map.entry("logo.svg", "CORRUPT_IMAGE"), Map.entry("notes.txt", "CORRUPT_IMAGE"),
                Map.entry("real", "decoded"));
    }

    private static DatasetItem only(List<DatasetItem> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }

}
