package dev.saaflink.operators.pipeline;

/**
 * A frame-size map that is zero almost everywhere, kept as its non-zero pixels (row-major index, value), so that a
 * pixel-resolution channel can travel with a frame to fusion at the cost of the pixels it marks rather than the
 * frame's size. A Flink POJO (public fields, no-arg constructor).
 */
public final class SparseMap {
    public int width;
    public int height;
    /** Row-major pixel indices, ascending. */
    public int[] index;
    public float[] value;

    public SparseMap() {}

    public SparseMap(int width, int height, int[] index, float[] value) {
        if (index.length != value.length) {
            throw new IllegalArgumentException(index.length + " indices for " + value.length + " values");
        }
        this.width = width;
        this.height = height;
        this.index = index;
        this.value = value;
    }

    /** Pixels held. */
    public int size() {
        return index == null ? 0 : index.length;
    }

    /**
     * Adds this map to {@code map} ({@code width × height}, row-major) in place.
     *
     * @throws IllegalArgumentException when the sizes differ
     */
    public void addTo(double[] map, int width, int height) {
        if (width != this.width || height != this.height || map.length != width * height) {
            throw new IllegalArgumentException("a " + this.width + "x" + this.height + " sparse map added to a " + width
                    + "x" + height + " map");
        }
        for (int i = 0; i < size(); i++) {
            map[index[i]] += value[i];
        }
    }
}
