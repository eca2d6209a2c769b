package dev.saaflink.operators.saa;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stand-in region generator for deployments without GroundingDINO weights: it proposes boxes around the unusually
 * salient blobs of the self-similarity map, so that the rest of the pipeline (property filter, SAM, rescoring,
 * top-K fusion) runs unchanged.
 *
 * <p>How it differs from the reference's language prompts. GroundingDINO turns each defect prompt ("crack", "hole",
 * the three generic "defect/damage/flaw on c") into up to 900 scored boxes, and the score is a text-image match
 * probability. This class has no notion of text: its boxes are the bounding boxes of 8-connected components where the
 * saliency map exceeds {@code mean + k * std} for a few levels k, and a box's score is the component's peak raw
 * saliency. So it finds what looks unlike the rest of the image, whatever the defect is called; it cannot tell a
 * defect from a legitimately unique part (a logo, a screw head), cannot be steered by expert prompts, and the
 * category phrase filter has nothing to act on. Scores lie in the saliency range ([0, 0.5] for the reference
 * features with the code's distance scale, [0, 1] with the paper's: algorithm.saliencyDistanceScale) rather than in (0.1, 1], so the absolute anomaly-map values are not comparable with a detector-driven
 * run, although they are comparable across frames: the map is never normalised per image. The reason it exists at
 * all is that the detector is the one model we may lack, while the saliency needs only the feature extractor.
 *
 * <p>Per level k the threshold is {@code mean + k * std} of the whole map (population standard deviation). A flat
 * map (std 0) or a map containing NaN therefore yields no proposals. Components smaller than
 * {@code minComponentFraction} of the image area are dropped. Several levels often produce the same box; such
 * duplicates are kept once, with the best score and the label of the highest level. The survivors are ranked by score
 * (descending; equal scores keep the order of first discovery: lower level first, then raster order) and cut to
 * {@code maxProposals}.
 */
public final class SaliencyProposer {

    private SaliencyProposer() {}

    /**
     * @param saliency map at the original image resolution, row-major
     * @param width image width
     * @param height image height
     * @param s settings (validated here)
     * @return at most {@code s.maxProposals} boxes ({@code x2}, {@code y2} exclusive), best first
     */
    public static List<RegionCandidate> propose(float[] saliency, int width, int height, StandInSettings s) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("size must be positive: " + width + "x" + height);
        }
        if (saliency.length != width * height) {
            throw new IllegalArgumentException(
                    "saliency has " + saliency.length + " values, expected " + width + "x" + height);
        }
        s.validate();
        int pixels = width * height;
        double mean = 0;
        for (float v : saliency) {
            mean += v;
        }
        mean /= pixels;
        double squares = 0;
        for (float v : saliency) {
            double d = v - mean;
            squares += d * d;
        }
        double std = Math.sqrt(squares / pixels);
        double minPixels = s.minComponentFraction * pixels;

        Map<Long, Proposal> byBox = new LinkedHashMap<>();
        ComponentScanner scanner = new ComponentScanner(saliency, width, height);
        for (double k : s.sigmaLevels) {
            double threshold = mean + k * std;
            for (Component c : scanner.components(threshold)) {
                if (c.pixels < minPixels) {
                    continue;
                }
                long key = boxKey(c.x1, c.y1, c.x2, c.y2, width, height);
                Proposal existing = byBox.get(key);
                if (existing == null) {
                    byBox.put(key, new Proposal(c, k));
                } else {
                    existing.merge(c.peak, k);
                }
            }
        }

        List<Proposal> ranked = new ArrayList<>(byBox.values());
        // List.sort is stable, so equal scores keep their discovery order.
        ranked.sort(Comparator.comparingDouble((Proposal p) -> p.score).reversed());
        List<RegionCandidate> out = new ArrayList<>(Math.min(ranked.size(), s.maxProposals));
        for (Proposal p : ranked) {
            if (out.size() == s.maxProposals) {
                break;
            }
            out.add(new RegionCandidate(p.x1, p.y1, p.x2, p.y2, p.score, label(p.level)));
        }
        return out;
    }

    /** The label of a box found at level k, e.g. {@code saliency>mean+2sd} or {@code saliency>mean+2.5sd}. */
    public static String label(double k) {
        return "saliency>mean+" + BigDecimal.valueOf(k).stripTrailingZeros().toPlainString() + "sd";
    }

    private static long boxKey(int x1, int y1, int x2, int y2, int width, int height) {
        long w1 = width + 1L;
        long h1 = height + 1L;
        return ((x1 * h1 + y1) * w1 + x2) * h1 + y2;
    }

    /** A box being assembled from one or more levels. */
    private static final class Proposal {
        final int x1;
        final int y1;
        final int x2;
        final int y2;
        double score;
        double level;

        Proposal(Component c, double level) {
            this.x1 = c.x1;
            this.y1 = c.y1;
            this.x2 = c.x2;
            this.y2 = c.y2;
            this.score = c.peak;
            this.level = level;
        }

        void merge(double peak, double otherLevel) {
            score = Math.max(score, peak);
            level = Math.max(level, otherLevel);
        }
    }

    /** One 8-connected component: bounding box (exclusive ends), pixel count and peak value. */
    private static final class Component {
        int x1 = Integer.MAX_VALUE;
        int y1 = Integer.MAX_VALUE;
        int x2 = Integer.MIN_VALUE;
        int y2 = Integer.MIN_VALUE;
        int pixels;
        float peak = Float.NEGATIVE_INFINITY;
    }

    /** Flood-fill labelling with an explicit stack; the work arrays are reused across levels. */
    private static final class ComponentScanner {
        private final float[] map;
        private final int width;
        private final int height;
        private final int[] visitedAt;
        private final int[] stack;
        private int pass;

        ComponentScanner(float[] map, int width, int height) {
            this.map = map;
            this.width = width;
            this.height = height;
            this.visitedAt = new int[map.length];
            this.stack = new int[map.length];
        }

        List<Component> components(double threshold) {
            // A per-pass stamp instead of clearing the visited array for every level.
            pass++;
            List<Component> found = new ArrayList<>();
            for (int p = 0; p < map.length; p++) {
                if (map[p] > threshold && visitedAt[p] != pass) {
                    found.add(fill(p, threshold));
                }
            }
            return found;
        }

        private Component fill(int seed, double threshold) {
            Component c = new Component();
            int top = 0;
            stack[top++] = seed;
            visitedAt[seed] = pass;
            while (top > 0) {
                int p = stack[--top];
                int x = p % width;
                int y = p / width;
                c.pixels++;
                c.peak = Math.max(c.peak, map[p]);
                c.x1 = Math.min(c.x1, x);
                c.y1 = Math.min(c.y1, y);
                c.x2 = Math.max(c.x2, x + 1);
                c.y2 = Math.max(c.y2, y + 1);
                for (int ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
                    for (int nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
                        int q = ny * width + nx;
                        if (visitedAt[q] != pass && map[q] > threshold) {
                            visitedAt[q] = pass;
                            stack[top++] = q;
                        }
                    }
                }
            }
            return c;
        }
    }
}
