package dev.saaflink.schemas;

import java.nio.ByteBuffer;

/** Avro hands {@code bytes} fields and encoded records over as {@link ByteBuffer}s; most consumers want arrays. */
public final class AvroBytes {

    private AvroBytes() {}

    /**
     * The buffer's readable bytes, without moving its position. Avoids a copy when the buffer wraps exactly one
     * whole array, so treat the result as read-only.
     */
    public static byte[] toArray(ByteBuffer buffer) {
        if (buffer.hasArray() && buffer.arrayOffset() == 0 && buffer.position() == 0
                && buffer.remaining() == buffer.array().length) {
            return buffer.array();
        }
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return copy;
    }
}
