package dev.saaflink.jobs.ingest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The order a dataset's frames are published in ({@code --order} of {@code ./saa ingest} and {@code ./saa eval}).
 * A scanned folder comes sorted by folder, then name, so a sorted replay sends every defect of one type in a row
 * and a topic recorded that way is sorted by defect type. A production line interleaves defect types and good
 * parts, and the stream-context saliency scores each frame against the frames before it, so the default is a
 * shuffle: a fixed permutation per seed, the same on every run. {@link #BURST} imitates a machine on the line that
 * starts failing now and then: defects come in runs between stretches of good parts.
 */
public enum PublishOrder {
    /** As scanned: by folder, then file name. */
    SORTED,
    /** A seeded permutation of the scanned order. */
    SHUFFLED,
    /**
     * Defects in runs of {@value #MIN_BURST} to {@value #MAX_BURST} frames (lengths drawn from the seed; the last run
     * may be shorter) between stretches of defect-free frames ({@link DatasetItem#inNormalFolder}), as evenly long as
     * the numbers allow, starting and ending with a stretch. The defects are grouped by type (types in a seeded
     * order, frames shuffled within a type), so a run is mostly one type, as when one fault starts to recur; the
     * defect-free frames are shuffled.
     */
    BURST;

    /** Seed of the shuffled and burst orders when none is given. */
    public static final long DEFAULT_SEED = 7;
    /** Shortest defect run of {@link #BURST}. */
    public static final int MIN_BURST = 10;
    /** Longest defect run of {@link #BURST}. */
    public static final int MAX_BURST = 30;

    /** The items in this order; {@code items} is left as it is. */
    public List<DatasetItem> apply(List<DatasetItem> items, long seed) {
        List<DatasetItem> out = new ArrayList<>(items);
        if (this == SHUFFLED) {
            Collections.shuffle(out, new Random(seed));
        } else if (this == BURST) {
            out = bursts(items, new Random(seed));
        }
        return List.copyOf(out);
    }

    private static List<DatasetItem> bursts(List<DatasetItem> items, Random random) {
        List<DatasetItem> normal = new ArrayList<>();
        Map<String, List<DatasetItem>> byType = new LinkedHashMap<>();
        for (DatasetItem item : items) {
            if (item.inNormalFolder()) {
                normal.add(item);
            } else {
                byType.computeIfAbsent(item.subset(), k -> new ArrayList<>()).add(item);
            }
        }
        Collections.shuffle(normal, random);
        List<String> types = new ArrayList<>(byType.keySet());
        Collections.shuffle(types, random);
        List<DatasetItem> defects = new ArrayList<>();
        for (String type : types) {
            List<DatasetItem> ofType = byType.get(type);
            Collections.shuffle(ofType, random);
            defects.addAll(ofType);
        }
        List<Integer> runs = new ArrayList<>();
        for (int left = defects.size(); left > 0; ) {
            int run = Math.min(left, MIN_BURST + random.nextInt(MAX_BURST - MIN_BURST + 1));
            runs.add(run);
            left -= run;
        }
        // runs + 1 stretches of defect-free frames, their lengths differing by at most one
        int stretches = runs.size() + 1;
        List<DatasetItem> out = new ArrayList<>(items.size());
        int nextNormal = 0;
        int nextDefect = 0;
        for (int i = 0; i < stretches; i++) {
            int length = normal.size() / stretches + (i < normal.size() % stretches ? 1 : 0);
            out.addAll(normal.subList(nextNormal, nextNormal + length));
            nextNormal += length;
            if (i < runs.size()) {
                out.addAll(defects.subList(nextDefect, nextDefect + runs.get(i)));
                nextDefect += runs.get(i);
            }
        }
        return out;
    }

    /** Parses {@code sorted}, {@code shuffled} or {@code burst} (any case). */
    public static PublishOrder parse(String text) {
        for (PublishOrder order : values()) {
            if (order.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return order;
            }
        }
        throw new IllegalArgumentException("--order must be shuffled, sorted or burst, got " + text);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
