package dev.saaflink.operators.eval;

import java.util.Arrays;

/** A primitive float list: one backing array, grown by half again when full; no boxing. */
final class GrowableFloats {
    /** Stay a little below Integer.MAX_VALUE, where JVMs refuse array allocations. */
    private static final int MAX_CAPACITY = Integer.MAX_VALUE - 16;

    private float[] values;
    private int size;

    GrowableFloats(int initialCapacity) {
        values = new float[Math.max(16, initialCapacity)];
    }

    void add(float v) {
        if (size == values.length) {
            ensureCapacity(size + 1);
        }
        values[size++] = v;
    }

    void ensureCapacity(long needed) {
        if (needed > MAX_CAPACITY) {
            throw new IllegalStateException("more than " + MAX_CAPACITY + " scores in one class");
        }
        if (needed <= values.length) {
            return;
        }
        long grown = Math.max(needed, values.length + (values.length >> 1));
        values = Arrays.copyOf(values, (int) Math.min(grown, MAX_CAPACITY));
    }

    /** Direct write after {@link #ensureCapacity}; used by the bulk path to avoid a call per element. */
    float[] array() {
        return values;
    }

    int size() {
        return size;
    }

    void setSize(int size) {
        this.size = size;
    }

    void sort() {
        if (size > 1 << 16) {
            Arrays.parallelSort(values, 0, size);
        } else {
            Arrays.sort(values, 0, size);
        }
    }
}
