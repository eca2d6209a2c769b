package dev.saaflink.operators.decode;

import java.io.Serializable;

/**
 * Where a frame came from and what its value was, without the value: enough to build a dead letter that still finds
 * the original record (topic, partition, offset, key) and proves which one it was (size and SHA-256). Travels with a
 * frame past the keyBy before fusion instead of the raw record, so the shuffle does not carry megabytes per frame.
 *
 * <p>A Flink POJO: public fields and a no-arg constructor.
 */
public class SourceRecord implements Serializable {
    private static final long serialVersionUID = 1L;

    public String topic;
    public int partition;
    public long offset;
    /** The record key, at most {@link DeadLetters#MAX_KEY_BYTES}; may be null. */
    public byte[] key;
    /** Size of the original value in bytes (0 for a null value). */
    public long payloadSize;
    /** SHA-256 of the original value, lower-case hex. */
    public String payloadSha256;

    public SourceRecord() {}

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset + " (" + payloadSize + " B)";
    }
}
