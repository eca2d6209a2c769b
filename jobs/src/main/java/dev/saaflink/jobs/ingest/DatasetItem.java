package dev.saaflink.jobs.ingest;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One image found by {@link DatasetScanner}, with its ground-truth mask when the dataset has one.
 *
 * @param category the category the frame is inspected as (the top folder, or the override)
 * @param subset the folder the image came from, e.g. a defect type such as {@code blowhole} or {@code free}
 * @param name the image file name without its extension (also the base name of its mask); for a file not named
 *             like an image (see {@link DatasetScanner}), its whole file name
 * @param image the image file
 * @param mask the mask PNG, or null when there is none
 * @param source the image path relative to the scanned dataset folder, with '/' separators
 */
public record DatasetItem(String category, String subset, String name, Path image, Path mask, String source) {

    /** Folder names that hold defect-free images (MTD's {@code free}, MVTec's {@code good}); any other is a defect type. */
    public static final Set<String> NORMAL_FOLDERS = Set.of("good", "free", "ok", "normal");

    public DatasetItem {
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(subset, "subset");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(source, "source");
    }

    /** Whether the image's folder is one of {@link #NORMAL_FOLDERS} (any case). */
    public boolean inNormalFolder() {
        return NORMAL_FOLDERS.contains(subset.toLowerCase(Locale.ROOT));
    }

    public boolean hasMask() {
        return mask != null;
    }

    /** Whether the file's extension is one of the image types a dataset holds (jpg, jpeg, png, bmp). */
    public boolean namedLikeImage() {
        return DatasetScanner.isImage(image);
    }

    /** Stable, unique id of the frame made from this item: {@code <category>/<subset>/<name>}. */
    public String frameId() {
        return category + "/" + subset + "/" + name;
    }
}
