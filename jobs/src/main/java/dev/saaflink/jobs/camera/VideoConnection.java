package dev.saaflink.jobs.camera;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegLogCallback;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;

/**
 * One open connection to a {@link CameraSource}, decoded by FFmpeg (JavaCV's grabber: FFmpeg's own demuxers and
 * decoders, shipped as natives inside Maven jars, so nothing is decoded by hand here). Each {@link #next()} returns
 * the next video picture as a BGR image. Not thread-safe; one grabber thread owns it.
 */
public final class VideoConnection implements AutoCloseable {

    /**
     * A decoded picture and its presentation time in the source. The copy into a Java image is made only when
     * {@link #image()} is asked for, so frames the rate limit drops cost no copy; ask before the next {@link #next()}.
     */
    public final class Picture {
        private final Frame frame;
        private BufferedImage image;

        private Picture(Frame frame) {
            this.frame = frame;
        }

        public long timestampMicros() {
            return frame.timestamp;
        }

        public BufferedImage image() {
            if (image == null) {
                image = converter.convert(frame);
            }
            return image;
        }
    }

    /** How JavaCV quotes FFmpeg's error code in its messages. */
    private static final Pattern FFMPEG_ERROR = Pattern.compile("error (-\\d+)");

    private static volatile boolean loaded;

    private final FFmpegFrameGrabber grabber;
    private final CameraSource source;
    private final Java2DFrameConverter converter = new Java2DFrameConverter();

    private VideoConnection(FFmpegFrameGrabber grabber, CameraSource source) {
        this.grabber = grabber;
        this.source = source;
    }

    /**
     * Opens the source and finds its video stream.
     *
     * @throws IOException when the source cannot be opened (refused, timed out, not a video, no such device)
     * @throws IllegalStateException when FFmpeg's natives cannot be loaded on this platform
     */
    public static VideoConnection open(CameraSource source, Duration stallTimeout) throws IOException {
        ensureLoaded();
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(source.input());
        if (source.format() != null) {
            grabber.setFormat(source.format());
        }
        source.ffmpegOptions(stallTimeout).forEach(grabber::setOption);
        // no pixel format is set: JavaCV would pass it to the input too (a V4L2 device then asks the camera for
        // BGR); its default colour mode already converts every picture to BGR24 after decoding
        try {
            grabber.start();
            if (!grabber.hasVideo()) {
                throw new IOException("no video stream in " + source.redacted());
            }
            return new VideoConnection(grabber, source);
        } catch (IOException | RuntimeException e) {
            closeQuietly(grabber);
            throw new IOException(describe(e, source), e);
        }
    }

    /**
     * JavaCV's message in a few words: FFmpeg's error code as text ("Connection refused" rather than "-111"), without
     * its hints for programmers, and with the source's password, which the message quotes, replaced.
     */
    static String describe(Exception e, CameraSource source) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        message = message.replace(" (Has setFormat() been called?)", "")
                .replace(" (For more details, make sure FFmpegLogCallback.set() has been called.)", "")
                .replace(source.input(), source.redacted())
                .strip();
        Matcher code = FFMPEG_ERROR.matcher(message);
        if (code.find()) {
            String text = errorText(Integer.parseInt(code.group(1)));
            if (text != null) {
                message = text + " (" + message + ")";
            }
        }
        return message;
    }

    /** FFmpeg's text for an error code, null when it has none. */
    private static String errorText(int code) {
        try (BytePointer buffer = new BytePointer(256)) {
            if (avutil.av_strerror(code, buffer, 256) < 0) {
                return null;
            }
            String text = buffer.getString();
            int end = text.indexOf('\0'); // the buffer's full length is read, past FFmpeg's terminator
            text = (end >= 0 ? text.substring(0, end) : text).strip();
            return text.isEmpty() ? null : text;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /**
     * Loads FFmpeg's natives once and sets its log level: FFmpeg prints its own errors (a refused connection on every
     * reconnect attempt) straight to stderr, which this tool already reports in its own words; with {@code verbose}
     * its messages go through JavaCPP's logger instead.
     */
    public static void configureLogging(boolean verbose) {
        ensureLoaded();
        if (verbose) {
            FFmpegLogCallback.set();
            avutil.av_log_set_level(avutil.AV_LOG_INFO);
        } else {
            avutil.av_log_set_level(avutil.AV_LOG_FATAL);
        }
    }

    private static void ensureLoaded() {
        if (loaded) {
            return;
        }
        // JavaCV's own notes ("avformat_open_input rejected some options") go through SLF4J, not straight to stderr
        if (System.getProperty("org.bytedeco.javacpp.logger") == null) {
            System.setProperty("org.bytedeco.javacpp.logger", "slf4j");
        }
        try {
            FFmpegFrameGrabber.tryLoad();
            avutil.av_log_set_level(avutil.AV_LOG_FATAL);
            loaded = true;
        } catch (Exception | LinkageError e) {
            throw new IllegalStateException("FFmpeg's native libraries cannot be loaded on this platform ("
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch") + "): " + rootMessage(e)
                    + ". They come from Maven Central for the platform the build names (-Djavacpp.platform, default"
                    + " linux-x86_64); on Linux they also need the PulseAudio client library libpulse.so.0 (Debian and"
                    + " Ubuntu: apt-get install libpulse0). See README, saa camera.", e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /**
     * The next picture, or null at the end of the stream. FFmpeg reports a read that timed out (a stalled network
     * source) either as an error or as the end of the stream, so the caller tells them apart by how long it waited.
     * The picture is reused by the next call: encode it first.
     */
    public Picture next() throws IOException {
        Frame frame;
        try {
            frame = grabber.grabImage();
        } catch (IOException | RuntimeException e) {
            throw new IOException(describe(e, source), e);
        }
        if (frame == null || frame.image == null) {
            return null;
        }
        return new Picture(frame);
    }

    /** The source's nominal frame rate, 0 when unknown. */
    public double frameRate() {
        double rate = grabber.getVideoFrameRate();
        return Double.isFinite(rate) && rate > 0 ? rate : 0;
    }

    @Override
    public void close() {
        closeQuietly(grabber);
    }

    private static void closeQuietly(FFmpegFrameGrabber grabber) {
        try {
            grabber.close();
        } catch (Exception e) {
            // closing a broken connection may fail again; nothing is left to release then
        }
    }
}
