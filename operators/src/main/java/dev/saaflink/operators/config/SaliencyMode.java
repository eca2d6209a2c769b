package dev.saaflink.operators.config;

import java.util.Locale;

/** Which neighbours the self-similarity saliency averages (reference §9, discrepancy D4). */
public enum SaliencyMode {
    /** As coded: the {@code saliencyNeighbours} largest distances (rows sorted descending). */
    FARTHEST,
    /** As in the paper (Eq. 5): the {@code saliencyNeighbours} smallest distances. */
    NEAREST;

    /** Lower-case YAML spelling. */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the YAML spelling, case-insensitively; null if unknown. */
    static SaliencyMode parse(String s) {
        for (SaliencyMode m : values()) {
            if (m.name().equalsIgnoreCase(s)) {
                return m;
            }
        }
        return null;
    }
}
