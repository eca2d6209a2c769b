package dev.saaflink.jobs;

import dev.saaflink.schemas.AvroBytes;
import dev.saaflink.jobs.kafka.KafkaTopics;
import dev.saaflink.jobs.kafka.TransactionTimeout;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.flink.AvroValueSerializer;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.DeadLetter;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

/**
 * The job's Kafka endpoints: a source of raw frame records, optionally a source of live config records, and
 * transactional sinks (events, dead letters, config errors), all EXACTLY_ONCE so a restart from a checkpoint neither
 * loses nor repeats an output record for {@code read_committed} readers.
 */
public final class KafkaEndpoints {

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    /** The option's value, or null: then {@link TransactionTimeout#resolve} falls back to the client settings. */
    private Long transactionTimeoutMillis;

    public KafkaEndpoints(String bootstrapServers, Map<String, String> clientProperties) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
    }

    /**
     * The sinks' {@code transaction.timeout.ms}, overriding the client settings' (see {@link TransactionTimeout}).
     * It must not exceed the brokers' {@code transaction.max.timeout.ms}.
     */
    public KafkaEndpoints transactionTimeout(long millis) {
        this.transactionTimeoutMillis = millis;
        return this;
    }

    /** Reads from the group's committed offsets (earliest if none); when bounded, stops at the end offsets seen at start. */
    public KafkaSource<RawRecord> framesSource(String topic, String groupId, boolean bounded) {
        return framesSource(topic, groupId, bounded ? OffsetsInitializer.latest() : null);
    }

    /**
     * Reads from the group's committed offsets (earliest if none) and stops at {@code stopOffsets}; null means the
     * end offsets when the job starts. A replay pins them so that the job sees exactly the records read for scoring.
     */
    public KafkaSource<RawRecord> framesSource(String topic, String groupId, Map<TopicPartition, Long> stopOffsets) {
        return framesSource(topic, groupId, stopOffsets == null ? OffsetsInitializer.latest()
                : OffsetsInitializer.offsets(stopOffsets));
    }

    private KafkaSource<RawRecord> framesSource(String topic, String groupId, OffsetsInitializer stopping) {
        var builder = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(bootstrapServers)
                .setTopics(topic)
                .setGroupId(groupId)
                // Resume where the group's last checkpoint committed; a new group starts at the beginning.
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("isolation.level", "read_committed")
                .setProperty("max.partition.fetch.bytes", String.valueOf(KafkaTopics.MAX_MESSAGE_BYTES))
                .setProperties(properties());
        if (stopping != null) {
            builder.setBounded(stopping);
        }
        return builder.build();
    }

    /**
     * The live config topic (key = category, value = YAML; see {@code LiveConfigDecodeFunction}), as raw records so a
     * bad one reaches the config-errors topic byte for byte. A fresh start reads it from the earliest offset (on a
     * compacted topic: the latest record per category); a restore continues from the checkpointed offsets. No
     * consumer group offsets are committed. Bounded: up to the end offsets at start, for {@code --bounded} runs.
     */
    public KafkaSource<RawRecord> configSource(String topic, boolean bounded) {
        var builder = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(bootstrapServers)
                .setTopics(topic)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("isolation.level", "read_committed")
                .setProperties(properties());
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    public KafkaSink<AnomalyEvent> eventsSink(String topic, String transactionalIdPrefix) {
        SerializationSchema<AnomalyEvent> key = e -> e.getCameraId().getBytes(StandardCharsets.UTF_8);
        return sink(topic, transactionalIdPrefix, key, new AvroValueSerializer<>(AnomalyEvent.class));
    }

    public KafkaSink<DeadLetter> deadLetterSink(String topic, String transactionalIdPrefix) {
        SerializationSchema<DeadLetter> key = d -> d.getKey() == null ? null : AvroBytes.toArray(d.getKey());
        return sink(topic, transactionalIdPrefix, key, new AvroValueSerializer<>(DeadLetter.class));
    }

    private <T extends SpecificRecordBase> KafkaSink<T> sink(String topic, String transactionalIdPrefix,
                                                            SerializationSchema<T> key, SerializationSchema<T> value) {
        Properties producer = properties();
        producer.setProperty(TransactionTimeout.PROPERTY,
                String.valueOf(TransactionTimeout.resolve(transactionTimeoutMillis, clientProperties)));
        producer.setProperty("max.request.size", String.valueOf(KafkaTopics.MAX_MESSAGE_BYTES));
        return KafkaSink.<T>builder()
                .setBootstrapServers(bootstrapServers)
                .setKafkaProducerConfig(producer)
                .setRecordSerializer(KafkaRecordSerializationSchema.<T>builder()
                        .setTopic(topic)
                        .setKeySerializationSchema(key)
                        .setValueSerializationSchema(value)
                        .build())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .build();
    }

    private Properties properties() {
        Properties p = new Properties();
        p.putAll(clientProperties);
        return p;
    }

}
