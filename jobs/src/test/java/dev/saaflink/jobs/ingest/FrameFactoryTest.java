package dev.saaflink.jobs.ingest;

import dev.saaflink.schemas.AvroBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void unknownContentIsRejected() throws IOException {
        Path fake = dir.resolve("flat/fake.png");
        Files.createDirectories(fake.getParent());
        Files.writeString(fake, "hello");
        DatasetItem item = only(new DatasetScanner().scan(fake.getParent(), null));
        assertThatThrownBy(() -> new FrameFactory("cam-0", false, CLOCK).create(item))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a JPEG, PNG or BMP");
    }

    private static DatasetItem only(List<DatasetItem> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }

}
