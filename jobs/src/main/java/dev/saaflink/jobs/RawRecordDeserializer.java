package dev.saaflink.jobs;

import dev.saaflink.operators.decode.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Keeps the Kafka record as it came (coordinates, key, value bytes): decoding happens in the next operator, so a
 * poison record can never fail the source and its original bytes reach the dead-letter topic unchanged.
 */
public final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        RawRecord raw = new RawRecord();
        raw.topic = record.topic();
        raw.partition = record.partition();
        raw.offset = record.offset();
        raw.timestamp = record.timestamp();
        raw.key = record.key();
        raw.value = record.value();
        out.collect(raw);
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
