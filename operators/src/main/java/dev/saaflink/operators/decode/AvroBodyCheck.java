package dev.saaflink.operators.decode;

import org.apache.avro.Schema;

/**
 * Walks an Avro binary body against its writer schema without materialising anything, and reports the first
 * length, count or index that cannot be right for the bytes actually present.
 *
 * <p>Why: Avro's decoder allocates a {@code bytes}/{@code string} buffer (or a map/array of the announced
 * size) <em>before</em> it notices the stream is too short, so a corrupt varint announcing ~2 GB would allocate
 * ~2 GB per poison record. Running this walk first turns that into a cheap MALFORMED_AVRO.
 *
 * <p>Deliberately conservative for zero-width items: a block count larger than the bytes left is rejected
 * even for an array of nulls. None of this project's schemas has such a field.
 */
final class AvroBodyCheck {
    private static final int MAX_DEPTH = 64;

    private final byte[] buf;
    private int pos;

    private AvroBodyCheck(byte[] buf, int start) {
        this.buf = buf;
        this.pos = start;
    }

    /**
     * @return null when every length in the body fits the buffer, else a description of the first one that
     *     does not
     */
    static String findProblem(Schema schema, byte[] buf, int start) {
        AvroBodyCheck walker = new AvroBodyCheck(buf, start);
        try {
            walker.skip(schema, 0);
            return null;
        } catch (Bad bad) {
            return bad.getMessage() + " (body byte " + (walker.pos - start) + " of " + (buf.length - start) + ")";
        }
    }

    private int remaining() {
        return buf.length - pos;
    }

    private void skip(Schema s, int depth) throws Bad {
        if (depth > MAX_DEPTH) {
            throw new Bad("nesting deeper than " + MAX_DEPTH);
        }
        switch (s.getType()) {
            case NULL -> { }
            case BOOLEAN -> take(1, "boolean");
            case INT -> readVarLong(5, "int");
            case LONG -> readVarLong(10, "long");
            case FLOAT -> take(4, "float");
            case DOUBLE -> take(8, "double");
            case STRING, BYTES -> take(readLength(s.getType().getName()), s.getType().getName());
            case FIXED -> take(s.getFixedSize(), "fixed " + s.getFullName());
            case ENUM -> {
                long index = readVarLong(5, "enum index");
                if (index < 0 || index >= s.getEnumSymbols().size()) {
                    throw new Bad("enum " + s.getFullName() + " index " + index + " out of range");
                }
            }
            case UNION -> {
                long branch = readVarLong(5, "union index");
                if (branch < 0 || branch >= s.getTypes().size()) {
                    throw new Bad("union branch " + branch + " out of range");
                }
                skip(s.getTypes().get((int) branch), depth + 1);
            }
            case RECORD -> {
                for (Schema.Field f : s.getFields()) {
                    try {
                        skip(f.schema(), depth + 1);
                    } catch (Bad bad) {
                        throw bad.in(f.name());
                    }
                }
            }
            case ARRAY -> skipBlocks(s.getElementType(), null, depth);
            case MAP -> skipBlocks(s.getValueType(), Schema.create(Schema.Type.STRING), depth);
            default -> throw new Bad("unsupported schema type " + s.getType());
        }
    }

    private void skipBlocks(Schema item, Schema key, int depth) throws Bad {
        while (true) {
            long count = readVarLong(10, "block count");
            if (count == 0) {
                return;
            }
            if (count < 0) {
                count = -count;
                // A negative count is followed by the block's byte size; it must fit too.
                long size = readVarLong(10, "block size");
                if (count < 0 || size < 0 || size > remaining()) {
                    throw new Bad("block size " + size + " with " + remaining() + " bytes left");
                }
            }
            if (count > remaining()) {
                throw new Bad("block of " + count + " items with " + remaining() + " bytes left");
            }
            for (long i = 0; i < count; i++) {
                if (key != null) {
                    skip(key, depth + 1);
                }
                skip(item, depth + 1);
            }
        }
    }

    private long readLength(String what) throws Bad {
        long len = readVarLong(10, what + " length");
        if (len < 0 || len > remaining()) {
            throw new Bad(what + " length " + len + " with " + remaining() + " bytes left");
        }
        return len;
    }

    private void take(long n, String what) throws Bad {
        if (n > remaining()) {
            throw new Bad(what + " needs " + n + " bytes, " + remaining() + " left");
        }
        pos += (int) n;
    }

    /** Zig-zag varint, as Avro writes int and long. */
    private long readVarLong(int maxBytes, String what) throws Bad {
        long raw = 0;
        for (int i = 0; i < maxBytes; i++) {
            if (pos >= buf.length) {
                throw new Bad(what + " cut short");
            }
            int b = buf[pos++] & 0xFF;
            raw |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new Bad(what + " varint longer than " + maxBytes + " bytes");
    }

    /** Control flow only: no stack trace. */
    private static final class Bad extends Exception {
        private static final long serialVersionUID = 1L;

        Bad(String message) {
            super(message, null, false, false);
        }

        Bad in(String field) {
            return new Bad("field '" + field + "': " + getMessage());
        }
    }
}
