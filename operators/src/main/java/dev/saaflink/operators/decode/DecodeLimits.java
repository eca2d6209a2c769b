package dev.saaflink.operators.decode;

import java.io.Serializable;

/**
 * Upper bounds checked before any pixel buffer is allocated, so one hostile or broken record cannot exhaust
 * the task manager's heap. Immutable.
 */
public final class DecodeLimits implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_MAX_SIDE = 8192;
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

    private final int maxSide;
    private final long maxPixels;
    private final int maxPayloadBytes;

    public DecodeLimits(int maxSide, long maxPixels, int maxPayloadBytes) {
        if (maxSide < 1 || maxPixels < 1 || maxPayloadBytes < 1) {
            throw new IllegalArgumentException("decode limits must be positive, got maxSide=" + maxSide
                    + ", maxPixels=" + maxPixels + ", maxPayloadBytes=" + maxPayloadBytes);
        }
        this.maxSide = maxSide;
        this.maxPixels = maxPixels;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /** 8192 px per side, 40 M pixels, 64 MiB per Kafka value. */
    public static DecodeLimits defaults() {
        return new DecodeLimits(DEFAULT_MAX_SIDE, DEFAULT_MAX_PIXELS, DEFAULT_MAX_PAYLOAD_BYTES);
    }

    /** Longest allowed width or height, pixels. */
    public int maxSide() {
        return maxSide;
    }

    /** Largest allowed width × height. */
    public long maxPixels() {
        return maxPixels;
    }

    /** Largest allowed Kafka record value, bytes (the whole Avro message). */
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    @Override
    public String toString() {
        return "DecodeLimits{maxSide=" + maxSide + ", maxPixels=" + maxPixels + ", maxPayloadBytes=" + maxPayloadBytes + "}";
    }
}
