package dev.saaflink.jobs.camera;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What {@code saa camera --source} names, and how FFmpeg is to open it: a video file, a network stream (RTSP,
 * HTTP(S) MJPEG or anything else FFmpeg reads by URL) or a V4L2 capture device. The kind decides what the end
 * of the input means: a file ends, a live source (network or device) that stops is reconnected.
 *
 * <p>Network sources get FFmpeg's socket timeouts set to the stall timeout, so that a source that goes quiet
 * without closing the connection makes the blocking read return instead of hanging forever: that timeout is the
 * stall watchdog (a native read cannot be interrupted safely from another thread).
 */
public final class CameraSource {

    /** FFmpeg's name of the Linux capture-device input. */
    public static final String V4L2_FORMAT = "video4linux2";

    /** How the input behaves at its end. */
    public enum Kind {
        /** A recorded video: its end is the end of the run (or the start of the next pass with --loop). */
        FILE,
        /** A stream behind a URL: its end or silence is an interruption, reconnected with backoff. */
        NETWORK,
        /** A local capture device: as NETWORK, its end is an interruption. */
        DEVICE
    }

    private static final Pattern URL_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://.*");

    private final String input;
    private final Kind kind;
    private final String format;
    private final Map<String, String> extraOptions;

    private CameraSource(String input, Kind kind, String format, Map<String, String> extraOptions) {
        this.input = input;
        this.kind = kind;
        this.format = format;
        this.extraOptions = Map.copyOf(extraOptions);
    }

    /**
     * Reads {@code --source}: a URL ({@code scheme://...}) is a network stream; {@code /dev/...}, or any source with
     * {@code --format video4linux2} (or its alias {@code v4l2}), a device; anything else a file, which must exist.
     *
     * @param format FFmpeg input format to force, or null to let FFmpeg probe
     * @param extraOptions further FFmpeg options, applied over this class's defaults
     * @throws IllegalArgumentException for an empty source or a file that does not exist
     */
    public static CameraSource parse(String source, String format, Map<String, String> extraOptions) {
        Objects.requireNonNull(source, "source");
        String trimmed = source.strip();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("the source is empty");
        }
        String fmt = format == null || format.isBlank() ? null : format.strip();
        if ("v4l2".equalsIgnoreCase(fmt)) {
            fmt = V4L2_FORMAT;
        }
        Kind kind;
        if (trimmed.startsWith("file://")) {
            trimmed = Path.of(URI.create(trimmed)).toString();
            kind = Kind.FILE;
        } else if (URL_SCHEME.matcher(trimmed).matches()) {
            kind = Kind.NETWORK;
        } else if (V4L2_FORMAT.equals(fmt) || trimmed.startsWith("/dev/")) {
            kind = Kind.DEVICE;
            if (fmt == null) {
                fmt = V4L2_FORMAT;
            }
        } else {
            kind = Kind.FILE;
        }
        if (kind == Kind.FILE && !Files.isRegularFile(Path.of(trimmed))) {
            throw new IllegalArgumentException("no such video file: " + trimmed);
        }
        return new CameraSource(trimmed, kind, fmt, extraOptions == null ? Map.of() : extraOptions);
    }

    /** What FFmpeg opens: the path, URL or device. */
    public String input() {
        return input;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether the end of the input is an interruption to reconnect rather than the end of the run. */
    public boolean live() {
        return kind != Kind.FILE;
    }

    /** The input format forced on FFmpeg, or null to let it probe. */
    public String format() {
        return format;
    }

    /**
     * The options handed to FFmpeg when opening: for network streams the socket timeouts (microseconds) that turn a
     * silent source into a failed read after {@code stallTimeout}, and RTSP over TCP (UDP loses packets on a busy
     * network and never reports a dead camera); then the user's own, which win.
     */
    public Map<String, String> ffmpegOptions(Duration stallTimeout) {
        Map<String, String> options = new LinkedHashMap<>();
        if (kind == Kind.NETWORK) {
            String micros = Long.toString(Math.max(1, stallTimeout.toNanos() / 1000));
            // rw_timeout: any protocol's read; timeout: the socket I/O timeout of http, tcp and rtsp
            options.put("rw_timeout", micros);
            options.put("timeout", micros);
            String scheme = scheme();
            if (scheme.equals("rtsp") || scheme.equals("rtsps")) {
                options.put("rtsp_transport", "tcp");
            }
        }
        options.putAll(extraOptions);
        return options;
    }

    /**
     * The source as it may be printed or stored in a frame's attributes: a URL's user information (an RTSP camera's
     * password, typically) replaced by {@code ***}.
     */
    public String redacted() {
        if (kind != Kind.NETWORK) {
            return input;
        }
        try {
            URI uri = new URI(input);
            if (uri.getRawUserInfo() == null) {
                return input;
            }
            return new URI(uri.getScheme(), "***", uri.getHost(), uri.getPort(), uri.getPath(), uri.getQuery(),
                    uri.getFragment()).toString();
        } catch (URISyntaxException e) {
            // not a URI Java can parse: cut out anything between "//" and the last "@" before the path
            return input.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/]*@", "$1***@");
        }
    }

    private String scheme() {
        int colon = input.indexOf(':');
        return colon < 0 ? "" : input.substring(0, colon).toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT) + " " + redacted() + (format == null ? "" : " (" + format + ")");
    }
}
