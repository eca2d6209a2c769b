package dev.saaflink.jobs.camera;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

/**
 * A video written by FFmpeg from the sample images is read back by the camera command's own grabber and loop: every
 * frame, in order, close to the picture it was made from, with increasing timestamps; and the loop's rate limit and
 * file timing on top of that.
 */
class VideoRoundTripTest {

    private static final int WIDTH = 320;
    private static final int HEIGHT = 240;
    private static final double FPS = 5;

    @TempDir
    static Path dir;

    private static List<BufferedImage> images;
    private static Path video;

    @BeforeAll
    static void writeVideo() throws Exception {
        VideoConnection.configureLogging(false);
        images = SampleVideo.sampleImages(WIDTH, HEIGHT);
        assertThat(images).hasSize(7);
        video = SampleVideo.writeVideo(dir.resolve("samples.mkv"), images, FPS);
    }

    @Test
    void everyFrameComesBackInOrderAndCloseToItsPicture() throws Exception {
        List<BufferedImage> read = new ArrayList<>();
        List<Long> timestamps = new ArrayList<>();
        try (VideoConnection connection = VideoConnection.open(CameraSource.parse(video.toString(), null, Map.of()),
                Duration.ofSeconds(5))) {
            assertThat(connection.frameRate()).isEqualTo(FPS);
            VideoConnection.Picture picture;
            while ((picture = connection.next()) != null && read.size() < 100) {
                read.add(SampleVideo.copy(picture.image()));
                timestamps.add(picture.timestampMicros());
            }
        }

        assertThat(read).hasSize(images.size());
        for (int i = 0; i < read.size(); i++) {
            assertThat(read.get(i).getWidth()).isEqualTo(WIDTH);
            assertThat(read.get(i).getHeight()).isEqualTo(HEIGHT);
            double own = SampleVideo.meanAbsDiff(read.get(i), images.get(i));
            System.out.printf(java.util.Locale.ROOT, "frame %d: mean abs diff %.2f to its picture%n", i, own);
            assertThat(own).as("mean abs diff of frame %d to its picture", i).isLessThan(4.0);
            for (int j = 0; j < images.size(); j++) {
                if (j != i) {
                    // the pictures differ enough that a swapped or repeated frame would show
                    assertThat(SampleVideo.meanAbsDiff(read.get(i), images.get(j)))
                            .as("frame %d against picture %d", i, j).isGreaterThan(own + 5);
                }
            }
        }
        for (int i = 0; i < timestamps.size(); i++) {
            // 5 fps: 200 ms apart, to the millisecond
            assertThat(timestamps.get(i) - timestamps.get(0)).isCloseTo(i * 200_000L,
                    org.assertj.core.data.Offset.offset(1_000L));
        }
    }

    @Test
    void theLoopPublishesEveryFrameOfAFileWithCaptureTimesFromTheVideo() throws Exception {
        List<Frame> frames = new ArrayList<>();
        CameraMetrics metrics = new CameraMetrics();
        CameraIngest.builder(CameraSource.parse(video.toString(), null, Map.of()), "cam-file", "mtd")
                .fps(0)
                .realtime(false)
                .sink(frames::add)
                .metrics(metrics)
                .build()
                .run();

        assertThat(frames).hasSize(7);
        assertThat(metrics.grabbed()).isEqualTo(7);
        assertThat(metrics.published()).isEqualTo(7);
        assertThat(new HashSet<>(frames.stream().map(Frame::getFrameId).toList())).hasSize(7);
        long first = frames.get(0).getCaptureTimeMillis();
        for (int i = 0; i < frames.size(); i++) {
            Frame f = frames.get(i);
            assertThat(f.getCaptureTimeMillis() - first).isEqualTo(i * 200L);
            assertThat(f.getEncoding()).isEqualTo(ImageEncoding.JPEG);
            assertThat(f.getCameraId()).isEqualTo("cam-file");
            assertThat(f.getCategory()).isEqualTo("mtd");
            assertThat(f.getWidth()).isEqualTo(WIDTH);
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(f.getImage().array()));
            assertThat(SampleVideo.meanAbsDiff(decoded, images.get(i))).isLessThan(6.0);
        }
    }

    @Test
    void theRateLimitKeepsEveryOtherFrameOfA5FpsVideoAt2Point5() throws Exception {
        List<Frame> frames = new ArrayList<>();
        CameraMetrics metrics = new CameraMetrics();
        CameraIngest.builder(CameraSource.parse(video.toString(), null, Map.of()), "cam-file", "mtd")
                .fps(2.5)
                .realtime(false)
                .sink(frames::add)
                .metrics(metrics)
                .build()
                .run();

        assertThat(frames).extracting(f -> f.getAttributes().get("sourceTimestampMicros"))
                .hasSize(4);
        long first = frames.get(0).getCaptureTimeMillis();
        assertThat(frames).extracting(f -> f.getCaptureTimeMillis() - first).containsExactly(0L, 400L, 800L, 1200L);
        assertThat(metrics.droppedByRate()).isEqualTo(3);
    }

    @Test
    void realtimePlaysTheFileAtItsOwnSpeed() throws Exception {
        List<Frame> frames = new ArrayList<>();
        long start = System.nanoTime();
        CameraIngest.builder(CameraSource.parse(video.toString(), null, Map.of()), "cam-file", "mtd")
                .fps(0)
                .sink(frames::add)
                .build()
                .run();
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(frames).hasSize(7);
        // the last frame is due 6 x 200 ms after the first
        assertThat(millis).isGreaterThanOrEqualTo(1_150);
    }

    /**
     * A broker slower than the camera: frames are replaced in the one-frame slot and counted, never queued, so the
     * memory of a run stays at one waiting frame plus the one being sent however far the broker falls behind.
     */
    @Test
    void aSlowBrokerDropsFramesInsteadOfQueueingThem() throws Exception {
        List<Frame> frames = new ArrayList<>();
        CameraMetrics metrics = new CameraMetrics();
        CameraIngest.builder(CameraSource.parse(video.toString(), null, Map.of()), "cam-file", "mtd")
                .fps(0)
                .sink(frame -> {
                    frames.add(frame);
                    Thread.sleep(450); // the camera sends one every 200 ms
                })
                .metrics(metrics)
                .build()
                .run();

        assertThat(metrics.grabbed()).isEqualTo(7);
        assertThat(metrics.droppedBusy()).isGreaterThanOrEqualTo(2);
        assertThat(metrics.published() + metrics.droppedBusy()).isEqualTo(7);
        assertThat(frames).hasSize((int) metrics.published());
        // what was published is in capture order and includes the newest frame, the one worth inspecting
        assertThat(frames).extracting(Frame::getCaptureTimeMillis).isSorted();
        assertThat(frames.get(frames.size() - 1).getAttributes()).containsEntry("sourceTimestampMicros", "1200000");
    }

    @Test
    void loopStartsTheFileOverWithCaptureTimesThatKeepGrowing() throws Exception {
        List<Frame> frames = new ArrayList<>();
        CameraIngest.builder(CameraSource.parse(video.toString(), null, Map.of()), "cam-file", "mtd")
                .fps(0)
                .realtime(false)
                .loop(true)
                .maxFrames(10)
                .sink(frames::add)
                .build()
                .run();

        assertThat(frames).hasSize(10);
        assertThat(frames).extracting(f -> f.getAttributes().get("connection"))
                .containsExactly("1", "1", "1", "1", "1", "1", "1", "2", "2", "2");
        assertThat(new HashSet<>(frames.stream().map(Frame::getFrameId).toList())).hasSize(10);
        for (int i = 1; i < frames.size(); i++) {
            assertThat(frames.get(i).getCaptureTimeMillis()).isGreaterThan(frames.get(i - 1).getCaptureTimeMillis());
        }
    }
}
