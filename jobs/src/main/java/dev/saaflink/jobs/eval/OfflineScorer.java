package dev.saaflink.jobs.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.DatasetSplit;
import dev.saaflink.operators.eval.CategoryMetrics;
import dev.saaflink.operators.eval.EvaluationSummary;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code ./saa score}: scores anomaly maps saved as files (by the Python reference, by this job, by anything else)
 * against a dataset's ground truth with the reference protocol (section 11.1), so implementations are compared on
 * identical terms.
 *
 * <p><b>Which images.</b> The dataset folder is read with {@link DatasetScanner}, so the layout and the category
 * rules are the ones {@code ingest} and {@code eval} use: {@code <dataset>/<folder>/images/<name>.<ext>} with masks
 * in {@code <dataset>/<folder>/masks/<name>.png} (or {@code <name>_mask.png}); each folder is a category unless
 * {@code category} is given, in which case every folder is pooled into that one category (MTD is scored as
 * {@code mtd} that way).
 *
 * <p>A folder with {@code masks/} but no {@code images/} is scored from its masks alone: each mask
 * {@code <name>.png} (or {@code <name>_mask.png}) is an image to score, with its map named like it. Only images with
 * a mask file are known that way, so defect-free images count only where the dataset has all-zero masks for them.
 * Files of an images folder that are not named like images are listed under {@code counts.filesNotImages}.
 *
 * <p><b>Ground truth.</b> When a folder has a {@code masks/} folder, an image whose mask file is absent counts as
 * defect-free (all background) and is listed under {@code counts.imagesWithoutMaskFile}. A folder without a
 * {@code masks/} folder has no pixel ground truth at all (e.g. a set with image-level labels only); its images are
 * left out and listed under {@code counts.imagesWithoutGroundTruth}, because calling them defect-free would score
 * every defect as a false positive. A mask pixel is a defect when its value, on a 0..255 scale, exceeds the mask
 * threshold.
 *
 * <p><b>Which map.</b> An image's map is {@code <maps>/<folder>/<name>.png} or {@code .npy}, where folder is the
 * image's dataset folder; with a category override {@code <maps>/<category>/<name>.*} is accepted too, and when the
 * dataset folder is itself one category ({@code <dataset>/images}) so is {@code <maps>/<name>.*}. Two candidate
 * files for one image are an error. Maps are read with {@link MapFiles}; all maps of a run must share one value
 * scale. An image without a map is an error unless missing maps are allowed, in which case it is left out; map
 * files that match no image are counted and ignored.
 *
 * <p><b>Scoring.</b> Each map is resized bilinearly and its mask by nearest neighbour to 400x400 (OpenCV rules),
 * all images of a category are pooled, and the image score is the map's maximum; see {@link CategoryMetrics}.
 */
public final class OfflineScorer {

    /** The reference evaluates maps and masks at this resolution. */
    public static final int EVAL_SIZE = CategoryMetrics.PROTOCOL_SIZE;

    /** How many names a report lists for each kind of mismatch. */
    static final int SAMPLE_NAMES = 5;

    private final int maskThreshold;
    private final boolean allowMissing;
    private final PrintStream out;

    /**
     * @param maskThreshold a ground-truth pixel is a defect when its value (0..255) is above this
     * @param allowMissing score the images that have maps instead of failing when some have none
     * @param out where the one-line summary goes
     */
    public OfflineScorer(int maskThreshold, boolean allowMissing, PrintStream out) {
        this.maskThreshold = maskThreshold;
        this.allowMissing = allowMissing;
        this.out = out;
    }

    /**
     * Scores the maps under {@code maps} against the dataset under {@code dataset}, writes the report to
     * {@code outFile} (JSON) and returns it.
     *
     * @param category pool every folder into this category, or null/blank to use the folder names
     * @throws IllegalArgumentException for missing folders, missing maps (unless allowed), ambiguous or unreadable
     *     maps, or when nothing is left to score
     */
    public Map<String, Object> score(Path maps, Path dataset, String category, Path outFile) throws IOException {
        return score(maps, dataset, category, outFile, DatasetSplit.ALL);
    }

    /**
     * As {@link #score(Path, Path, String, Path)}, scoring only the images of one half ({@link DatasetSplit}); the
     * maps of the other half's images are recognised, counted under {@code counts.imagesInOtherHalf} and left out.
     */
    public Map<String, Object> score(Path maps, Path dataset, String category, Path outFile, DatasetSplit split)
            throws IOException {
        if (!Files.isDirectory(maps)) {
            throw new IllegalArgumentException("maps folder not found: " + maps.toAbsolutePath());
        }
        List<DatasetItem> scanned = datasetItems(dataset, category);
        // Files in an images folder that are not named like images (notes, SVGs) have no map to score.
        List<DatasetItem> items = scanned.stream().filter(DatasetItem::namedLikeImage).toList();
        List<String> notImages = scanned.stream().filter(i -> !i.namedLikeImage()).map(OfflineScorer::label).toList();
        boolean singleCategoryRoot = Files.isDirectory(dataset.resolve("images"))
                || Files.isDirectory(dataset.resolve("masks"));

        List<Match> matches = new ArrayList<>();
        List<String> withoutMap = new ArrayList<>();
        List<String> withoutGroundTruth = new ArrayList<>();
        List<String> withoutMaskFile = new ArrayList<>();
        Set<Path> usedMaps = new HashSet<>();
        int otherHalf = 0;
        for (DatasetItem item : items) {
            if (!split.contains(item)) {
                otherHalf++;
                Path map = hasGroundTruthFolder(item) ? findMap(maps, item, singleCategoryRoot) : null;
                if (map != null) {
                    usedMaps.add(map.toAbsolutePath().normalize());
                }
                continue;
            }
            if (!hasGroundTruthFolder(item)) {
                withoutGroundTruth.add(label(item));
                continue;
            }
            Path map = findMap(maps, item, singleCategoryRoot);
            if (map == null) {
                withoutMap.add(label(item));
                continue;
            }
            usedMaps.add(map.toAbsolutePath().normalize());
            if (item.mask() == null) {
                withoutMaskFile.add(label(item));
            }
            matches.add(new Match(item, map));
        }
        List<String> withoutImage = unusedMaps(maps, usedMaps);

        if (!withoutMap.isEmpty() && !allowMissing) {
            throw new IllegalArgumentException(withoutMap.size() + " of " + (items.size() - withoutGroundTruth.size())
                    + " images have no map under " + maps + " (first: " + String.join(", ", first(withoutMap))
                    + "; looked for <maps>/<folder>/<name>.png|.npy); pass --allow-missing to score the rest");
        }
        if (matches.isEmpty()) {
            throw new IllegalArgumentException("nothing to score: " + items.size() + " images in " + dataset + ", "
                    + withoutGroundTruth.size() + " without a masks folder, " + withoutMap.size() + " without a map");
        }

        Map<String, Integer> perCategoryCount = new TreeMap<>();
        matches.forEach(m -> perCategoryCount.merge(m.item.category(), 1, Integer::sum));
        Map<String, CategoryMetrics> perCategory = new TreeMap<>();
        perCategoryCount.forEach((k, n) -> perCategory.put(k, new CategoryMetrics(n, EVAL_SIZE)));
        // with one category the pooled metrics are that category's: no second copy of every pixel
        CategoryMetrics all = perCategory.size() == 1 ? null : new CategoryMetrics(matches.size(), EVAL_SIZE);
        for (Match m : matches) {
            CategoryMetrics.Prepared prepared = prepare(m);
            perCategory.get(m.item.category()).add(prepared);
            if (all != null) {
                all.add(prepared);
            }
        }
        CategoryMetrics overall = all != null ? all : perCategory.values().iterator().next();

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("maps", maps.toString());
        report.put("dataset", dataset.toString());
        report.put("category", category == null || category.isBlank() ? null : category.trim());
        report.put("split", split.toString());
        report.put("splitRule", split.describe());
        report.putAll(MetricsJson.of(overall));
        Map<String, Object> cats = new LinkedHashMap<>();
        perCategory.forEach((k, v) -> cats.put(k, MetricsJson.of(v)));
        report.put("perCategory", cats);
        if (perCategory.size() > 1) {
            report.put("meanOverCategories", meanOverCategories(perCategory));
        }
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("imagesInDataset", items.size());
        counts.put("imagesInOtherHalf", otherHalf);
        counts.put("imagesScored", matches.size());
        counts.put("imagesWithoutMap", listing(withoutMap));
        counts.put("mapsWithoutImage", listing(withoutImage));
        counts.put("imagesWithoutMaskFile", listing(withoutMaskFile));
        counts.put("imagesWithoutGroundTruth", listing(withoutGroundTruth));
        counts.put("filesNotImages", listing(notImages));
        report.put("counts", counts);
        report.put("protocol", protocol(maskThreshold));
        report.put("time", Instant.now().toString());

        Path parent = outFile.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(outFile.toFile(), report);

        EvaluationSummary s = overall.summary();
        out.printf(Locale.ROOT,
                "score: %d images (%d defect) in %d categor%s: pixelMaxF1=%.2f pixelAuroc=%.2f pixelAp=%.2f "
                        + "imageAuroc=%.2f imageMaxF1=%.2f imageAp=%.2f%s -> %s%n",
                s.images(), s.anomalousImages(), perCategory.size(), perCategory.size() == 1 ? "y" : "ies",
                s.pixelMaxF1(), s.pixelAuroc(), s.pixelAp(), s.imageAuroc(), s.imageMaxF1(), s.imageAp(),
                skippedNote(withoutMap.size(), withoutGroundTruth.size(), withoutImage.size()), outFile);
        return report;
    }

    /**
     * The images of the dataset, plus, for folders that have {@code masks/} but no {@code images/}, one item per
     * mask ({@link DatasetScanner#scanMasksOnly}): scoring needs maps and masks, not the images.
     */
    private static List<DatasetItem> datasetItems(Path dataset, String category) {
        DatasetScanner scanner = new DatasetScanner();
        List<DatasetItem> fromMasks = scanner.scanMasksOnly(dataset, category);
        List<DatasetItem> fromImages;
        try {
            fromImages = scanner.scan(dataset, category);
        } catch (IllegalArgumentException e) {
            if (fromMasks.isEmpty()) {
                throw e;
            }
            fromImages = List.of();
        }
        List<DatasetItem> all = new ArrayList<>(fromImages);
        all.addAll(fromMasks);
        return all;
    }

    /** The protocol as the report states it. */
    static String protocol(int maskThreshold) {
        return "maps bilinear and masks nearest to " + EVAL_SIZE + "x" + EVAL_SIZE + ", defect pixel = mask > "
                + maskThreshold + ", all images of a category pooled, image score = max of the map, percent";
    }

    private record Match(DatasetItem item, Path map) {}

    private CategoryMetrics.Prepared prepare(Match m) throws IOException {
        MapFiles.FloatMap map;
        try {
            map = MapFiles.read(m.map);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read map " + m.map + ": " + e.getMessage(), e);
        }
        float[] v = map.values();
        double[] values = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IllegalArgumentException("map " + m.map + " holds a non-finite value (" + v[i] + ") at "
                        + "x=" + (i % map.width()) + " y=" + (i / map.width()));
            }
            values[i] = v[i];
        }
        if (m.item.mask() == null) {
            // defect-free: all-background ground truth
            return CategoryMetrics.prepare(values, map.width(), map.height(),
                    new boolean[values.length], map.width(), map.height(), EVAL_SIZE);
        }
        MapFiles.GrayImage gt = MapFiles.readGray(Files.readAllBytes(m.item.mask()), "mask " + m.item.mask());
        return CategoryMetrics.prepare(values, map.width(), map.height(),
                CategoryMetrics.binarise(gt.gray(), maskThreshold), gt.width(), gt.height(), EVAL_SIZE);
    }

    /** Whether the image's folder has a {@code masks/} folder (the image is then scored, mask file or not). */
    private static boolean hasGroundTruthFolder(DatasetItem item) {
        if (item.mask() != null) {
            return true;
        }
        Path imageFolder = item.image().getParent();
        return imageFolder != null && imageFolder.getFileName() != null
                && imageFolder.getFileName().toString().equals("images")
                && imageFolder.getParent() != null
                && Files.isDirectory(imageFolder.getParent().resolve("masks"));
    }

    private static Path findMap(Path maps, DatasetItem item, boolean singleCategoryRoot) {
        List<Path> folders = new ArrayList<>();
        folders.add(maps.resolve(item.subset()));
        if (!item.category().equals(item.subset())) {
            folders.add(maps.resolve(item.category()));
        }
        if (singleCategoryRoot) {
            folders.add(maps);
        }
        List<Path> found = new ArrayList<>();
        for (Path folder : folders) {
            for (String ext : MapFiles.EXTENSIONS) {
                Path candidate = folder.resolve(item.name() + "." + ext);
                if (Files.isRegularFile(candidate)) {
                    found.add(candidate);
                }
            }
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException("more than one map for " + label(item) + ": " + found);
        }
        return found.isEmpty() ? null : found.get(0);
    }

    /** Map files in {@code maps} and its direct sub-folders that no image claimed, as paths relative to maps. */
    private static List<String> unusedMaps(Path maps, Set<Path> used) {
        List<String> unused = new ArrayList<>();
        try (Stream<Path> files = Files.walk(maps, 2)) {
            files.filter(Files::isRegularFile)
                    .filter(p -> MapFiles.EXTENSIONS.contains(MapFiles.extension(p)))
                    .filter(p -> !used.contains(p.toAbsolutePath().normalize()))
                    .sorted()
                    .forEach(p -> unused.add(maps.relativize(p).toString().replace('\\', '/')));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + maps, e);
        }
        return unused;
    }

    private static Map<String, Object> meanOverCategories(Map<String, CategoryMetrics> perCategory) {
        String[] keys = {"pixelMaxF1", "pixelAuroc", "pixelAp", "imageAuroc", "imageMaxF1", "imageAp"};
        List<EvaluationSummary> summaries = perCategory.values().stream().map(CategoryMetrics::summary).toList();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("categories", summaries.size());
        for (String key : keys) {
            double sum = 0;
            for (EvaluationSummary s : summaries) {
                sum += switch (key) {
                    case "pixelMaxF1" -> s.pixelMaxF1();
                    case "pixelAuroc" -> s.pixelAuroc();
                    case "pixelAp" -> s.pixelAp();
                    case "imageAuroc" -> s.imageAuroc();
                    case "imageMaxF1" -> s.imageMaxF1();
                    default -> s.imageAp();
                };
            }
            // NaN when any category leaves the metric undefined
            r.put(key, MetricsJson.round2(sum / summaries.size()));
        }
        return r;
    }

    private static Map<String, Object> listing(List<String> names) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("count", names.size());
        r.put("first", first(names));
        return r;
    }

    private static List<String> first(List<String> names) {
        return List.copyOf(names.subList(0, Math.min(SAMPLE_NAMES, names.size())));
    }

    private static String label(DatasetItem item) {
        return item.subset() + "/" + item.name();
    }

    private static String skippedNote(int withoutMap, int withoutGroundTruth, int withoutImage) {
        StringBuilder s = new StringBuilder();
        if (withoutMap > 0) {
            s.append(", ").append(withoutMap).append(" without map skipped");
        }
        if (withoutGroundTruth > 0) {
            s.append(", ").append(withoutGroundTruth).append(" without ground truth skipped");
        }
        if (withoutImage > 0) {
            s.append(", ").append(withoutImage).append(" maps without image");
        }
        return s.toString();
    }
}
