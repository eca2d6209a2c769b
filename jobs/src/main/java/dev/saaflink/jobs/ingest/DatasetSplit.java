package dev.saaflink.jobs.ingest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;

/**
 * Which half of a labelled dataset an evaluation uses ({@code --split} of {@code ./saa eval} and {@code ./saa score}):
 * the tuning half, on which every setting is chosen, the validation half, on which the chosen settings are reported,
 * or all of it.
 *
 * <p><b>The rule.</b> An image belongs to the tuning half when the first byte of SHA-256 over the UTF-8 bytes of
 * {@code <folder>/<name>} is even, to the validation half when it is odd. {@code folder} is the image's own folder
 * (the defect type, {@link DatasetItem#subset()}, e.g. {@code blowhole} or {@code good}) and {@code name} its file
 * name without the extension ({@link DatasetItem#name()}), so {@code printf '%s' 'blowhole/exp1_num_108889' |
 * sha256sum} tells the half in a shell. Nothing else goes in: not where the dataset sits, not the scan order, not a
 * category override, so the halves are the same on every machine and in every publishing order.
 *
 * <p>The folder is part of the key because MVTec-style datasets number the images of every defect type alike
 * ({@code 000.png}, {@code 001.png}, ...): on the name alone, image 000 of every type would fall in the same half
 * together. The extension is left out so that {@code ./saa score}, which may know an image only by its mask file,
 * puts it in the same half as {@code ./saa eval} does.
 */
public enum DatasetSplit {
    /** Every image. */
    ALL,
    /** Images whose key hashes to an even first byte: choose settings here. */
    TUNE,
    /** Images whose key hashes to an odd first byte: report here. */
    VALIDATE;

    /** The half {@code item} belongs to (never {@link #ALL}). */
    public static DatasetSplit of(DatasetItem item) {
        return ofKey(key(item));
    }

    /** The half of a key {@code <folder>/<name>} (never {@link #ALL}). */
    public static DatasetSplit ofKey(String key) {
        return (sha256(key)[0] & 1) == 0 ? TUNE : VALIDATE;
    }

    /** The hashed key of an item: {@code <subset>/<name>}. */
    public static String key(DatasetItem item) {
        return item.subset() + "/" + item.name();
    }

    /** Whether this split keeps {@code item}. */
    public boolean contains(DatasetItem item) {
        return this == ALL || of(item) == this;
    }

    /** The items this split keeps, in their order. */
    public List<DatasetItem> apply(List<DatasetItem> items) {
        return this == ALL ? items : items.stream().filter(this::contains).toList();
    }

    /** Parses {@code all}, {@code tune} or {@code validate} (any case). */
    public static DatasetSplit parse(String text) {
        for (DatasetSplit split : values()) {
            if (split.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return split;
            }
        }
        throw new IllegalArgumentException("--split must be all, tune or validate, got " + text);
    }

    /** One line for reports: the half and the rule. */
    public String describe() {
        return this == ALL ? "all images"
                : this + " half: images whose SHA-256 of UTF-8 '<folder>/<name without extension>' has an "
                        + (this == TUNE ? "even" : "odd") + " first byte";
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
