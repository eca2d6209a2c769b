package dev.saaflink.jobs.view;

import dev.saaflink.jobs.embedded.TopicTail;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.Frame;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the events and frames topics into a {@link ViewState}, on its own thread, until closed. Each topic has its
 * own {@code read_committed} consumer (a large frame backlog never holds events back, and records of aborted
 * transactions are never shown), with partitions assigned by hand: no consumer group, so the view never moves the
 * committed offsets of anybody else. It starts {@code history} records before the end of each partition, or at the
 * beginning.
 */
public final class ViewFeed implements AutoCloseable {

    private final ViewState state;
    private final Reader events;
    private final Reader frames;

    public ViewFeed(ViewState state, String bootstrapServers, Map<String, String> clientProperties,
                    String eventsTopic, String framesTopic, long history, boolean fromBeginning) {
        this.state = state;
        this.events = new Reader(bootstrapServers, clientProperties, eventsTopic, history, fromBeginning,
                bytes -> state.onEvent(AnomalyEvent.getDecoder().decode(ByteBuffer.wrap(bytes))));
        Reader f;
        try {
            f = new Reader(bootstrapServers, clientProperties, framesTopic, history, fromBeginning,
                    bytes -> state.onFrame(Frame.getDecoder().decode(ByteBuffer.wrap(bytes))));
        } catch (RuntimeException e) {
            events.consumer.close(Duration.ofSeconds(5));
            throw e;
        }
        this.frames = f;
    }

    public void start() {
        events.thread.start();
        frames.thread.start();
    }

    @Override
    public void close() throws InterruptedException {
        events.stop();
        frames.stop();
    }

    private interface Sink {
        void accept(byte[] value) throws Exception;
    }

    private final class Reader implements Runnable {
        final KafkaConsumer<byte[], byte[]> consumer;
        final String topic;
        final Sink sink;
        final Thread thread;
        volatile boolean running = true;

        Reader(String bootstrapServers, Map<String, String> clientProperties, String topic, long history,
               boolean fromBeginning, Sink sink) {
            this.topic = topic;
            this.sink = sink;
            Properties p = TopicTail.readCommitted(bootstrapServers, clientProperties);
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "100");
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, "saa-view-" + topic);
            // a mistyped topic name is an error here, not a new empty topic on the cluster
            p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            try {
                List<TopicPartition> partitions = new ArrayList<>();
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalArgumentException("topic '" + topic + "' does not exist");
                }
                for (PartitionInfo info : infos) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
                consumer.assign(partitions);
                if (fromBeginning) {
                    consumer.seekToBeginning(partitions);
                } else {
                    Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
                    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                    for (TopicPartition tp : partitions) {
                        consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - history));
                    }
                }
            } catch (RuntimeException e) {
                consumer.close(Duration.ofSeconds(5));
                throw e;
            }
            thread = new Thread(this, "saa-view-" + topic);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            try {
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        try {
                            sink.accept(r.value());
                        } catch (Exception e) {
                            state.onUndecodable(topic, r.offset(), e);
                        }
                    }
                }
            } catch (WakeupException e) {
                // close() asked us to stop
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }

        void stop() throws InterruptedException {
            running = false;
            consumer.wakeup();
            thread.join(10_000);
        }
    }
}
