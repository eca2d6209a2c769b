package dev.saaflink.jobs.camera;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

/**
 * The loop behind {@code saa camera}: grabs pictures from a {@link CameraSource}, keeps at most {@code fps} of them
 * a second, encodes them as frames and hands them one at a time to a publisher thread, while watching the source.
 *
 * <p>A live source that goes silent for the stall timeout (FFmpeg's socket timeout makes the read return), ends its
 * stream or fails a read is closed and opened again, at once and then with exponential backoff while opening fails
 * or a connection brings no frame. The interruption is logged when it is seen, and the gap, from the last frame
 * before it to the first one after it, is logged and counted in {@link CameraMetrics} once frames flow again. A file
 * ends the run at its end (or starts over with {@code loop}); a file that cannot be read fails the run.
 *
 * <p>Capture time: for a live source the wall clock when the picture was grabbed, for a file the wall clock at the
 * start of the pass plus the picture's timestamp in the file; either way strictly increasing within a run (a burst of
 * pictures grabbed within one millisecond is spread by one millisecond each). Frame ids are {@code
 * <camera>/<run start, epoch ms>/<sequence>}: unique across reconnects, passes and restarts of the command.
 *
 * <p>Memory is bounded by one frame waiting in a {@link FrameSlot} plus the one the publisher is sending.
 */
public final class CameraIngest {

    /** Why a live connection ended. */
    public enum Interruption {
        STALL("stall"), END_OF_STREAM("end of stream"), READ_ERROR("read error");

        private final String label;

        Interruption(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Where frames go; returns once the frame is stored (acknowledged), so that one frame at a time is in flight. */
    @FunctionalInterface
    public interface FrameSink {
        void publish(Frame frame) throws Exception;
    }

    /** A read that took at least this share of the stall timeout before failing is the timeout firing: a stall. */
    private static final double STALL_SHARE = 0.9;
    private static final long TICK_MILLIS = 200;

    private final Settings settings;
    private final FrameSink sink;
    private final CameraMetrics metrics;
    private final Consumer<String> events;
    private final Runnable tick;
    private final Clock clock;
    private final FrameSlot slot = new FrameSlot();
    private final ImageEncoder encoder;
    private final Backoff backoff;
    private final RateGate gate;
    private final long runId;
    private final AtomicReference<Exception> publishFailure = new AtomicReference<>();
    private volatile boolean stopRequested;

    // grabber-thread state
    private long sequence;
    private long lastCaptureMillis = Long.MIN_VALUE;
    private long lastFrameNanos;
    private boolean anyFrame;
    private Interruption pendingGap;
    private int attemptsSinceInterruption;
    private int failuresInRow;
    private int connectionIndex;

    private CameraIngest(Builder b) {
        this.settings = b.settings();
        this.sink = Objects.requireNonNull(b.sink, "sink");
        this.metrics = b.metrics;
        this.events = b.events;
        this.tick = b.tick;
        this.clock = b.clock;
        this.encoder = new ImageEncoder(settings.encoding, settings.jpegQuality);
        this.backoff = new Backoff(settings.backoffInitial, settings.backoffMax);
        this.gate = new RateGate(settings.fps);
        this.runId = clock.millis();
    }

    public static Builder builder(CameraSource source, String cameraId, String category) {
        return new Builder(source, cameraId, category);
    }

    /**
     * Runs until the file ends, {@code maxFrames} are published, {@link #stop()} is called or the source is given up
     * on; returns normally in the first three cases.
     *
     * @throws IOException when a file cannot be read, or a live source could not be opened {@code maxReconnects + 1}
     *         times in a row
     * @throws IllegalStateException when publishing failed
     */
    public void run() throws IOException, InterruptedException {
        Thread publisher = new Thread(this::publishLoop, "camera-publisher-" + settings.cameraId);
        publisher.setDaemon(true);
        publisher.start();
        try {
            grabLoop();
        } finally {
            if (stopRequested && slot.clear()) {
                metrics.frameDroppedBusy();
            }
            slot.close();
            publisher.join();
        }
        Exception failure = publishFailure.get();
        if (failure != null) {
            throw failure instanceof IllegalStateException ise ? ise
                    : new IllegalStateException("publishing frames failed: " + failure.getMessage(), failure);
        }
    }

    /** Asks the run to end after the read in progress (at most the stall timeout for a network source). */
    public void stop() {
        stopRequested = true;
    }

    private void publishLoop() {
        try {
            Frame frame;
            while ((frame = slot.take()) != null) {
                sink.publish(frame);
                metrics.framePublished();
                if (settings.maxFrames > 0 && metrics.published() >= settings.maxFrames) {
                    stopRequested = true;
                    slot.close();
                    return;
                }
            }
        } catch (Exception e) {
            publishFailure.compareAndSet(null, e);
            stopRequested = true;
            slot.close();
        }
    }

    private void grabLoop() throws IOException, InterruptedException {
        while (!stopRequested) {
            VideoConnection connection;
            try {
                connection = VideoConnection.open(settings.source, settings.stallTimeout);
            } catch (IOException e) {
                metrics.attemptFailed();
                attemptsSinceInterruption++;
                if (!settings.source.live()) {
                    throw new IOException("cannot open " + settings.source + ": " + e.getMessage(), e);
                }
                waitBeforeRetry("cannot open " + settings.source + ": " + e.getMessage());
                continue;
            }
            connectionIndex++;
            attemptsSinceInterruption++;
            boolean hadFrames;
            Outcome outcome;
            try (connection) {
                long framesBefore = metrics.grabbed();
                outcome = read(connection);
                hadFrames = metrics.grabbed() > framesBefore;
            }
            if (outcome == Outcome.DONE) {
                return;
            }
            if (!hadFrames && !stopRequested) {
                // a source that accepts and then delivers nothing must not be re-opened in a tight loop
                waitBeforeRetry("connection " + connectionIndex + " to " + settings.source.redacted()
                        + " brought no frame");
            }
        }
    }

    /** What ended a connection from the run's point of view. */
    private enum Outcome { DONE, RECONNECT }

    private Outcome read(VideoConnection connection) throws IOException, InterruptedException {
        boolean file = !settings.source.live();
        long passStartNanos = System.nanoTime();
        long passBaseMillis = Math.max(clock.millis(), lastCaptureMillis + 1);
        long firstTimestampMicros = Long.MIN_VALUE;
        if (file) {
            gate.restart();
        }
        while (!stopRequested) {
            tick.run();
            long before = System.nanoTime();
            VideoConnection.Picture picture;
            try {
                picture = connection.next();
            } catch (IOException e) {
                if (file) {
                    throw new IOException("reading " + settings.source.redacted() + " failed: " + e.getMessage(), e);
                }
                interrupted(tookStallTimeout(before) ? Interruption.STALL : Interruption.READ_ERROR, e.getMessage());
                return Outcome.RECONNECT;
            }
            long now = System.nanoTime();
            if (picture == null) {
                if (file) {
                    if (settings.loop && metrics.grabbed() > 0) {
                        return Outcome.RECONNECT;
                    }
                    return Outcome.DONE;
                }
                interrupted(tookStallTimeout(before) ? Interruption.STALL : Interruption.END_OF_STREAM, null);
                return Outcome.RECONNECT;
            }
            frameArrived(now);
            if (firstTimestampMicros == Long.MIN_VALUE) {
                firstTimestampMicros = picture.timestampMicros();
            }
            long offsetMicros = Math.max(0, picture.timestampMicros() - firstTimestampMicros);
            long frameClockNanos = file ? offsetMicros * 1000 : now;
            if (!gate.admit(frameClockNanos)) {
                metrics.frameDroppedByRate();
                continue;
            }
            long captureMillis = file ? passBaseMillis + offsetMicros / 1000 : clock.millis();
            if (file && settings.realtime && !sleepUntil(passStartNanos + offsetMicros * 1000)) {
                return Outcome.DONE;
            }
            Frame frame = frame(picture, captureMillis);
            if (file && !settings.realtime) {
                if (!slot.put(frame)) {
                    return Outcome.DONE;
                }
            } else if (slot.replace(frame)) {
                metrics.frameDroppedBusy();
            }
        }
        return Outcome.DONE;
    }

    private boolean tookStallTimeout(long startNanos) {
        return System.nanoTime() - startNanos >= (long) (settings.stallTimeout.toNanos() * STALL_SHARE);
    }

    private void frameArrived(long nowNanos) {
        if (pendingGap != null) {
            long gapMillis = (nowNanos - lastFrameNanos) / 1_000_000;
            metrics.gapClosed(gapMillis);
            events.accept(String.format(Locale.ROOT,
                    "camera %s: no frames for %d ms (%s), reconnected after %d attempt%s", settings.cameraId,
                    gapMillis, pendingGap.label(), attemptsSinceInterruption,
                    attemptsSinceInterruption == 1 ? "" : "s"));
            pendingGap = null;
        }
        attemptsSinceInterruption = 0;
        failuresInRow = 0;
        backoff.reset();
        anyFrame = true;
        lastFrameNanos = nowNanos;
        metrics.frameGrabbed();
    }

    private void interrupted(Interruption reason, String detail) {
        if (anyFrame && pendingGap == null) {
            pendingGap = reason;
            attemptsSinceInterruption = 0;
        }
        long silentMillis = anyFrame ? (System.nanoTime() - lastFrameNanos) / 1_000_000 : -1;
        events.accept(String.format(Locale.ROOT, "camera %s: %s on connection %d%s%s; reconnecting",
                settings.cameraId, reason.label(), connectionIndex,
                silentMillis >= 0 ? " (last frame " + silentMillis + " ms ago)" : "",
                detail == null || detail.isBlank() ? "" : ": " + detail.strip()));
    }

    /** Counts a failed attempt and sleeps the backoff delay, or gives up after --max-reconnects failures in a row. */
    private void waitBeforeRetry(String why) throws IOException, InterruptedException {
        failuresInRow++;
        if (settings.maxReconnects >= 0 && failuresInRow > settings.maxReconnects) {
            throw new IOException("camera " + settings.cameraId + ": giving up after " + failuresInRow
                    + " failed attempt" + (failuresInRow == 1 ? "" : "s") + " in a row (--max-reconnects "
                    + settings.maxReconnects + "); last: " + why);
        }
        long delay = backoff.nextDelayMillis();
        events.accept(String.format(Locale.ROOT, "camera %s: %s; retrying in %d ms (attempt %d)",
                settings.cameraId, why, delay, failuresInRow + 1));
        sleepUntil(System.nanoTime() + delay * 1_000_000);
    }

    /** Sleeps until the nanoTime deadline, printing progress meanwhile; false when asked to stop first. */
    private boolean sleepUntil(long deadlineNanos) throws InterruptedException {
        while (!stopRequested) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            tick.run();
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TICK_MILLIS * 1_000_000));
        }
        return false;
    }

    private Frame frame(VideoConnection.Picture picture, long captureMillis) throws IOException {
        long capture = Math.max(captureMillis, lastCaptureMillis + 1); // strictly increasing within the run
        lastCaptureMillis = capture;
        byte[] bytes = encoder.encode(picture.image());
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("source", settings.source.redacted());
        attributes.put("connection", Integer.toString(connectionIndex));
        attributes.put("sourceTimestampMicros", Long.toString(picture.timestampMicros()));
        return Frame.newBuilder()
                .setCameraId(settings.cameraId)
                .setFrameId(settings.cameraId + "/" + runId + "/" + sequence++)
                .setCategory(settings.category)
                .setCaptureTimeMillis(capture)
                .setEncoding(encoder.encoding())
                .setWidth(picture.image().getWidth())
                .setHeight(picture.image().getHeight())
                .setImage(ByteBuffer.wrap(bytes))
                .setGroundTruthMask(null)
                .setAttributes(new LinkedHashMap<>(attributes))
                .build();
    }

    /** The fixed settings of a run. */
    record Settings(CameraSource source, String cameraId, String category, double fps, Duration stallTimeout,
                    Duration backoffInitial, Duration backoffMax, int maxReconnects, long maxFrames, boolean loop,
                    boolean realtime, ImageEncoding encoding, float jpegQuality) {}

    /** Settings and collaborators of a {@link CameraIngest}. */
    public static final class Builder {
        private final CameraSource source;
        private final String cameraId;
        private final String category;
        private double fps;
        private Duration stallTimeout = Duration.ofSeconds(5);
        private Duration backoffInitial = Duration.ofMillis(500);
        private Duration backoffMax = Duration.ofSeconds(30);
        private int maxReconnects = -1;
        private long maxFrames;
        private boolean loop;
        private boolean realtime = true;
        private ImageEncoding encoding = ImageEncoding.JPEG;
        private float jpegQuality = 0.9f;
        private FrameSink sink;
        private CameraMetrics metrics = new CameraMetrics();
        private Consumer<String> events = line -> { };
        private Runnable tick = () -> { };
        private Clock clock = Clock.systemUTC();

        private Builder(CameraSource source, String cameraId, String category) {
            this.source = Objects.requireNonNull(source, "source");
            this.cameraId = Objects.requireNonNull(cameraId, "cameraId");
            this.category = Objects.requireNonNull(category, "category");
        }

        /** Frames per second kept; 0 keeps every frame. */
        public Builder fps(double value) {
            this.fps = value;
            return this;
        }

        public Builder stallTimeout(Duration value) {
            this.stallTimeout = value;
            return this;
        }

        public Builder backoff(Duration initial, Duration max) {
            this.backoffInitial = initial;
            this.backoffMax = max;
            return this;
        }

        /** Failed attempts in a row before giving up; negative: never give up. */
        public Builder maxReconnects(int value) {
            this.maxReconnects = value;
            return this;
        }

        /** Stop after this many published frames; 0: no limit. */
        public Builder maxFrames(long value) {
            this.maxFrames = value;
            return this;
        }

        /** A file starts over at its end. */
        public Builder loop(boolean value) {
            this.loop = value;
            return this;
        }

        /** A file plays at its own speed (true) or as fast as it decodes and the broker takes it (false). */
        public Builder realtime(boolean value) {
            this.realtime = value;
            return this;
        }

        public Builder encoding(ImageEncoding value, float quality) {
            this.encoding = value;
            this.jpegQuality = quality;
            return this;
        }

        public Builder sink(FrameSink value) {
            this.sink = value;
            return this;
        }

        public Builder metrics(CameraMetrics value) {
            this.metrics = Objects.requireNonNull(value);
            return this;
        }

        /** Receives the interruption, gap and retry lines. */
        public Builder events(Consumer<String> value) {
            this.events = Objects.requireNonNull(value);
            return this;
        }

        /** Called often from the grabber thread, also while waiting: a place to print progress. */
        public Builder tick(Runnable value) {
            this.tick = Objects.requireNonNull(value);
            return this;
        }

        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value);
            return this;
        }

        Settings settings() {
            if (fps < 0 || !Double.isFinite(fps)) {
                throw new IllegalArgumentException("fps must be 0 or more, got " + fps);
            }
            if (stallTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("stall timeout must be at least 1 ms");
            }
            if (maxFrames < 0) {
                throw new IllegalArgumentException("max frames must be 0 or more, got " + maxFrames);
            }
            return new Settings(source, cameraId, category, fps, stallTimeout, backoffInitial, backoffMax,
                    maxReconnects, maxFrames, loop, realtime, encoding, jpegQuality);
        }

        public CameraIngest build() {
            return new CameraIngest(this);
        }
    }
}
