package dev.saaflink.operators.decode;

import dev.saaflink.schemas.AvroBytes;
import static dev.saaflink.operators.decode.FrameRejectedException.STAGE_ENVELOPE;
import static dev.saaflink.operators.decode.FrameRejectedException.STAGE_IMAGE_DECODE;
import static dev.saaflink.operators.decode.FrameRejectedException.STAGE_VALIDATE;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.operators.context.MemoryRecords;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.MissingSchemaException;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns one Kafka record (Avro single-object encoded {@link Frame}) into a {@link DecodedFrame} with RGB
 * pixels, or says precisely why it cannot: every failure becomes a {@link FrameRejectedException} with a
 * stage and a {@link RejectReason}, never an unchecked exception, so a poison record goes to the dead-letter
 * topic instead of restarting the job.
 *
 * <p>Order of work, cheapest first: payload size, Avro header and body lengths, ids, then the image's
 * declared size from its header (PNG IHDR, JPEG SOF via ImageIO, or the frame's width/height for raw
 * pixels) and only then pixel decoding. A record that claims 50000×50000 is therefore refused before any
 * pixel buffer exists.
 *
 * <p>Thread-safe and stateless apart from its immutable limits: one instance may serve every subtask.
 * ImageIO readers are created and disposed per call (they are neither thread-safe nor cheap to leak, the
 * JPEG one holds native memory).
 */
public final class FrameDecoder implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte[] JPEG_SOI = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
    /** Avro single-object encoding: 2 magic bytes then the 8-byte little-endian schema fingerprint. */
    private static final int AVRO_HEADER_LENGTH = 10;

    private static final long FRAME_FINGERPRINT = SchemaNormalization.parsingFingerprint64(Frame.getClassSchema());

    private final DecodeLimits limits;

    public FrameDecoder() {
        this(DecodeLimits.defaults());
    }

    public FrameDecoder(DecodeLimits limits) {
        if (limits == null) {
            throw new IllegalArgumentException("limits must not be null");
        }
        this.limits = limits;
    }

    public DecodeLimits limits() {
        return limits;
    }

    /**
     * Decodes one record.
     *
     * @throws FrameRejectedException with stage {@code envelope}, {@code validate} or {@code image-decode};
     *     its ids are set whenever the Avro envelope decoded
     */
    public DecodedFrame decode(RawRecord rec) throws FrameRejectedException {
        long start = System.nanoTime();
        Frame frame = decodeEnvelope(rec);
        String cameraId = frame.getCameraId();
        String frameId = frame.getFrameId();
        try {
            requireText("cameraId", cameraId);
            requireText("frameId", frameId);
            requireText("category", frame.getCategory());
            RgbImage image = isEmptyReset(frame) ? null : decodeImage(frame);

            DecodedFrame out = new DecodedFrame();
            out.cameraId = cameraId;
            out.frameId = frameId;
            out.category = frame.getCategory();
            out.captureTimeMillis = frame.getCaptureTimeMillis();
            out.attributes = frame.getAttributes() == null ? new HashMap<>() : new HashMap<>(frame.getAttributes());
            out.image = image;
            out.source = withoutGroundTruth(rec, frame);
            out.decodeNanos = System.nanoTime() - start;
            return out;
        } catch (FrameRejectedException e) {
            throw e.withIds(cameraId, frameId);
        } catch (RuntimeException | StackOverflowError e) {
            // Last line of defence: an ImageIO plugin or a colour model did something unexpected (a reader that
            // recurses on a crafted file overflows the stack: a bad frame, not a reason to fail the task).
            throw new FrameRejectedException(STAGE_IMAGE_DECODE, RejectReason.CORRUPT_IMAGE,
                    "unexpected " + e.getClass().getSimpleName() + " while decoding: " + e.getMessage(),
                    cameraId, frameId, e);
        }
    }

    /**
     * The record to keep for a later dead letter: {@code rec} itself, or, when the frame carries a ground-truth
     * mask, the same frame re-encoded without it. The mask is for scoring, which reads it from the recorded frames;
     * carried along here it would sit in every async checkpoint and cross the stream-context keyBy. A model-stage dead
     * letter of such a frame therefore holds the frame less its mask (still a frame the job can replay).
     */
    private static RawRecord withoutGroundTruth(RawRecord rec, Frame frame) {
        if (frame.getGroundTruthMask() == null) {
            return rec;
        }
        frame.setGroundTruthMask(null);
        byte[] value;
        try {
            value = AvroBytes.toArray(Frame.getEncoder().encode(frame));
        } catch (IOException e) {
            throw new IllegalStateException("re-encoding a frame that just decoded failed", e);
        }
        return new RawRecord(rec.topic, rec.partition, rec.offset, rec.timestamp, rec.key, value);
    }

    // ---------------------------------------------------------------- envelope

    private Frame decodeEnvelope(RawRecord rec) throws FrameRejectedException {
        byte[] value = rec == null ? null : rec.value;
        if (value == null || value.length == 0) {
            throw new FrameRejectedException(STAGE_ENVELOPE, RejectReason.NOT_AVRO,
                    "record value is " + (value == null ? "null" : "empty"));
        }
        if (value.length > limits.maxPayloadBytes()) {
            throw new FrameRejectedException(STAGE_ENVELOPE, RejectReason.TOO_LARGE,
                    "record value is " + value.length + " bytes, limit " + limits.maxPayloadBytes());
        }
        if (hasFrameHeader(value)) {
            String problem = AvroBodyCheck.findProblem(Frame.getClassSchema(), value, AVRO_HEADER_LENGTH);
            if (problem != null) {
                throw new FrameRejectedException(STAGE_ENVELOPE, RejectReason.MALFORMED_AVRO,
                        "Frame body does not fit the record: " + problem);
            }
        }
        // Anything without our own header is left to Avro, which owns the header and schema-store rules.
        try {
            return Frame.getDecoder().decode(value);
        } catch (BadHeaderException e) {
            throw new FrameRejectedException(STAGE_ENVELOPE, RejectReason.NOT_AVRO,
                    "no Avro single-object header (" + e.getMessage() + "); first bytes " + hex(value, 4), e);
        } catch (MissingSchemaException e) {
            throw new FrameRejectedException(STAGE_ENVELOPE, RejectReason.UNKNOWN_SCHEMA,
                    "Avro single-object record of an unknown schema, fingerprint " + fingerprintHex(value)
                            + " (expected Frame " + String.format("%016x", FRAME_FINGERPRINT) + ")", e);
        } catch (IOException | RuntimeException e) {
            // AvroRuntimeException, EOF, and whatever a corrupt body provokes inside the generated reader.
            String kind = e instanceof AvroRuntimeException || e instanceof IOException ? "" : e.getClass().getSimpleName() + " ";
            throw new FrameRejectedException(STAGE_ENVELOPE, RejectReason.MALFORMED_AVRO,
                    "Frame body does not decode: " + kind + e.getMessage(), e);
        }
    }

    private static boolean hasFrameHeader(byte[] value) {
        if (value.length < AVRO_HEADER_LENGTH || value[0] != (byte) 0xC3 || value[1] != (byte) 0x01) {
            return false;
        }
        return readFingerprint(value) == FRAME_FINGERPRINT;
    }

    private static long readFingerprint(byte[] value) {
        long fp = 0;
        for (int i = 9; i >= 2; i--) {
            fp = (fp << 8) | (value[i] & 0xFF);
        }
        return fp;
    }

    private static String fingerprintHex(byte[] value) {
        return value.length < AVRO_HEADER_LENGTH ? "?" : String.format("%016x", readFingerprint(value));
    }

    // ---------------------------------------------------------------- validation

    private static void requireText(String field, String value) throws FrameRejectedException {
        if (value == null || value.isBlank()) {
            throw new FrameRejectedException(STAGE_VALIDATE, RejectReason.MISSING_FIELD,
                    field + " is " + (value == null ? "missing" : "empty"));
        }
        if (value.length() > DeadLetters.MAX_ID_CHARS) {
            // Ids go into every event and dead letter: unbounded ones would make records no topic limit can hold.
            throw new FrameRejectedException(STAGE_VALIDATE, RejectReason.TOO_LARGE, field + " has " + value.length()
                    + " chars, more than " + DeadLetters.MAX_ID_CHARS);
        }
    }

    private void checkSize(String what, long width, long height) throws FrameRejectedException {
        if (width > limits.maxSide() || height > limits.maxSide() || width * height > limits.maxPixels()) {
            throw new FrameRejectedException(STAGE_VALIDATE, RejectReason.TOO_LARGE,
                    what + " is " + width + "x" + height + ", limits: " + limits.maxSide() + " px per side, "
                            + limits.maxPixels() + " pixels");
        }
    }

    /** Frame width/height are optional for PNG/JPEG, but when given they must agree with the header. */
    private static void checkDeclared(Frame frame, long width, long height) throws FrameRejectedException {
        Integer w = frame.getWidth();
        Integer h = frame.getHeight();
        if ((w != null && w != width) || (h != null && h != height)) {
            throw new FrameRejectedException(STAGE_VALIDATE, RejectReason.DIMENSION_MISMATCH,
                    "frame declares " + w + "x" + h + " but the " + frame.getEncoding() + " header says "
                            + width + "x" + height);
        }
    }

    // ---------------------------------------------------------------- image

    /**
     * True for a memory reset record without an image ({@link MemoryRecords}): the one record that may come without
     * one, since it is never inspected. Throws for a {@value MemoryRecords#ATTRIBUTE} value that names nothing, so a
     * typo'd command becomes a dead letter instead of an inspected frame.
     */
    private static boolean isEmptyReset(Frame frame) throws FrameRejectedException {
        MemoryRecords.Kind kind;
        try {
            kind = MemoryRecords.parse(frame.getAttributes());
        } catch (IllegalArgumentException e) {
            throw new FrameRejectedException(STAGE_VALIDATE, RejectReason.MISSING_FIELD, e.getMessage());
        }
        return kind == MemoryRecords.Kind.RESET && (frame.getImage() == null || !frame.getImage().hasRemaining());
    }

    private RgbImage decodeImage(Frame frame) throws FrameRejectedException {
        ImageEncoding encoding = frame.getEncoding();
        if (encoding == null) {
            throw new FrameRejectedException(STAGE_VALIDATE, RejectReason.MISSING_FIELD, "encoding is missing");
        }
        byte[] bytes = frame.getImage() == null ? new byte[0] : AvroBytes.toArray(frame.getImage());
        if (bytes.length == 0) {
            throw new FrameRejectedException(STAGE_VALIDATE, RejectReason.EMPTY_IMAGE, "image has 0 bytes");
        }
        return switch (encoding) {
            case GRAY8 -> decodeRaw(frame, bytes, 1);
            case RGB8 -> decodeRaw(frame, bytes, 3);
            case PNG -> decodeEncoded(frame, bytes, ImageFormat.PNG);
            case JPEG -> decodeEncoded(frame, bytes, ImageFormat.JPEG);
        };
    }

    private RgbImage decodeRaw(Frame frame, byte[] bytes, int channels) throws FrameRejectedException {
        Integer w = frame.getWidth();
        Integer h = frame.getHeight();
        if (w == null || h == null) {
            throw new FrameRejectedException(STAGE_VALIDATE, RejectReason.MISSING_FIELD,
                    frame.getEncoding() + " needs width and height, got " + w + "x" + h);
        }
        if (w <= 0 || h <= 0) {
            throw new FrameRejectedException(STAGE_VALIDATE, RejectReason.DIMENSION_MISMATCH,
                    "width and height must be positive, got " + w + "x" + h);
        }
        checkSize(frame.getEncoding() + " frame", w, h);
        long expected = (long) w * h * channels;
        if (bytes.length != expected) {
            throw new FrameRejectedException(STAGE_VALIDATE, RejectReason.DIMENSION_MISMATCH,
                    frame.getEncoding() + " " + w + "x" + h + " needs " + expected + " bytes, got " + bytes.length);
        }
        return channels == 1 ? RgbImage.fromGray(w, h, bytes) : new RgbImage(w, h, bytes);
    }

    private enum ImageFormat {
        PNG("png", PNG_SIGNATURE),
        JPEG("jpeg", JPEG_SOI);

        final String imageIoName;
        final byte[] signature;

        ImageFormat(String imageIoName, byte[] signature) {
            this.imageIoName = imageIoName;
            this.signature = signature;
        }

        boolean matches(byte[] bytes) {
            return startsWith(bytes, signature);
        }
    }

    private RgbImage decodeEncoded(Frame frame, byte[] bytes, ImageFormat format) throws FrameRejectedException {
        checkSignature(bytes, format);
        long[] pngSize = format == ImageFormat.PNG ? pngHeaderSize(bytes) : null;

        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName);
        if (!readers.hasNext()) {
            throw new FrameRejectedException(STAGE_IMAGE_DECODE, RejectReason.UNSUPPORTED_IMAGE,
                    "no ImageIO reader for " + format + " in this JVM");
        }
        ImageReader reader = readers.next();
        WarningCollector warnings = new WarningCollector();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener(warnings);

            // Header only: for JPEG this parses up to the SOF marker, no pixel data.
            long width = pngSize != null ? pngSize[0] : reader.getWidth(0);
            long height = pngSize != null ? pngSize[1] : reader.getHeight(0);
            checkSize(format + " image", width, height);
            checkDeclared(frame, width, height);

            if (!reader.getImageTypes(0).hasNext()) {
                throw new FrameRejectedException(STAGE_IMAGE_DECODE, RejectReason.UNSUPPORTED_IMAGE,
                        "ImageIO cannot produce any pixel layout for this " + format + " (e.g. CMYK/YCCK JPEG)");
            }
            BufferedImage img = reader.read(0, reader.getDefaultReadParam());
            if (!warnings.messages.isEmpty()) {
                // The JPEG reader returns a partly grey image after such warnings; never inspect that.
                throw new FrameRejectedException(STAGE_IMAGE_DECODE, warnings.reason(),
                        format + " decoded with warnings: " + String.join("; ", warnings.messages));
            }
            if (img.getWidth() != width || img.getHeight() != height) {
                throw new FrameRejectedException(STAGE_IMAGE_DECODE, RejectReason.CORRUPT_IMAGE,
                        format + " header says " + width + "x" + height + " but decoded " + img.getWidth() + "x" + img.getHeight());
            }
            return PixelConverter.toRgb(img);
        } catch (IOException e) {
            throw classifyReadFailure(format, bytes, e, warnings);
        } finally {
            reader.dispose();
        }
    }

    private static void checkSignature(byte[] bytes, ImageFormat declared) throws FrameRejectedException {
        if (declared.matches(bytes)) {
            return;
        }
        if (bytes.length < declared.signature.length && startsWith(declared.signature, bytes)) {
            throw new FrameRejectedException(STAGE_IMAGE_DECODE, RejectReason.TRUNCATED_IMAGE,
                    declared + " cut off inside its " + declared.signature.length + "-byte signature (" + bytes.length + " bytes)");
        }
        String actual = "starts with " + hex(bytes, 4);
        for (ImageFormat other : ImageFormat.values()) {
            if (other != declared && other.matches(bytes)) {
                actual = "is a " + other;
            }
        }
        throw new FrameRejectedException(STAGE_IMAGE_DECODE, RejectReason.CORRUPT_IMAGE,
                "encoding says " + declared + " but the payload " + actual);
    }

    /**
     * Width and height straight from the IHDR chunk (bytes 16..23, big-endian, unsigned). The PNG rules put
     * IHDR first, so this needs no parser and no allocation.
     */
    private static long[] pngHeaderSize(byte[] bytes) throws FrameRejectedException {
        if (bytes.length < 24) {
            throw new FrameRejectedException(STAGE_IMAGE_DECODE, RejectReason.TRUNCATED_IMAGE,
                    "PNG cut off before the end of its IHDR header (" + bytes.length + " bytes)");
        }
        if (bytes[12] != 'I' || bytes[13] != 'H' || bytes[14] != 'D' || bytes[15] != 'R') {
            throw new FrameRejectedException(STAGE_IMAGE_DECODE, RejectReason.CORRUPT_IMAGE,
                    "PNG does not start with an IHDR chunk");
        }
        long width = readUint32(bytes, 16);
        long height = readUint32(bytes, 20);
        if (width == 0 || height == 0) {
            throw new FrameRejectedException(STAGE_IMAGE_DECODE, RejectReason.CORRUPT_IMAGE,
                    "PNG header declares " + width + "x" + height);
        }
        return new long[] {width, height};
    }

    private static FrameRejectedException classifyReadFailure(
            ImageFormat format, byte[] bytes, IOException e, WarningCollector warnings) {
        RejectReason reason;
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (message.contains("Unsupported Image Type")) {
            // What the JDK JPEG reader says for colour layouts it has no conversion for.
            reason = RejectReason.UNSUPPORTED_IMAGE;
            message = format + " uses a colour layout ImageIO cannot read (" + message + ")";
        } else if (hasCause(e, EOFException.class) || mentionsTruncation(message)
                || (format == ImageFormat.JPEG && !endsWithJpegEoi(bytes))
                || warnings.reason() == RejectReason.TRUNCATED_IMAGE) {
            reason = RejectReason.TRUNCATED_IMAGE;
            message = format + " ends prematurely (" + bytes.length + " bytes): " + describe(e);
        } else {
            reason = RejectReason.CORRUPT_IMAGE;
            message = format + " does not decode: " + describe(e);
        }
        if (!warnings.messages.isEmpty()) {
            message += "; warnings: " + String.join("; ", warnings.messages);
        }
        return new FrameRejectedException(STAGE_IMAGE_DECODE, reason, message, e);
    }

    // ---------------------------------------------------------------- helpers

    /** Collects reader warnings; the JDK JPEG reader reports truncation only this way. */
    private static final class WarningCollector implements IIOReadWarningListener {
        final List<String> messages = new ArrayList<>();

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            // libjpeg repeats the same warning for every missing byte it pads; keep distinct ones, a few.
            if (messages.size() < 5 && !messages.contains(warning)) {
                messages.add(warning);
            }
        }

        RejectReason reason() {
            for (String m : messages) {
                if (mentionsTruncation(m)) {
                    return RejectReason.TRUNCATED_IMAGE;
                }
            }
            return messages.isEmpty() ? null : RejectReason.CORRUPT_IMAGE;
        }
    }

    private static boolean mentionsTruncation(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("premature end") || m.contains("truncated") || m.contains("unexpected end");
    }

    /** True when the data ends with the JPEG end-of-image marker (FF D9), ignoring trailing zero fill. */
    private static boolean endsWithJpegEoi(byte[] bytes) {
        int end = bytes.length;
        while (end > 2 && bytes[end - 1] == 0 && bytes.length - end < 4096) {
            end--;
        }
        return end >= 2 && bytes[end - 2] == (byte) 0xFF && bytes[end - 1] == (byte) 0xD9;
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append(" <- ").append(c.getClass().getSimpleName());
            if (c.getMessage() != null) {
                sb.append(": ").append(c.getMessage());
            }
        }
        return sb.toString();
    }

    private static long readUint32(byte[] b, int at) {
        return ((long) (b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String hex(byte[] bytes, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(max, bytes.length); i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", bytes[i] & 0xFF));
        }
        return sb.length() == 0 ? "(none)" : sb.toString();
    }

}
