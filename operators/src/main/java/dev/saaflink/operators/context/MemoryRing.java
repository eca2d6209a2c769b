package dev.saaflink.operators.context;

/**
 * The bookkeeping of one key's stream memory in Flink state, next to the slots themselves (one map entry per memory
 * frame, see {@code StreamContextFunction}): the dimensions the slots were written with, how many slots are filled
 * (always the prefix {@code 0 .. count-1}), the slot the next frame goes to, and the frames added so far. A few bytes,
 * so rewriting it with every frame costs nothing next to the frame's slot.
 *
 * <p>A Flink POJO (public fields, no-arg constructor).
 */
public final class MemoryRing {
    public int capacity;
    public int channels;
    public int perFrame;
    public int count;
    public int next;
    public long added;
    /** The admission gate's history ({@link StreamMemory#admissionHistory}); at most a few hundred floats. */
    public float[] admissionHistory;
    /** {@link StreamMemory#leftOutInARow}. */
    public int leftOutInARow;
    /** The dark-line channel's history ({@link StreamMemory#darkLineHistory}); at most a few hundred floats. */
    public float[] darkLineHistory;

    public MemoryRing() {}

    /** The bookkeeping of {@code memory}. */
    public static MemoryRing of(StreamMemory memory) {
        MemoryRing r = new MemoryRing();
        r.capacity = memory.capacity;
        r.channels = memory.channels;
        r.perFrame = memory.perFrame;
        r.count = memory.count;
        r.next = memory.next;
        r.added = memory.added;
        r.admissionHistory = memory.admissionHistory;
        r.leftOutInARow = memory.leftOutInARow;
        r.darkLineHistory = memory.darkLineHistory;
        return r;
    }

    /** Values in one slot: channels × perFrame. */
    public int slotValues() {
        return channels * perFrame;
    }

    /** The slot the latest frame went to, or −1 when none was added. */
    public int lastSlot() {
        return count == 0 ? -1 : Math.floorMod(next - 1, capacity);
    }

    /** An empty in-memory {@link StreamMemory} of these dimensions and position, slots to be filled by the caller. */
    public StreamMemory emptyMemory() {
        StreamMemory m = new StreamMemory(capacity, channels, perFrame);
        m.count = count;
        m.next = next;
        m.added = added;
        m.admissionHistory = admissionHistory;
        m.leftOutInARow = leftOutInARow;
        m.darkLineHistory = darkLineHistory;
        return m;
    }

    @Override
    public String toString() {
        return "MemoryRing{" + count + "/" + capacity + " frames of " + channels + "x" + perFrame + ", next=" + next
                + ", added=" + added + "}";
    }
}
