package dev.saaflink.operators.flink;

import dev.saaflink.schemas.AvroBytes;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.serialization.SerializationSchema;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes a generated Avro record in Avro's single-object encoding (2 magic bytes, the 8-byte schema fingerprint,
 * then the binary body), so readers can tell schema versions apart.
 */
public final class AvroValueSerializer<T extends SpecificRecordBase> implements SerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private transient BinaryMessageEncoder<T> encoder;

    public AvroValueSerializer(Class<T> type) {
        this.type = type;
    }

    @Override
    public byte[] serialize(T record) {
        if (encoder == null) {
            encoder = new BinaryMessageEncoder<>(SpecificData.getForClass(type), SpecificData.get().getSchema(type));
        }
        try {
            return AvroBytes.toArray(encoder.encode(record));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
        }
    }
}
