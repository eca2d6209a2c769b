package dev.saaflink.operators.decode;

import java.util.Objects;

/**
 * A frame cannot be inspected, for a known reason. Checked on purpose: every caller must route the frame to
 * the dead-letter output instead of letting the job fail and restart on a poison record.
 *
 * <p>The ids are carried when they are known (after the Avro envelope decoded), so the dead letter can
 * name the frame.
 */
public class FrameRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Kafka bytes to a {@code Frame} record. */
    public static final String STAGE_ENVELOPE = "envelope";
    /** Ids, sizes and declared dimensions. */
    public static final String STAGE_VALIDATE = "validate";
    /** Image bytes to pixels. */
    public static final String STAGE_IMAGE_DECODE = "image-decode";

    private final String stage;
    private final RejectReason reason;
    private final String detail;
    private final String cameraId;
    private final String frameId;

    public FrameRejectedException(String stage, RejectReason reason, String detail) {
        this(stage, reason, detail, null, null, null);
    }

    public FrameRejectedException(String stage, RejectReason reason, String detail, Throwable cause) {
        this(stage, reason, detail, null, null, cause);
    }

    public FrameRejectedException(
            String stage, RejectReason reason, String detail, String cameraId, String frameId, Throwable cause) {
        super(format(stage, reason, detail, cameraId, frameId), cause);
        this.stage = Objects.requireNonNull(stage, "stage");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.detail = detail;
        this.cameraId = cameraId;
        this.frameId = frameId;
    }

    /** Returns a copy that also names the frame; used once the envelope has decoded. */
    FrameRejectedException withIds(String camera, String frame) {
        FrameRejectedException copy = new FrameRejectedException(stage, reason, detail, camera, frame, getCause());
        copy.setStackTrace(getStackTrace());
        return copy;
    }

    /** Failing stage, e.g. {@link #STAGE_ENVELOPE}; model stages use their own names. */
    public String getStage() {
        return stage;
    }

    public RejectReason getReason() {
        return reason;
    }

    /** The human part of the message, without stage, reason and ids. */
    public String getDetail() {
        return detail;
    }

    /** Null when the envelope did not decode. */
    public String getCameraId() {
        return cameraId;
    }

    /** Null when the envelope did not decode. */
    public String getFrameId() {
        return frameId;
    }

    private static String format(String stage, RejectReason reason, String detail, String cameraId, String frameId) {
        StringBuilder sb = new StringBuilder().append(reason).append(" in stage ").append(stage);
        if (cameraId != null || frameId != null) {
            sb.append(" (camera ").append(cameraId).append(", frame ").append(frameId).append(')');
        }
        if (detail != null && !detail.isEmpty()) {
            sb.append(": ").append(detail);
        }
        return sb.toString();
    }
}
