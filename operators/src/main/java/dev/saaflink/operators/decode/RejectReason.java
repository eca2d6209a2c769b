package dev.saaflink.operators.decode;

/**
 * Why a frame was not inspected. The name is written to {@code DeadLetter.reason}, so treat the constants
 * as a wire format: add new ones, never rename.
 */
public enum RejectReason {
    /** Null/empty value, or no Avro single-object magic (0xC3 0x01) at the start. */
    NOT_AVRO,
    /** Single-object header present but its schema fingerprint is not one this job knows. */
    UNKNOWN_SCHEMA,
    /** Known schema, but the Avro body does not decode (cut short, impossible lengths, bad enum index...). */
    MALFORMED_AVRO,
    /** cameraId, frameId or category empty, or width/height absent for a raw encoding. */
    MISSING_FIELD,
    /** The image field holds zero bytes. */
    EMPTY_IMAGE,
    /**
     * Payload or declared image dimensions above {@link DecodeLimits}, or a cameraId, frameId or category longer than
     * {@link DeadLetters#MAX_ID_CHARS} chars.
     */
    TOO_LARGE,
    /** Declared width/height disagree with the image header or with the raw byte count. */
    DIMENSION_MISMATCH,
    /** The image bytes are not a valid image of the declared encoding. */
    CORRUPT_IMAGE,
    /** The image is cut short (missing end of data). */
    TRUNCATED_IMAGE,
    /** A valid image ImageIO reads but this pipeline cannot use (e.g. CMYK JPEG), or no reader at all. */
    UNSUPPORTED_IMAGE,
    /** A model stage failed on this frame (used by the model stages, not by the decoder). */
    MODEL_FAILED,
    /** A model stage did not answer in time (used by the model stages, not by the decoder). */
    TIMEOUT,
    /**
     * A record of the live config topic was rejected (not UTF-8, not YAML, a missing or invalid field, an empty key);
     * stage "config", and the config in force stays.
     */
    CONFIG_INVALID,
    /**
     * A non-model processing step threw on this frame (fusion, the event builder, the stream-context operator outside
     * its scoring): a bug or data no check caught. The frame is dead-lettered instead of failing the job, which would
     * restart on the same frame forever.
     */
    PROCESSING_FAILED,
    /**
     * The frame's camera would be a new stream-context key on a subtask that already holds
     * {@code streamContext.maxCamerasPerSubtask} of them (stage "streamContext"): no memory is allocated for it.
     */
    TOO_MANY_CAMERAS
}
