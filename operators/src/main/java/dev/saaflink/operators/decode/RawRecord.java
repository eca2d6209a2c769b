package dev.saaflink.operators.decode;

import java.io.Serializable;

/**
 * One Kafka record exactly as it arrived, before any decoding. The Kafka deserializer emits it so that a
 * record which later turns out to be undecodable can still be dead-lettered byte for byte.
 *
 * <p>A Flink POJO: public fields and a no-arg constructor.
 */
public class RawRecord implements Serializable {
    private static final long serialVersionUID = 1L;

    public String topic;
    public int partition;
    public long offset;
    /** Kafka record timestamp, epoch milliseconds. */
    public long timestamp;
    /** Record key; may be null. */
    public byte[] key;
    /** Record value; may be null (tombstone) or empty. */
    public byte[] value;

    public RawRecord() {}

    public RawRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
    }

    @Override
    public String toString() {
        // Coordinates only: payloads can be megabytes.
        return topic + "-" + partition + "@" + offset
                + " (key " + (key == null ? "null" : key.length + " B")
                + ", value " + (value == null ? "null" : value.length + " B") + ")";
    }
}
