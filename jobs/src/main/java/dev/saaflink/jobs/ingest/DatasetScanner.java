package dev.saaflink.jobs.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds the images of a dataset folder, in a fixed order, so that a replay publishes the same frames in the
 * same order every time. Two layouts are understood:
 * <ul>
 *   <li>{@code DIR/<category>/images/<name>.<ext>} with optional {@code DIR/<category>/masks/<name>.png}
 *       (also {@code <name>_mask.png}); a folder that has {@code images/} itself is read as one category;</li>
 *   <li>a flat folder of images, whose own name serves as category and subset.</li>
 * </ul>
 * The folder an image came from is kept as the item's subset. A category override (MTD's defect-type folders
 * are all evaluated as category {@code mtd}) replaces the category but never the subset.
 *
 * <p>Every regular file of an images folder becomes an item, not only those named like images: a zero-byte file,
 * a text note or an SVG is published like any frame and becomes a dead letter in the job, so that the files of a
 * folder always add up to events plus dead letters and nothing drops out unseen. Such a file keeps its whole name
 * (extension included) as its item name. A folder holding no file named like an image at all is still refused:
 * that is the wrong folder, not a dataset with one bad file.
 */
public final class DatasetScanner {

    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp");

    private static final String IMAGES = "images";
    private static final String MASKS = "masks";

    /**
     * @param dir the dataset folder
     * @param categoryOverride the category to give every item, or null/blank to use the folder names
     * @return the items sorted by folder, then file name
     * @throws IllegalArgumentException when {@code dir} is not a folder or holds no images
     */
    public List<DatasetItem> scan(Path dir, String categoryOverride) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("dataset folder not found: " + dir);
        }
        String override = categoryOverride == null || categoryOverride.isBlank() ? null : categoryOverride.trim();
        List<DatasetItem> items = new ArrayList<>();
        if (Files.isDirectory(dir.resolve(IMAGES))) {
            scanCategoryFolder(dir, dir, override, items);
        } else {
            List<Path> categoryFolders = listSorted(dir).stream()
                    .filter(p -> Files.isDirectory(p.resolve(IMAGES)))
                    .toList();
            if (categoryFolders.isEmpty()) {
                scanFlatFolder(dir, override, items);
            } else {
                for (Path folder : categoryFolders) {
                    scanCategoryFolder(dir, folder, override, items);
                }
            }
        }
        if (items.stream().noneMatch(DatasetItem::namedLikeImage)) {
            throw new IllegalArgumentException("no images (" + String.join(", ", sortedExtensions())
                    + ") found in " + dir + " (expected <category>/images/<name>.<ext> or a flat folder of images)");
        }
        return List.copyOf(items);
    }

    /**
     * For scoring without the images ({@code ./saa score}): one item per mask file of each category folder that has
     * {@code masks/} but no {@code images/} (the dataset folder itself counts when it has {@code masks/}). The name is
     * the mask's base name less a {@code _mask} suffix, so maps named like the masks match; the mask file also
     * stands in as the item's image, which scoring never reads. Only images with a mask file are known this way:
     * defect-free images count only where the dataset ships all-zero masks for them (as MTD does).
     *
     * @return the items sorted by folder, then mask name; empty when no folder qualifies
     */
    public List<DatasetItem> scanMasksOnly(Path dir, String categoryOverride) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("dataset folder not found: " + dir);
        }
        String override = categoryOverride == null || categoryOverride.isBlank() ? null : categoryOverride.trim();
        List<Path> folders = Files.isDirectory(dir.resolve(MASKS)) ? List.of(dir)
                : listSorted(dir).stream().filter(p -> Files.isDirectory(p.resolve(MASKS))).toList();
        List<DatasetItem> items = new ArrayList<>();
        for (Path folder : folders) {
            if (Files.isDirectory(folder.resolve(IMAGES))) {
                continue;
            }
            String subset = folderName(folder);
            String category = override != null ? override : subset;
            Map<String, Path> seen = new HashMap<>();
            for (Path mask : listSorted(folder.resolve(MASKS))) {
                String fileName = mask.getFileName().toString();
                if (!Files.isRegularFile(mask) || !fileName.toLowerCase(Locale.ROOT).endsWith(".png")) {
                    continue;
                }
                String name = baseName(mask);
                if (name.endsWith("_mask")) {
                    name = name.substring(0, name.length() - "_mask".length());
                }
                Path clash = seen.put(name, mask);
                if (clash != null) {
                    throw new IllegalArgumentException("two masks share the name '" + name + "': " + clash + " and "
                            + mask);
                }
                String source = dir.relativize(mask).toString().replace('\\', '/');
                items.add(new DatasetItem(category, subset, name, mask, mask, source));
            }
        }
        return List.copyOf(items);
    }

    private void scanCategoryFolder(Path root, Path folder, String override, List<DatasetItem> items) {
        String subset = folderName(folder);
        String category = override != null ? override : subset;
        Path masks = folder.resolve(MASKS);
        addImages(root, folder.resolve(IMAGES), category, subset, Files.isDirectory(masks) ? masks : null, items);
    }

    private void scanFlatFolder(Path dir, String override, List<DatasetItem> items) {
        String subset = folderName(dir);
        addImages(dir, dir, override != null ? override : subset, subset, null, items);
    }

    private void addImages(Path root, Path imageFolder, String category, String subset, Path maskFolder,
            List<DatasetItem> items) {
        Map<String, Path> seen = new HashMap<>();
        for (Path image : listSorted(imageFolder)) {
            if (!Files.isRegularFile(image)) {
                continue;
            }
            String name = isImage(image) ? baseName(image) : image.getFileName().toString();
            Path clash = seen.put(name, image);
            if (clash != null) {
                // both would get the same frame id and the same mask
                throw new IllegalArgumentException("two images share the name '" + name + "': " + clash + " and " + image);
            }
            Path mask = maskFolder == null ? null : findMask(maskFolder, baseName(image));
            String source = root.relativize(image).toString().replace('\\', '/');
            items.add(new DatasetItem(category, subset, name, image, mask, source));
        }
    }

    private static Path findMask(Path maskFolder, String name) {
        for (String candidate : List.of(name + ".png", name + "_mask.png")) {
            Path mask = maskFolder.resolve(candidate);
            if (Files.isRegularFile(mask)) {
                return mask;
            }
        }
        return null;
    }

    static boolean isImage(Path file) {
        String fileName = file.getFileName().toString();
        int dot = fileName.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(fileName.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static String baseName(Path file) {
        String fileName = file.getFileName().toString();
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    private static String folderName(Path folder) {
        Path name = folder.toAbsolutePath().normalize().getFileName();
        return name == null ? "dataset" : name.toString();
    }

    private static List<Path> listSorted(Path folder) {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    private static List<String> sortedExtensions() {
        return IMAGE_EXTENSIONS.stream().sorted().toList();
    }
}
