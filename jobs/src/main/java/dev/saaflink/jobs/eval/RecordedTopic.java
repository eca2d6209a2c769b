package dev.saaflink.jobs.eval;

import dev.saaflink.operators.context.MemoryRecords;
import dev.saaflink.jobs.embedded.TopicTail;
import dev.saaflink.schemas.Frame;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A topic recorded by {@code ./saa ingest --with-ground-truth}, read once up to its end offsets at the time of
 * reading: the frames with their ground truth, by frame id, for scoring, and the offsets the replay must stop at so
 * that the job inspects exactly these records.
 *
 * @param frames         the records that decode as frames, by frame id (a repeated id keeps its last frame)
 * @param records        every record read, frames or not (the others become dead letters in the job)
 * @param duplicateIds   records whose frame id had been seen before in the topic
 * @param memoryRecords  seed and reset records ({@code saa memory}); not in {@code frames}: the job inspects them
 *                       not and emits nothing for them
 * @param endOffsets     per partition, where the replay stops
 */
public record RecordedTopic(Map<String, Frame> frames, int records, int duplicateIds,
                            Map<TopicPartition, Long> endOffsets, int memoryRecords) {

    /** How long reading the recording may take before the replay gives up. */
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(10);

    public static RecordedTopic read(String bootstrapServers, Map<String, String> clientProperties, String topic) {
        try (TopicTail tail = new TopicTail(bootstrapServers, clientProperties, topic)) {
            Map<TopicPartition, Long> end = tail.drainToEnd(READ_TIMEOUT);
            List<byte[]> values = tail.values(topic);
            Map<String, Frame> frames = new LinkedHashMap<>();
            int duplicates = 0;
            int memoryRecords = 0;
            for (byte[] value : values) {
                Frame frame = decodeOrNull(value);
                if (frame != null && isMemoryRecord(frame)) {
                    memoryRecords++; // a seed or reset: the job gives it neither an event nor a dead letter
                } else if (frame != null && frames.put(frame.getFrameId(), frame) != null) {
                    duplicates++;
                }
            }
            return new RecordedTopic(frames, values.size(), duplicates, Map.copyOf(end), memoryRecords);
        }
    }

    /** A seed or reset record ({@code saa memory}): acts on the stream memory, never scored. */
    private static boolean isMemoryRecord(Frame frame) {
        return MemoryRecords.kindOf(frame.getAttributes()) != MemoryRecords.Kind.INSPECT;
    }

    /** Null for a record that is not a frame; the job reports it as a dead letter, the scorer skips it. */
    private static Frame decodeOrNull(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return Frame.getDecoder().decode(ByteBuffer.wrap(value));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Frames that carry a ground-truth mask; the others count as defect-free. */
    public long framesWithGroundTruth() {
        return frames.values().stream().filter(f -> f.getGroundTruthMask() != null).count();
    }
}
