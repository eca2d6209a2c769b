package dev.saaflink.jobs.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import dev.saaflink.jobs.camera.CameraIngest;
import dev.saaflink.jobs.camera.CameraMetrics;
import dev.saaflink.jobs.camera.CameraSource;
import dev.saaflink.jobs.camera.VideoConnection;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.jobs.ingest.FramePublisher;
import dev.saaflink.jobs.kafka.KafkaClientSettings;
import dev.saaflink.schemas.ImageEncoding;

/**
 * {@code saa camera}: publishes the pictures of a video file, a network stream (RTSP, MJPEG over HTTP) or a V4L2
 * device to a Kafka topic as frames, at most {@code --fps} a second, reconnecting a live source that stalls or ends
 * and reporting each gap. A client-side tool: it runs next to the camera, never inside the Flink job, and its FFmpeg
 * natives are not in the job jar.
 */
@Command(name = "camera",
        mixinStandardHelpOptions = true,
        description = {"Publish the frames of a video file, an RTSP or HTTP (MJPEG) stream or a V4L2 device to a Kafka"
                + " topic as Avro frames (JPEG by default), at most --fps a second.",
                "A live source (URL or device) that stalls (no data for --stall-timeout-ms), ends its stream or fails"
                        + " is reconnected with exponential backoff; each gap is logged on stderr and counted in the"
                        + " progress line and the summary. A file ends the run at its end unless --loop."},
        footer = {"", "Examples:",
                "  saa camera --source rtsp://user:pass@10.0.0.7/stream1 --camera-id line1 --category bottle"
                        + " --fps 2 --bootstrap-servers localhost:9092 --topic frames",
                "  saa camera --source http://127.0.0.1:8080/video.mjpg --camera-id cam-2 --fps 1"
                        + " --bootstrap-servers localhost:9092 --topic frames",
                "  saa camera --source /dev/video0 --ffmpeg-option video_size=1280x720 --camera-id bench"
                        + " --bootstrap-servers localhost:9092 --topic frames",
                "  saa camera --source line1.mp4 --no-realtime --fps 0 --bootstrap-servers localhost:9092"
                        + " --topic frames"})
public final class CameraCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--source", required = true, paramLabel = "FILE|URL|DEVICE",
            description = "A video file, a stream URL (rtsp://, http://...) or a capture device (/dev/video0).")
    String source;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to publish to.")
    String topic;

    @Option(names = "--camera-id", paramLabel = "ID", defaultValue = FrameFactory.DEFAULT_CAMERA_ID,
            description = "Camera id, also the record key (default: ${DEFAULT-VALUE}).")
    String cameraId;

    @Option(names = "--category", paramLabel = "C", defaultValue = "default",
            description = "Category of every frame; selects the inspection config (default: ${DEFAULT-VALUE}).")
    String category;

    @Option(names = "--fps", paramLabel = "N", defaultValue = "1",
            description = "Frames per second published at most; the frames in between are dropped (counted)."
                    + " 0 publishes every frame (default: ${DEFAULT-VALUE}).")
    double fps;

    @Option(names = "--format", paramLabel = "FMT",
            description = "FFmpeg input format, when probing is not enough (mjpeg, mpjpeg, video4linux2 or v4l2...).")
    String format;

    @Option(names = "--ffmpeg-option", paramLabel = "KEY=VALUE",
            description = "FFmpeg input option; repeatable (e.g. video_size=1280x720, input_format=mjpeg for V4L2,"
                    + " rtsp_transport=udp).")
    Map<String, String> ffmpegOptions = new LinkedHashMap<>();

    @Option(names = "--stall-timeout-ms", paramLabel = "MS", defaultValue = "5000",
            description = "A live source silent this long is a stall and is reconnected (default: ${DEFAULT-VALUE}).")
    long stallTimeoutMs;

    @Option(names = "--backoff-initial-ms", paramLabel = "MS", defaultValue = "500",
            description = "First delay between failed reconnect attempts; doubles each time (default: ${DEFAULT-VALUE}).")
    long backoffInitialMs;

    @Option(names = "--backoff-max-ms", paramLabel = "MS", defaultValue = "30000",
            description = "Longest delay between reconnect attempts (default: ${DEFAULT-VALUE}).")
    long backoffMaxMs;

    @Option(names = "--max-reconnects", paramLabel = "N", defaultValue = "-1",
            description = "Give up (exit 1) after N failed attempts in a row; -1 never gives up (default: ${DEFAULT-VALUE}).")
    int maxReconnects;

    @Option(names = "--max-frames", paramLabel = "N", defaultValue = "0",
            description = "Stop after N published frames; 0 runs until the file ends or Ctrl-C (default: ${DEFAULT-VALUE}).")
    long maxFrames;

    @Option(names = "--loop", description = "Start a video file over at its end.")
    boolean loop;

    @Option(names = "--realtime", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Play a video file at its own speed (default); --no-realtime publishes it as fast as it"
                    + " decodes, every kept frame, none dropped for a busy broker.")
    boolean realtime;

    @Option(names = "--image-format", paramLabel = "JPEG|PNG", defaultValue = "JPEG",
            description = "Encoding of the published images (default: ${DEFAULT-VALUE}).")
    ImageEncoding imageFormat;

    @Option(names = "--jpeg-quality", paramLabel = "Q", defaultValue = "0.9",
            description = "JPEG quality, above 0 up to 1 (default: ${DEFAULT-VALUE}).")
    float jpegQuality;

    @Mixin
    TopicCreationOptions topicCreation;

    @Override
    public Integer call() throws Exception {
        CameraSource camera = validate();
        Map<String, String> clientProperties = kafka.clientProperties();
        if (!clientProperties.isEmpty()) {
            err().println("camera: Kafka client settings: " + KafkaClientSettings.describe(clientProperties));
        }
        VideoConnection.configureLogging(SaaCli.showStackTraces());
        topicCreation.ensure(kafka.bootstrapServers(), topic, clientProperties, err());

        CameraMetrics metrics = new CameraMetrics();
        Duration stallTimeout = Duration.ofMillis(stallTimeoutMs);
        Progress progress = new Progress("camera " + cameraId, "frames", maxFrames > 0 ? maxFrames : -1)
                .details(() -> details(metrics, camera));
        err().println("camera " + cameraId + ": reading " + camera + ", publishing at most "
                + (fps > 0 ? fps + " frames/s" : "every frame") + " to topic '" + topic + "'");
        try (FramePublisher publisher = FramePublisher.builder(kafka.bootstrapServers(), topic)
                .clientProperties(clientProperties)
                .progress(progress)
                .build()) {
            CameraIngest ingest = CameraIngest.builder(camera, cameraId, category)
                    .fps(fps)
                    .stallTimeout(stallTimeout)
                    .backoff(Duration.ofMillis(backoffInitialMs), Duration.ofMillis(backoffMaxMs))
                    .maxReconnects(maxReconnects)
                    .maxFrames(maxFrames)
                    .loop(loop)
                    .realtime(realtime)
                    .encoding(imageFormat, jpegQuality)
                    .sink(frame -> {
                        // one frame in flight: wait for its acknowledgement before taking the next
                        publisher.publish(frame);
                        publisher.flush();
                    })
                    .metrics(metrics)
                    .events(line -> err().println(line))
                    .tick(progress::maybePrint)
                    .build();
            CountDownLatch done = new CountDownLatch(1);
            Thread hook = new Thread(() -> stopAndWait(ingest, done, stallTimeout), "camera-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                ingest.run();
                publisher.flush();
                progress.finish();
                out().println(summary(publisher, progress, metrics, camera));
                out().flush();
            } finally {
                done.countDown();
                removeHook(hook);
            }
        }
        return 0;
    }

    private CameraSource validate() {
        kafka.bootstrapServers(); // a usage error when missing, before the source is looked at
        if (fps < 0 || !Double.isFinite(fps)) {
            throw usage("--fps must be 0 or more, got " + fps);
        }
        if (stallTimeoutMs < 1) {
            throw usage("--stall-timeout-ms must be 1 or more, got " + stallTimeoutMs);
        }
        if (backoffInitialMs < 1 || backoffMaxMs < backoffInitialMs) {
            throw usage("--backoff-initial-ms must be 1 or more and --backoff-max-ms at least as large, got "
                    + backoffInitialMs + " and " + backoffMaxMs);
        }
        if (maxFrames < 0) {
            throw usage("--max-frames must be 0 or more, got " + maxFrames);
        }
        if (imageFormat != ImageEncoding.JPEG && imageFormat != ImageEncoding.PNG) {
            throw usage("--image-format must be JPEG or PNG, got " + imageFormat);
        }
        if (!(jpegQuality > 0 && jpegQuality <= 1)) {
            throw usage("--jpeg-quality must be above 0 and at most 1, got " + jpegQuality);
        }
        topicCreation.validate();
        CameraSource camera;
        try {
            camera = CameraSource.parse(source, format, ffmpegOptions);
        } catch (IllegalArgumentException e) {
            throw usage("--source: " + e.getMessage());
        }
        if (loop && camera.live()) {
            throw usage("--loop applies to a video file, not to " + camera.kind().name().toLowerCase(Locale.ROOT)
                    + " source " + camera.redacted());
        }
        return camera;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** The progress line's tail: the counters, and how long the source has been silent once that passes the timeout. */
    private String details(CameraMetrics metrics, CameraSource camera) {
        String counters = metrics.describe();
        long silent = metrics.millisSinceLastFrame();
        if (camera.live() && silent > stallTimeoutMs) {
            counters += String.format(Locale.ROOT, ", no frame for %.1f s", silent / 1000.0);
        }
        return counters;
    }

    /**
     * Ctrl-C: let the run end after the current read, so that the frame being sent is acknowledged and the summary
     * printed before the JVM goes (it goes once this hook returns).
     */
    private static void stopAndWait(CameraIngest ingest, CountDownLatch done, Duration stallTimeout) {
        ingest.stop();
        try {
            done.await(stallTimeout.plusSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down (Ctrl-C): the hook is running
        }
    }

    private String summary(FramePublisher publisher, Progress progress, CameraMetrics metrics, CameraSource camera) {
        double seconds = progress.elapsed().toNanos() / 1e9;
        return String.format(Locale.ROOT, "camera %s: published %d frames (%.1f MB) from %s to topic '%s' at %s"
                        + " in %.1f s (%.1f frames/s); %s", cameraId, publisher.acknowledged(),
                publisher.bytesSent() / 1e6, camera.redacted(), topic, kafka.bootstrapServers(), seconds,
                seconds > 0 ? publisher.acknowledged() / seconds : 0.0, metrics.describe());
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
