package dev.saaflink.operators.decode;

import dev.saaflink.schemas.DeadLetter;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Builds {@link DeadLetter} records: where the record came from, why it failed, and its original bytes, so it can be
 * replayed unchanged once the cause is fixed. Never throws, whatever is missing.
 *
 * <p>Every dead letter has a bounded size, because the dead-letter topic has a message limit of its own (often the
 * broker's 1 MB default) while a frame topic may allow 16 MB: a dead letter that does not fit fails the sink, and the
 * job would restart on the same record forever. So the payload keeps at most {@code maxPayloadBytes} (the job's
 * {@code --dead-letter-payload-max-bytes}); its original size and SHA-256 and the record's coordinates are always
 * there, so a trimmed record can still be found in its source topic and checked. Texts (ids, stage, error class,
 * message) and the key are capped too; {@link #worstCase} builds the largest dead letter these caps allow, which the
 * job's start check measures against the dead-letter topic's limit.
 */
public final class DeadLetters {
    /** Default of {@code --dead-letter-payload-max-bytes}: a quarter of the broker's 1 MB default message limit. */
    public static final int DEFAULT_PAYLOAD_MAX_BYTES = 256 * 1024;
    /** Longest error message kept, in chars (a stack of causes can make messages of megabytes). */
    public static final int MAX_MESSAGE_CHARS = 4096;
    /** Longest camera or frame id kept, in chars: they come from the record, so from anyone who can produce. */
    public static final int MAX_ID_CHARS = 1024;
    /** Longest stage and error class name kept, in chars. */
    public static final int MAX_NAME_CHARS = 512;
    /** Longest key kept, in bytes (the dead letter's own Kafka key is this key too). */
    public static final int MAX_KEY_BYTES = 4096;
    /** Longest source topic name Kafka allows. */
    static final int MAX_TOPIC_CHARS = 249;
    /** Marks a text cut at its cap. */
    static final String CUT = "...";

    private DeadLetters() {}

    /**
     * @param rec the record as it arrived; null only if even that is unknown (coordinates become ""/-1)
     * @param stage failing stage, e.g. "envelope", "image-decode", "validate", or a model stage
     * @param error the cause; its message and class name are recorded (may be null)
     * @param cameraId null when the envelope did not decode
     * @param frameId null when the envelope did not decode
     * @param maxPayloadBytes most bytes of the value kept in the dead letter
     */
    public static DeadLetter of(RawRecord rec, String stage, RejectReason reason, Throwable error,
                                String cameraId, String frameId, long nowMillis, int maxPayloadBytes) {
        return of(rec, stage, reason, error == null ? "" : error.getClass().getName(), messageOf(error),
                cameraId, frameId, nowMillis, maxPayloadBytes);
    }

    /** As above, for a failure already reduced to its error class name and message. */
    public static DeadLetter of(RawRecord rec, String stage, RejectReason reason, String errorClass, String message,
                                String cameraId, String frameId, long nowMillis, int maxPayloadBytes) {
        byte[] value = rec == null || rec.value == null ? new byte[0] : rec.value;
        int kept = Math.min(value.length, Math.max(0, maxPayloadBytes));
        return builder(rec == null ? null : rec.topic, rec == null ? -1 : rec.partition, rec == null ? -1L : rec.offset,
                rec == null ? null : rec.key, stage, reason, errorClass, message, cameraId, frameId, nowMillis)
                .setPayload(ByteBuffer.wrap(kept == value.length ? value : Arrays.copyOf(value, kept)))
                .setPayloadSize(value.length)
                .setPayloadSha256(sha256(value))
                .setPayloadTruncated(kept < value.length)
                .build();
    }

    /** Shorthand for a decoder rejection: stage, reason and ids come from the exception. */
    public static DeadLetter of(RawRecord rec, FrameRejectedException rejection, long nowMillis, int maxPayloadBytes) {
        return of(rec, rejection.getStage(), rejection.getReason(), rejection,
                rejection.getCameraId(), rejection.getFrameId(), nowMillis, maxPayloadBytes);
    }

    /** As {@link #of(RawRecord, String, RejectReason, Throwable, String, String, long, int)} with the default limit. */
    public static DeadLetter of(RawRecord rec, String stage, RejectReason reason, Throwable error,
                                String cameraId, String frameId, long nowMillis) {
        return of(rec, stage, reason, error, cameraId, frameId, nowMillis, DEFAULT_PAYLOAD_MAX_BYTES);
    }

    /** As {@link #of(RawRecord, String, RejectReason, String, String, String, String, long, int)}, default limit. */
    public static DeadLetter of(RawRecord rec, String stage, RejectReason reason, String errorClass, String message,
                                String cameraId, String frameId, long nowMillis) {
        return of(rec, stage, reason, errorClass, message, cameraId, frameId, nowMillis, DEFAULT_PAYLOAD_MAX_BYTES);
    }

    /** As {@link #of(RawRecord, FrameRejectedException, long, int)} with the default limit. */
    public static DeadLetter of(RawRecord rec, FrameRejectedException rejection, long nowMillis) {
        return of(rec, rejection, nowMillis, DEFAULT_PAYLOAD_MAX_BYTES);
    }

    /**
     * A dead letter for a frame whose value this stage no longer holds (after the keyBy before fusion): coordinates,
     * key, size and SHA-256 from {@code src}, an empty payload marked truncated (unless the value was empty).
     */
    public static DeadLetter of(SourceRecord src, String stage, RejectReason reason, Throwable error,
                                String cameraId, String frameId, long nowMillis) {
        return builder(src == null ? null : src.topic, src == null ? -1 : src.partition,
                src == null ? -1L : src.offset, src == null ? null : src.key, stage, reason,
                error == null ? "" : error.getClass().getName(), messageOf(error), cameraId, frameId, nowMillis)
                .setPayload(ByteBuffer.wrap(new byte[0]))
                .setPayloadSize(src == null ? -1L : src.payloadSize)
                .setPayloadSha256(src == null || src.payloadSha256 == null ? "" : src.payloadSha256)
                .setPayloadTruncated(src != null && src.payloadSize > 0)
                .build();
    }

    /** The dead-letter facts of {@code rec} without its value, to travel with the frame (see {@link SourceRecord}). */
    public static SourceRecord sourceOf(RawRecord rec) {
        SourceRecord s = new SourceRecord();
        if (rec == null) {
            s.topic = "";
            s.partition = -1;
            s.offset = -1L;
            s.payloadSha256 = sha256(new byte[0]);
            return s;
        }
        byte[] value = rec.value == null ? new byte[0] : rec.value;
        s.topic = rec.topic;
        s.partition = rec.partition;
        s.offset = rec.offset;
        s.key = capKey(rec.key);
        s.payloadSize = value.length;
        s.payloadSha256 = sha256(value);
        return s;
    }

    /**
     * The largest dead letter the caps allow with payloads of {@code maxPayloadBytes}: every text at its cap in
     * three-byte UTF-8 characters, the longest key, the largest numbers. Its serialized size bounds every dead letter
     * this job writes.
     */
    public static DeadLetter worstCase(int maxPayloadBytes) {
        String wide = "\u20ac"; // three bytes in UTF-8, the most per char (a four-byte one takes two chars)
        return DeadLetter.newBuilder()
                .setSourceTopic("t".repeat(MAX_TOPIC_CHARS))
                .setPartition(Integer.MIN_VALUE)
                .setOffset(Long.MIN_VALUE)
                .setKey(ByteBuffer.wrap(new byte[MAX_KEY_BYTES]))
                .setCameraId(wide.repeat(MAX_ID_CHARS))
                .setFrameId(wide.repeat(MAX_ID_CHARS))
                .setStage(wide.repeat(MAX_NAME_CHARS))
                .setReason(longestReason())
                .setErrorClass(wide.repeat(MAX_NAME_CHARS))
                .setMessage(wide.repeat(MAX_MESSAGE_CHARS))
                .setPayload(ByteBuffer.wrap(new byte[maxPayloadBytes]))
                .setTimeMillis(Long.MIN_VALUE)
                .setPayloadSize(Long.MIN_VALUE)
                .setPayloadSha256(sha256(new byte[0]))
                .setPayloadTruncated(true)
                .build();
    }

    /** SHA-256 of {@code bytes}, lower-case hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static DeadLetter.Builder builder(String topic, int partition, long offset, byte[] key, String stage,
                                              RejectReason reason, String errorClass, String message, String cameraId,
                                              String frameId, long nowMillis) {
        byte[] k = capKey(key);
        return DeadLetter.newBuilder()
                .setSourceTopic(topic == null ? "" : cap(topic, MAX_TOPIC_CHARS))
                .setPartition(partition)
                .setOffset(offset)
                .setKey(k == null ? null : ByteBuffer.wrap(k))
                .setCameraId(cameraId == null ? null : cap(cameraId, MAX_ID_CHARS))
                .setFrameId(frameId == null ? null : cap(frameId, MAX_ID_CHARS))
                .setStage(stage == null ? "unknown" : cap(stage, MAX_NAME_CHARS))
                .setReason(reason == null ? "UNKNOWN" : reason.name())
                .setErrorClass(errorClass == null ? "" : cap(errorClass, MAX_NAME_CHARS))
                .setMessage(message == null ? "" : cap(message, MAX_MESSAGE_CHARS))
                .setTimeMillis(nowMillis);
    }

    private static byte[] capKey(byte[] key) {
        return key == null || key.length <= MAX_KEY_BYTES ? key : Arrays.copyOf(key, MAX_KEY_BYTES);
    }

    /** {@code s} cut to at most {@code max} chars, ending in {@link #CUT} when cut, never splitting a surrogate pair. */
    static String cap(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = max - CUT.length();
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + CUT;
    }

    private static String longestReason() {
        String longest = "UNKNOWN";
        for (RejectReason r : RejectReason.values()) {
            if (r.name().length() > longest.length()) {
                longest = r.name();
            }
        }
        return longest;
    }

    private static String messageOf(Throwable error) {
        if (error == null) {
            return "";
        }
        return error.getMessage() != null ? error.getMessage() : error.toString();
    }
}
