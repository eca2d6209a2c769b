package dev.saaflink.operators.eval;

import dev.saaflink.operators.saa.ImageScore;
import dev.saaflink.operators.saa.Resize;

/**
 * Accumulates the reference evaluation (section 11) for one category: every pixel of every prepared map goes into the
 * pixel metrics, and each image contributes one sample to the image metrics, scored by its map's maximum (or, after
 * {@link #imageScoreTopFraction(double)}, the mean of its highest pixels, as the job's
 * {@code anomalyMap.imageScore: top-mean} scores a frame) and labelled anomalous when its ground truth has any positive
 * pixel.
 *
 * <p>The protocol compares maps and ground truth at 400x400: the caller binarises the ground truth (values above 0;
 * above 127 for MTD) and brings both to that size with {@link #prepare}. The reference's dataset-wide min-max
 * normalisation is skipped on purpose: it is an increasing affine map, so none of these ranking metrics change (the
 * 200 sweep thresholds are spread over the category's own score range, which that normalisation maps onto [0, 1]).
 *
 * <p>The region metrics (AUPRO, region max-F1 in both countings) need every map again at every threshold, so each
 * added map is retained by reference and each mask as a packed bit set; see {@link RegionMetrics}.
 */
public final class CategoryMetrics {

    /** Evaluation side length of the reference protocol. */
    public static final int PROTOCOL_SIZE = 400;

    private final ScoreLabelAccumulator pixels;
    private final ScoreLabelAccumulator images = new ScoreLabelAccumulator();
    private final RegionMetrics regions = new RegionMetrics();
    private long anomalousImages;
    /** Images added with pixel ground truth, and images added with an image label only; a category takes one kind. */
    private long imagesWithMasks;
    private long imagesWithLabelsOnly;
    /** Last summary, dropped on every add: the region sweep is too slow to repeat for nothing. */
    private EvaluationSummary cached;
    /** 0: an image scores its map's maximum; else the mean of this share of its highest pixels. */
    private double imageTopFraction;

    public CategoryMetrics() {
        pixels = new ScoreLabelAccumulator();
    }

    /**
     * Pre-sizes the pixel arrays for {@code expectedImages} maps of {@code size x size}, assuming few anomalous
     * pixels, which avoids repeated growth on large categories.
     */
    public CategoryMetrics(int expectedImages, int size) {
        long total = (long) expectedImages * size * size;
        int negativeGuess = (int) Math.min(Integer.MAX_VALUE - 16L, total);
        int positiveGuess = (int) Math.min(Integer.MAX_VALUE - 16L, Math.max(1 << 10, total / 20));
        pixels = new ScoreLabelAccumulator(positiveGuess, negativeGuess);
    }

    /**
     * Scores each image by the mean of its map's highest {@code fraction} of pixels ({@link ImageScore}) instead of
     * the maximum; 0 restores the maximum. Set before the first image is added.
     *
     * @throws IllegalStateException when images were added already
     */
    public CategoryMetrics imageScoreTopFraction(double fraction) {
        if (imagesWithMasks + imagesWithLabelsOnly > 0) {
            throw new IllegalStateException("set the image score before adding images");
        }
        if (fraction != 0) {
            ImageScore.count(1, fraction); // validates (0, 1]
        }
        this.imageTopFraction = fraction;
        return this;
    }

    /** A map and its ground truth, both {@code size x size}, row-major. */
    public static final class Prepared {
        public final float[] map;
        public final boolean[] mask;
        public final int size;

        public Prepared(float[] map, boolean[] mask, int size) {
            this.map = map;
            this.mask = mask;
            this.size = size;
        }
    }

    /**
     * Brings an anomaly map (bilinear) and its binary ground truth (nearest) to {@code size x size}, as the reference
     * evaluation does with OpenCV.
     */
    public static Prepared prepare(double[] map, int w, int h, boolean[] gt, int gtW, int gtH, int size) {
        double[] resized = Resize.bilinear(map, w, h, size, size);
        float[] narrowed = new float[resized.length];
        for (int i = 0; i < resized.length; i++) {
            narrowed[i] = (float) resized[i];
        }
        return new Prepared(narrowed, Resize.nearest(gt, gtW, gtH, size, size), size);
    }

    /** Binarises an 8-bit ground-truth image: a pixel is anomalous when its value (0..255) exceeds {@code above}. */
    public static boolean[] binarise(byte[] gray, int above) {
        boolean[] mask = new boolean[gray.length];
        for (int i = 0; i < gray.length; i++) {
            mask[i] = (gray[i] & 0xFF) > above;
        }
        return mask;
    }

    public void add(Prepared prepared) {
        add(prepared.map, prepared.mask, prepared.size);
    }

    /**
     * Adds one square image: its map and its ground truth, already at the evaluation size. The map is kept by
     * reference for the region metrics (see {@link RegionMetrics}): do not modify it afterwards.
     */
    public void add(float[] map, boolean[] mask) {
        int side = (int) Math.round(Math.sqrt(map.length));
        if (side * side != map.length) {
            throw new IllegalArgumentException("not a square map (" + map.length + " pixels); pass the width");
        }
        add(map, mask, side);
    }

    /** Adds one image of {@code width} columns; the map is kept by reference (see {@link #add(float[], boolean[])}). */
    public void add(float[] map, boolean[] mask, int width) {
        if (map.length != mask.length || map.length == 0) {
            throw new IllegalArgumentException(
                    "map and mask must be non-empty and equally long: " + map.length + " vs " + mask.length);
        }
        if (imagesWithLabelsOnly > 0) {
            throw new IllegalStateException("this category was given image labels only; pixel metrics over part of "
                    + "its images would mislead");
        }
        regions.add(map, mask, width);
        pixels.add(map, mask);
        boolean anomalous = false;
        for (boolean m : mask) {
            if (m) {
                anomalous = true;
                break;
            }
        }
        addImage(map, anomalous);
        imagesWithMasks++;
    }

    /**
     * Adds an image that has an image-level label but no pixel ground truth (e.g. MVTec folders without masks): it
     * counts in the image metrics only, and the pixel and region metrics stay NaN. A category takes images of one
     * kind only.
     */
    public void addImageLabel(float[] map, boolean anomalous) {
        if (map.length == 0) {
            throw new IllegalArgumentException("empty map");
        }
        if (imagesWithMasks > 0) {
            throw new IllegalStateException("this category has pixel ground truth; add every image with its mask");
        }
        addImage(map, anomalous);
        imagesWithLabelsOnly++;
    }

    private void addImage(float[] map, boolean anomalous) {
        cached = null;
        images.add(ImageScore.of(map, imageTopFraction), anomalous);
        if (anomalous) {
            anomalousImages++;
        }
    }

    /**
     * The image score at which image-level F1 peaks: a starting point for the category's anomalyThreshold
     * (calibrate on a held-out split; on the evaluated data it is optimistic).
     */
    public double imageThresholdAtMaxF1() {
        return images.maxF1Threshold();
    }

    /** Pixel ROC curve, at most {@code maxPoints} points; see {@link ScoreLabelAccumulator#rocCurve(int)}. */
    public Curve pixelRoc(int maxPoints) {
        return pixels.rocCurve(maxPoints);
    }

    /** Pixel precision-recall curve; see {@link ScoreLabelAccumulator#prCurve(int)}. */
    public Curve pixelPr(int maxPoints) {
        return pixels.prCurve(maxPoints);
    }

    /** Image ROC curve (one sample per image, scored by its map's maximum). */
    public Curve imageRoc(int maxPoints) {
        return images.rocCurve(maxPoints);
    }

    /** Image precision-recall curve. */
    public Curve imagePr(int maxPoints) {
        return images.prCurve(maxPoints);
    }

    /** Computes everything, including the 200-threshold region sweep (seconds for hundreds of 400x400 images). */
    public EvaluationSummary summary() {
        if (cached != null) {
            return cached;
        }
        RegionMetrics.Result r = regions.compute();
        cached = new EvaluationSummary(
                pixels.maxF1(), pixels.auroc(), pixels.averagePrecision(),
                images.auroc(), images.maxF1(), images.averagePrecision(),
                images.positiveCount() + images.negativeCount(), anomalousImages,
                pixels.positiveCount() + pixels.negativeCount(), pixels.positiveCount(),
                r.aupro(), r.regionMaxF1Reference(), r.regionMaxF1());
        return cached;
    }
}
