package dev.saaflink.operators.context;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stream-context keys one subtask admits: at most {@code capacity} keys seen within the last {@code ttlMillis}.
 * A key stays admitted while its frames keep coming; one idle for {@code ttlMillis} leaves (as its memory does, by
 * the state TTL with the same duration), freeing its place. Plain Java, not thread-safe (one per subtask, used from
 * the task thread only).
 *
 * <p>Keys are kept in the order they were last seen, so the idle ones are at the head and leave in
 * O(keys leaving). A key is counted from its first admitted frame, whether or not that frame's scoring succeeded:
 * the count never under-states the memories on the subtask.
 */
public final class KeyBudget {
    private final int capacity;
    private final long ttlMillis;
    /** Key to the processing time it was last seen, least recently seen first. */
    private final LinkedHashMap<String, Long> lastSeen = new LinkedHashMap<>(16, 0.75f, true);

    /**
     * @param capacity most keys admitted at once, at least 1
     * @param ttlMillis how long a key stays without a frame; 0: forever
     */
    public KeyBudget(int capacity, long ttlMillis) {
        if (capacity < 1 || ttlMillis < 0) {
            throw new IllegalArgumentException("capacity must be >= 1 and ttlMillis >= 0, got " + capacity + ", "
                    + ttlMillis);
        }
        this.capacity = capacity;
        this.ttlMillis = ttlMillis;
    }

    /**
     * Admits a frame of {@code key} at processing time {@code now}: true (and the key counts as seen now) when the key
     * is admitted already or there is room for it once idle keys have left; false when the subtask is full.
     */
    public boolean admit(String key, long now) {
        expire(now);
        if (lastSeen.containsKey(key) || lastSeen.size() < capacity) {
            lastSeen.put(key, now);
            return true;
        }
        return false;
    }

    /** Forgets a key (its memory was reset), freeing its place; a key not admitted is a no-op. */
    public void release(String key) {
        lastSeen.remove(key);
    }

    /** Keys admitted now. */
    public int size() {
        return lastSeen.size();
    }

    public int capacity() {
        return capacity;
    }

    /** The admitted keys with the time each was last seen, least recently seen first (for a snapshot). */
    public Map<String, Long> entries() {
        return new LinkedHashMap<>(lastSeen);
    }

    /**
     * Puts back a key restored from a snapshot, keeping the order by last-seen time as long as restored keys come
     * oldest first; keys beyond the capacity are not restored (the capacity may have been lowered).
     */
    public void restore(String key, long seenAt) {
        if (lastSeen.size() < capacity || lastSeen.containsKey(key)) {
            lastSeen.merge(key, seenAt, Math::max);
        }
    }

    /** Drops the keys idle for the TTL or longer (Flink's TTL: expired when last access + TTL <= now). */
    private void expire(long now) {
        if (ttlMillis == 0) {
            return;
        }
        Iterator<Map.Entry<String, Long>> it = lastSeen.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Long> e = it.next();
            if (e.getValue() > now - ttlMillis) {
                return; // the rest were seen later
            }
            it.remove();
        }
    }
}
