package dev.saaflink.jobs.ingest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The order a dataset's frames are published in ({@code --order} of {@code ./saa ingest} and {@code ./saa eval}).
 * A scanned folder comes sorted by folder, then name, so a sorted replay sends every defect of one type in a row
 * and a topic recorded that way is sorted by defect type. A production line interleaves defect types and good
 * parts, and the stream-context saliency scores each frame against the frames before it, so the default is a
 * shuffle: a fixed permutation per seed, the same on every run.
 */
public enum PublishOrder {
    /** As scanned: by folder, then file name. */
    SORTED,
    /** A seeded permutation of the scanned order. */
    SHUFFLED;

    /** Seed of the shuffled order when none is given. */
    public static final long DEFAULT_SEED = 7;

    /** The items in this order; {@code items} is left as it is. */
    public List<DatasetItem> apply(List<DatasetItem> items, long seed) {
        List<DatasetItem> out = new ArrayList<>(items);
        if (this == SHUFFLED) {
            Collections.shuffle(out, new Random(seed));
        }
        return List.copyOf(out);
    }

    /** Parses {@code sorted} or {@code shuffled} (any case). */
    public static PublishOrder parse(String text) {
        for (PublishOrder order : values()) {
            if (order.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return order;
            }
        }
        throw new IllegalArgumentException("--order must be shuffled or sorted, got " + text);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
