package dev.saaflink.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/**
 * {@code saa camera}'s argument handling. No V4L2 device exists where the tests run, so a device source is checked up
 * to FFmpeg's attempt to open it with the video4linux2 input: the run gives up with a clear error after
 * --max-reconnects failures, never publishing anything (the broker address is never contacted).
 */
class CameraCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = SaaCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static String[] withKafka(String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "camera";
        all[1] = "--bootstrap-servers";
        all[2] = "127.0.0.1:9";
        all[3] = "--topic";
        all[4] = "frames";
        System.arraycopy(args, 0, all, 5, args.length);
        return all;
    }

    @Test
    void aMissingDeviceIsOpenedAsV4l2AndGivenUpOnAfterMaxReconnects() {
        int code = run(withKafka("--source", "/dev/video-saa-test-none", "--no-create-topic", "--max-reconnects", "1",
                "--backoff-initial-ms", "10", "--camera-id", "bench"));

        assertThat(code).as(err.toString()).isEqualTo(1);
        assertThat(err.toString()).contains("camera bench: reading device /dev/video-saa-test-none (video4linux2)")
                .contains("camera bench: cannot open device /dev/video-saa-test-none (video4linux2): No such file or"
                        + " directory (avformat_open_input() error -2: Could not open input")
                .contains("retrying in 10 ms (attempt 2)")
                .contains("error: camera bench: giving up after 2 failed attempts in a row (--max-reconnects 1)");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void usageErrors() {
        assertThat(run(withKafka("--source", "no-such-video.mp4"))).isEqualTo(2);
        assertThat(err.toString()).contains("--source: no such video file: no-such-video.mp4");

        assertThat(run(withKafka("--source", "http://127.0.0.1:1/video.mjpg", "--loop"))).isEqualTo(2);
        assertThat(err.toString()).contains("--loop applies to a video file, not to network source");

        assertThat(run(withKafka("--source", "/dev/video0", "--fps", "-1"))).isEqualTo(2);
        assertThat(err.toString()).contains("--fps must be 0 or more");

        assertThat(run(withKafka("--source", "/dev/video0", "--image-format", "GRAY8"))).isEqualTo(2);
        assertThat(err.toString()).contains("--image-format must be JPEG or PNG");

        assertThat(run(withKafka("--source", "/dev/video0", "--backoff-initial-ms", "500", "--backoff-max-ms", "100")))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--backoff-max-ms at least as large");

        assertThat(run("camera", "--topic", "frames", "--source", "/dev/video0")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--bootstrap-servers'");
    }

    @Test
    void helpListsTheCommand() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("camera");
        assertThat(run("camera", "--help")).isZero();
        assertThat(out.toString()).contains("--stall-timeout-ms", "--source=FILE|URL|DEVICE", "--fps=N");
    }
}
