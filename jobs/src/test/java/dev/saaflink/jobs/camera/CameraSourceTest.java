package dev.saaflink.jobs.camera;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CameraSourceTest {

    @TempDir
    Path dir;

    @Test
    void rtspGetsTcpAndSocketTimeoutsFromTheStallTimeout() {
        CameraSource source = CameraSource.parse("rtsp://10.0.0.7:554/stream1", null, Map.of());

        assertThat(source.kind()).isEqualTo(CameraSource.Kind.NETWORK);
        assertThat(source.live()).isTrue();
        assertThat(source.format()).isNull();
        assertThat(source.ffmpegOptions(Duration.ofMillis(2500))).containsEntry("rtsp_transport", "tcp")
                .containsEntry("timeout", "2500000").containsEntry("rw_timeout", "2500000");
    }

    @Test
    void httpGetsTheTimeoutsButNotRtspOptionsAndTheUserOverrides() {
        CameraSource source = CameraSource.parse("http://127.0.0.1:8080/video.mjpg", "mpjpeg",
                Map.of("timeout", "9", "reconnect", "0"));

        assertThat(source.format()).isEqualTo("mpjpeg");
        assertThat(source.ffmpegOptions(Duration.ofSeconds(5))).doesNotContainKey("rtsp_transport")
                .containsEntry("rw_timeout", "5000000").containsEntry("timeout", "9").containsEntry("reconnect", "0");
    }

    @Test
    void aDevicePathIsV4l2AndSoIsTheAlias() {
        CameraSource device = CameraSource.parse("/dev/video0", null, Map.of("video_size", "1280x720"));
        assertThat(device.kind()).isEqualTo(CameraSource.Kind.DEVICE);
        assertThat(device.live()).isTrue();
        assertThat(device.format()).isEqualTo(CameraSource.V4L2_FORMAT);
        // no socket timeouts for a device: they are not its options
        assertThat(device.ffmpegOptions(Duration.ofSeconds(5))).containsExactly(Map.entry("video_size", "1280x720"));

        CameraSource alias = CameraSource.parse("/some/where/else", "v4l2", Map.of());
        assertThat(alias.kind()).isEqualTo(CameraSource.Kind.DEVICE);
        assertThat(alias.format()).isEqualTo("video4linux2");
        assertThat(alias.toString()).isEqualTo("device /some/where/else (video4linux2)");
    }

    @Test
    void aFileMustExistAndEnds() throws Exception {
        Path video = Files.write(dir.resolve("line1.mp4"), new byte[] {1});
        CameraSource file = CameraSource.parse(video.toString(), null, Map.of());
        assertThat(file.kind()).isEqualTo(CameraSource.Kind.FILE);
        assertThat(file.live()).isFalse();
        assertThat(file.ffmpegOptions(Duration.ofSeconds(5))).isEmpty();
        assertThat(CameraSource.parse(video.toUri().toString(), null, Map.of()).input()).isEqualTo(video.toString());

        assertThatThrownBy(() -> CameraSource.parse(dir.resolve("missing.mp4").toString(), null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no such video file");
        assertThatThrownBy(() -> CameraSource.parse("  ", null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }

    @Test
    void aPasswordInTheUrlIsNeverPrinted() {
        CameraSource source = CameraSource.parse("rtsp://admin:s3cret@10.0.0.7:554/stream1?channel=2", null, Map.of());

        assertThat(source.input()).contains("s3cret");
        assertThat(source.redacted()).isEqualTo("rtsp://***@10.0.0.7:554/stream1?channel=2");
        assertThat(source.toString()).doesNotContain("s3cret");
        assertThat(VideoConnection.describe(new java.io.IOException("avformat_open_input() error -111: Could not open"
                + " input \"rtsp://admin:s3cret@10.0.0.7:554/stream1?channel=2\". (Has setFormat() been called?)"),
                source)).isEqualTo("Connection refused (avformat_open_input() error -111: Could not open input"
                + " \"rtsp://***@10.0.0.7:554/stream1?channel=2\".)");
    }
}
