package dev.saaflink.operators.context;

import java.util.Arrays;

/**
 * The recent frames of one camera and category, as the stream-context saliency keeps them in Flink keyed state:
 * up to {@link #capacity} frames of {@link #perFrame} unit-length patch vectors of {@link #channels} values each,
 * frame-major and channel-major within a frame ({@code [M, C, S]}, the layout the memory scorer reads). Slots fill
 * from 0; once full, the oldest frame is overwritten ({@link #next}). The filled slots are always the prefix
 * {@code 0 .. count-1}, so scoring reads one contiguous block.
 *
 * <p>A Flink POJO (public fields, no-arg constructor), checkpointed with the job. Size: capacity × C × S floats,
 * 16.8 MB for the defaults (48 × 256 × 341; 16 × 256 × 1024 before issue 14's defect-run figures).
 */
public final class StreamMemory {
    public int capacity;
    public int channels;
    public int perFrame;
    /** Frames held, at most {@link #capacity}. */
    public int count;
    /** Slot the next frame goes to. */
    public int next;
    /** Frames added since the memory was created (eviction included). */
    public long added;
    /** capacity × channels × perFrame floats; slots at and beyond {@link #count} are unused. */
    public float[] data;
    /**
     * The admission gate's history ({@link MemoryAdmission}): the score quantiles of the last remembered frames,
     * oldest first; null or empty before the first scored frame was remembered.
     */
    public float[] admissionHistory;
    /** Scored frames the admission gate has kept out of the memory in a row (reset by every remembered frame). */
    public int leftOutInARow;
    /**
     * The dark-line channel's history ({@link DarkLines}): the top-hat quantiles of the camera's last frames, oldest
     * first; null or empty before its first frame.
     */
    public float[] darkLineHistory;

    public StreamMemory() {}

    public StreamMemory(int capacity, int channels, int perFrame) {
        if (capacity < 1 || channels < 1 || perFrame < 1) {
            throw new IllegalArgumentException("capacity, channels and perFrame must be positive: " + capacity + ", "
                    + channels + ", " + perFrame);
        }
        this.capacity = capacity;
        this.channels = channels;
        this.perFrame = perFrame;
        this.data = new float[Math.multiplyExact(Math.multiplyExact(capacity, channels), perFrame)];
    }

    /** True when this memory was made for these dimensions (a config change after a restore makes a new one). */
    public boolean fits(int capacity, int channels, int perFrame) {
        return this.capacity == capacity && this.channels == channels && this.perFrame == perFrame
                && data != null && data.length == capacity * channels * perFrame;
    }

    /** Stores one frame ({@code C × S} values, columns already unit length), evicting the oldest when full. */
    public void add(float[] frameCs) {
        int size = channels * perFrame;
        if (frameCs.length != size) {
            throw new IllegalArgumentException("a memory frame has " + frameCs.length + " values, expected "
                    + channels + "x" + perFrame);
        }
        System.arraycopy(frameCs, 0, data, next * size, size);
        next = (next + 1) % capacity;
        count = Math.min(count + 1, capacity);
        added++;
    }

    /** The filled slots, {@code [count, C, S]}: the backing array itself when full, a copy of the prefix before. */
    public float[] filled() {
        int used = count * channels * perFrame;
        return used == data.length ? data : Arrays.copyOf(data, used);
    }
}
