package dev.saaflink.operators.context;

import dev.saaflink.operators.pipeline.FrameInProgress;

import java.util.Map;

/**
 * The wire contract for operator records that act on a camera's stream memory instead of being inspected. They travel
 * on the frames topic, keyed by camera like its frames, so they keep their place in the camera's order: a seed that
 * precedes a frame in the partition is in the memory when that frame is scored, and a reset takes effect between the
 * frames it was published between. A config-topic command could not promise that (it is broadcast, unordered with the
 * frames).
 *
 * <p>A frame whose attribute {@value #ATTRIBUTE} is
 * <ul>
 *   <li>{@value #SEED}: a known-good frame; it is encoded, enters its camera and category's memory without being
 *       scored, and produces no anomaly event ({@code saa.seedFrames});</li>
 *   <li>{@value #RESET}: clears that camera and category's memory (a product changeover); its image may be empty
 *       and is never decoded or encoded; it produces no event ({@code saa.memoryResets});</li>
 *   <li>absent: an ordinary frame to inspect. Any other value is bad input: the record becomes a dead letter.</li>
 * </ul>
 */
public final class MemoryRecords {
    /** The attribute that marks a memory record. */
    public static final String ATTRIBUTE = "saa.memory";
    public static final String SEED = "seed";
    public static final String RESET = "reset";

    /** What a record does. */
    public enum Kind { INSPECT, SEED, RESET }

    private MemoryRecords() {}

    /**
     * The kind named by a frame's attributes.
     *
     * @throws IllegalArgumentException when {@value #ATTRIBUTE} holds a value other than seed or reset
     */
    public static Kind parse(Map<String, String> attributes) {
        String v = attributes == null ? null : attributes.get(ATTRIBUTE);
        if (v == null) {
            return Kind.INSPECT;
        }
        return switch (v) {
            case SEED -> Kind.SEED;
            case RESET -> Kind.RESET;
            default -> throw new IllegalArgumentException("attribute " + ATTRIBUTE + " is '" + v
                    + "': must be '" + SEED + "' or '" + RESET + "', or absent for a frame to inspect");
        };
    }

    /** The kind of a decoded frame (the decoder has rejected unknown values already; they read as INSPECT here). */
    public static Kind kind(FrameInProgress p) {
        return p == null || p.frame == null ? Kind.INSPECT : kindOf(p.frame.attributes);
    }

    /** The kind named by a frame's attributes, leniently: an absent or unknown value reads as INSPECT. */
    public static Kind kindOf(Map<String, String> attributes) {
        String v = attributes == null ? null : attributes.get(ATTRIBUTE);
        if (SEED.equals(v)) {
            return Kind.SEED;
        }
        return RESET.equals(v) ? Kind.RESET : Kind.INSPECT;
    }

    /** True for a seed or reset record: never inspected, never an event. */
    public static boolean isMemoryRecord(FrameInProgress p) {
        return kind(p) != Kind.INSPECT;
    }
}
