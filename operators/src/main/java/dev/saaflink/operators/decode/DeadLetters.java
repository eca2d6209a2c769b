package dev.saaflink.operators.decode;

import dev.saaflink.schemas.DeadLetter;

import java.nio.ByteBuffer;

/**
 * Builds {@link DeadLetter} records: where the record came from, why it failed, and its original bytes, so
 * it can be replayed unchanged once the cause is fixed. Never throws, whatever is missing.
 */
public final class DeadLetters {
    private DeadLetters() {}

    /**
     * @param rec the record as it arrived; null only if even that is unknown (coordinates become ""/-1)
     * @param stage failing stage, e.g. "envelope", "image-decode", "validate", or a model stage
     * @param error the cause; its message and class name are recorded (may be null)
     * @param cameraId null when the envelope did not decode
     * @param frameId null when the envelope did not decode
     */
    public static DeadLetter of(RawRecord rec, String stage, RejectReason reason, Throwable error,
                                String cameraId, String frameId, long nowMillis) {
        return of(rec, stage, reason, error == null ? "" : error.getClass().getName(), messageOf(error),
                cameraId, frameId, nowMillis);
    }

    /** As above, for a failure already reduced to its error class name and message. */
    public static DeadLetter of(RawRecord rec, String stage, RejectReason reason, String errorClass, String message,
                                String cameraId, String frameId, long nowMillis) {
        byte[] value = rec == null || rec.value == null ? new byte[0] : rec.value;
        return DeadLetter.newBuilder()
                .setSourceTopic(rec == null || rec.topic == null ? "" : rec.topic)
                .setPartition(rec == null ? -1 : rec.partition)
                .setOffset(rec == null ? -1L : rec.offset)
                .setKey(rec == null || rec.key == null ? null : ByteBuffer.wrap(rec.key))
                .setCameraId(cameraId)
                .setFrameId(frameId)
                .setStage(stage == null ? "unknown" : stage)
                .setReason(reason == null ? "UNKNOWN" : reason.name())
                .setErrorClass(errorClass == null ? "" : errorClass)
                .setMessage(message == null ? "" : message)
                .setPayload(ByteBuffer.wrap(value))
                .setTimeMillis(nowMillis)
                .build();
    }

    /** Shorthand for a decoder rejection: stage, reason and ids come from the exception. */
    public static DeadLetter of(RawRecord rec, FrameRejectedException rejection, long nowMillis) {
        return of(rec, rejection.getStage(), rejection.getReason(), rejection,
                rejection.getCameraId(), rejection.getFrameId(), nowMillis);
    }

    private static String messageOf(Throwable error) {
        if (error == null) {
            return "";
        }
        return error.getMessage() != null ? error.getMessage() : error.toString();
    }
}
