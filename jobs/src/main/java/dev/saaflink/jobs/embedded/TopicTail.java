package dev.saaflink.jobs.embedded;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Follows topics from their beginning as a {@code read_committed} consumer: records of aborted transactions are
 * never seen, so what it collects is exactly what a downstream system receives from the job.
 */
public final class TopicTail implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

    public TopicTail(String bootstrapServers, Map<String, String> clientProperties, String... topics) {
        consumer = new KafkaConsumer<>(readCommitted(bootstrapServers, clientProperties), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        for (String topic : topics) {
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /**
     * Settings of a byte-array consumer that sees only committed records and commits no offsets (partitions are
     * assigned by hand, no group): {@code clientProperties} (security) plus the bootstrap servers, and a fetch size
     * that takes a 16 MB frame. Shared with the live view's readers.
     */
    public static Properties readCommitted(String bootstrapServers, Map<String, String> clientProperties) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(32 * 1024 * 1024));
        return p;
    }

    /** Reads what is available now (waiting at most {@code wait}); returns how many records arrived. */
    public int poll(Duration wait) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
            records.add(r);
            n++;
        }
        return n;
    }

    /**
     * Reads until every partition reached its current end (the last stable offset under read_committed) and
     * returns those end offsets.
     */
    public Map<TopicPartition, Long> drainToEnd(Duration timeout) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out reading to the end offsets " + end);
            }
            poll(Duration.ofMillis(200));
        }
        return end;
    }

    /** Everything read so far, in arrival order. */
    public List<ConsumerRecord<byte[], byte[]>> records() {
        return records;
    }

    /** What was read since the last call, forgotten here: a long-running reader's memory stays flat. */
    public List<ConsumerRecord<byte[], byte[]>> takeRecords() {
        List<ConsumerRecord<byte[], byte[]>> taken = new ArrayList<>(records);
        records.clear();
        return taken;
    }

    public List<byte[]> values(String topic) {
        List<byte[]> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.topic().equals(topic)) {
                out.add(r.value());
            }
        }
        return out;
    }

    /** Reads a whole topic once. */
    public static List<byte[]> readAll(String bootstrapServers, Map<String, String> clientProperties, String topic) {
        try (TopicTail tail = new TopicTail(bootstrapServers, clientProperties, topic)) {
            tail.drainToEnd(Duration.ofMinutes(2));
            return tail.values(topic);
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
