package dev.saaflink.jobs.eval;

import dev.saaflink.jobs.demo.OverlayRenderer;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Keeps the frames an evaluation gets most wrong, for a reviewer to look at: the defect-free frames with the highest
 * image score (the false positives any threshold flags first) and the defect frames with the lowest (the false
 * negatives it misses first). Memory stays bounded: each side holds at most {@code perSide} candidates, and only the
 * survivors are rendered, once, as overlay thumbnails.
 *
 * <p>Ties in score are broken by frame id, so the selection does not depend on the order frames arrive in. Not
 * thread-safe.
 */
public final class WorstCases {

    public static final int DEFAULT_PER_SIDE = 6;
    /** Thumbnail width in pixels: six fit a report row, large enough to see a scratch. */
    public static final int THUMBNAIL_WIDTH = 192;

    /** One kept frame, with its overlay thumbnail as PNG bytes (null when the frame could not be drawn). */
    public record Case(String frameId, String subset, double imageScore, boolean defect, byte[] thumbnailPng) {}

    /** What is held until the end: the raw inputs, as rendering every offered frame would waste the work. */
    private record Candidate(String frameId, String subset, double imageScore, boolean defect, byte[] imageBytes,
                             float[] map, boolean[] mask, int side) {}

    private static final Comparator<Candidate> BY_SCORE =
            Comparator.comparingDouble(Candidate::imageScore).thenComparing(Candidate::frameId);

    private final int perSide;
    private final double heatScale;
    /** Min-heap on score: its head is the mildest false positive, evicted first. */
    private final PriorityQueue<Candidate> falsePositives = new PriorityQueue<>(BY_SCORE);
    /** Max-heap on score: its head is the mildest false negative. */
    private final PriorityQueue<Candidate> falseNegatives = new PriorityQueue<>(BY_SCORE.reversed());
    private List<Case> renderedFalsePositives;
    private List<Case> renderedFalseNegatives;

    /**
     * @param perSide   how many false positives and how many false negatives to keep
     * @param heatScale the raw map score drawn at full heat in every thumbnail; one value for the whole run (e.g. the
     *                  largest map value, or twice the image threshold) keeps the thumbnails comparable
     */
    public WorstCases(int perSide, double heatScale) {
        if (perSide < 1) {
            throw new IllegalArgumentException("perSide must be at least 1, not " + perSide);
        }
        if (!(heatScale > 0) || Double.isInfinite(heatScale)) {
            throw new IllegalArgumentException("heatScale must be positive and finite, not " + heatScale);
        }
        this.perSide = perSide;
        this.heatScale = heatScale;
    }

    /**
     * Considers one evaluated frame; a frame is a defect frame when its mask has any positive pixel, and its image
     * score is its map's maximum, as in the metrics. The arrays are kept by reference while the frame is among the
     * worst: do not modify them afterwards.
     *
     * @param imageBytes the frame as it was published (JPEG or PNG)
     * @param map        {@code side x side} raw scores, row-major
     * @param mask       {@code side x side} ground truth
     */
    public void offer(String frameId, String subset, byte[] imageBytes, float[] map, boolean[] mask, int side) {
        boolean defect = false;
        for (boolean m : mask) {
            if (m) {
                defect = true;
                break;
            }
        }
        offer(frameId, subset, imageBytes, map, mask, side, defect);
    }

    /**
     * As above with the frame's label given, for data labelled per image (folder names) rather than by masks; the
     * mask is then only drawn (all background when there is none).
     */
    public void offer(String frameId, String subset, byte[] imageBytes, float[] map, boolean[] mask, int side,
                      boolean defect) {
        if (map.length != side * side || mask.length != side * side) {
            throw new IllegalArgumentException("map and mask of " + frameId + " must be " + side + "x" + side);
        }
        float score = Float.NEGATIVE_INFINITY;
        for (float v : map) {
            score = Math.max(score, v);
        }
        Candidate c = new Candidate(frameId, subset, score, defect, imageBytes, map, mask, side);
        PriorityQueue<Candidate> queue = defect ? falseNegatives : falsePositives;
        queue.add(c);
        if (queue.size() > perSide) {
            queue.poll();
        }
        renderedFalsePositives = null;
        renderedFalseNegatives = null;
    }

    /** The kept defect-free frames, highest score first, with thumbnails. */
    public List<Case> falsePositives() {
        if (renderedFalsePositives == null) {
            renderedFalsePositives = render(falsePositives, BY_SCORE.reversed());
        }
        return renderedFalsePositives;
    }

    /** The kept defect frames, lowest score first, with thumbnails. */
    public List<Case> falseNegatives() {
        if (renderedFalseNegatives == null) {
            renderedFalseNegatives = render(falseNegatives, BY_SCORE);
        }
        return renderedFalseNegatives;
    }

    public int perSide() {
        return perSide;
    }

    private List<Case> render(PriorityQueue<Candidate> kept, Comparator<Candidate> order) {
        List<Candidate> sorted = new ArrayList<>(kept);
        sorted.sort(order);
        List<Case> cases = new ArrayList<>(sorted.size());
        for (Candidate c : sorted) {
            cases.add(new Case(c.frameId(), c.subset(), c.imageScore(), c.defect(), thumbnail(c)));
        }
        return List.copyOf(cases);
    }

    private byte[] thumbnail(Candidate c) {
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(OverlayRenderer.thumbnail(c.imageBytes(), c.map(), c.mask(), c.side(), heatScale,
                    THUMBNAIL_WIDTH), "png", png);
            return png.toByteArray();
        } catch (IOException | RuntimeException e) {
            // The report is written at the end of a long run: one undrawable frame must not cost the whole page.
            return null;
        }
    }
}
