package dev.saaflink.jobs.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import dev.saaflink.jobs.cli.Progress;
import dev.saaflink.jobs.kafka.KafkaTopics;
import dev.saaflink.schemas.AvroBytes;
import dev.saaflink.schemas.Frame;

/**
 * Publishes frames to a Kafka topic the way the inspection job expects them: key = camera id (UTF-8), value =
 * the frame in Avro single-object encoding. Sends are asynchronous and idempotent with acks from all
 * replicas; the first failed send stops further publishing. An optional rate paces frames like a camera.
 */
public final class FramePublisher implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final Pacer pacer;
    private final Progress progress;
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

    private FramePublisher(Builder b) {
        this.topic = b.topic;
        this.pacer = new Pacer(b.ratePerSecond);
        this.progress = b.progress;
        this.producer = new KafkaProducer<>(producerProperties(b.bootstrapServers, b.clientProperties),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    public static Builder builder(String bootstrapServers, String topic) {
        return new Builder(bootstrapServers, topic);
    }

    /** The producer settings, extra client properties last so that they can override the defaults. */
    static Properties producerProperties(String bootstrapServers, Map<String, String> clientProperties) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(KafkaTopics.MAX_MESSAGE_BYTES));
        // room for a few of the largest frames in flight at once
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(4L * KafkaTopics.MAX_MESSAGE_BYTES));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "saa-frame-publisher");
        p.putAll(clientProperties);
        Properties properties = new Properties();
        properties.putAll(p);
        return properties;
    }

    /** The bytes that go on the wire for a frame (Avro single-object encoding). */
    public static byte[] encode(Frame frame) {
        try {
            return AvroBytes.toArray(Frame.getEncoder().encode(frame));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode frame " + frame.getFrameId(), e);
        }
    }

    /**
     * Sends one frame, first waiting for its slot when a rate was set. Returns once the frame is handed to
     * the producer; {@link #flush()} waits for the broker's acknowledgements.
     *
     * @throws IllegalStateException when an earlier send failed
     */
    public void publish(Frame frame) throws InterruptedException {
        throwIfFailed();
        pacer.acquire();
        byte[] key = frame.getCameraId().getBytes(StandardCharsets.UTF_8);
        byte[] value = encode(frame);
        producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
            if (error != null) {
                firstFailure.compareAndSet(null, error);
                return;
            }
            acknowledged.incrementAndGet();
            bytesSent.addAndGet(value.length);
            if (progress != null) {
                progress.step();
            }
        });
    }

    /**
     * Sends any key and value bytes and waits for the acknowledgement; for tests, and for records that are
     * not frames at all (the demo's deliberately corrupt one).
     */
    public RecordMetadata publishRaw(byte[] key, byte[] value) {
        try {
            RecordMetadata metadata = producer.send(new ProducerRecord<>(topic, key, value)).get();
            acknowledged.incrementAndGet();
            bytesSent.addAndGet(value == null ? 0 : value.length);
            return metadata;
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing to topic '" + topic + "' failed: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing to topic '" + topic + "'", e);
        }
    }

    /**
     * Waits until every frame sent so far is acknowledged.
     *
     * @throws IllegalStateException when any send failed
     */
    public void flush() {
        producer.flush();
        throwIfFailed();
    }

    /** Frames and raw records the broker has acknowledged. */
    public long acknowledged() {
        return acknowledged.get();
    }

    /** Value bytes of the acknowledged records. */
    public long bytesSent() {
        return bytesSent.get();
    }

    public String topic() {
        return topic;
    }

    /** Sends what is buffered (waiting at most a minute) and closes the producer. */
    @Override
    public void close() {
        producer.close(Duration.ofMinutes(1));
    }

    private void throwIfFailed() {
        Exception failure = firstFailure.get();
        if (failure != null) {
            throw new IllegalStateException("publishing to topic '" + topic + "' failed: " + failure.getMessage(),
                    failure);
        }
    }

    /** Settings of a {@link FramePublisher}. */
    public static final class Builder {
        private final String bootstrapServers;
        private final String topic;
        private Map<String, String> clientProperties = Map.of();
        private double ratePerSecond;
        private Progress progress;

        private Builder(String bootstrapServers, String topic) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            this.topic = Objects.requireNonNull(topic, "topic");
        }

        /** Extra Kafka client settings (security, timeouts); they override this class's defaults. */
        public Builder clientProperties(Map<String, String> properties) {
            this.clientProperties = Map.copyOf(properties);
            return this;
        }

        /** Frames per second; zero or less publishes as fast as the broker accepts. */
        public Builder ratePerSecond(double framesPerSecond) {
            this.ratePerSecond = framesPerSecond;
            return this;
        }

        /** Counted once per acknowledged frame. */
        public Builder progress(Progress progress) {
            this.progress = progress;
            return this;
        }

        public FramePublisher build() {
            return new FramePublisher(this);
        }
    }
}
