package dev.saaflink.operators.context;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.operators.config.DarkLinesConfig;
import dev.saaflink.operators.pipeline.SparseMap;
import dev.saaflink.operators.saa.GaussianBlur;

/**
 * The dark-line channel of the stream context ({@link DarkLinesConfig}): thin dark marks at pixel resolution, scored
 * against the camera's recent frames. Stateless; the camera's history of quantiles lives in its
 * {@link StreamMemory#darkLineHistory}.
 *
 * <ol>
 *   <li>luma {@code (299 R + 587 G + 114 B) / 1000}, integer, then through the sRGB encoding curve as if it were
 *       linear light ({@link #ENCODE}: {@code 255 · (1.055 · (v / 255)^(1 / 2.4) − 0.055)}, rounded), which spreads
 *       the dark tones: a mark 10 levels darker on a dark tile then counts about as much as one 30 levels darker on a
 *       bright one (measured: with the raw luma the channel found no cracks on MTD, docs/EXPERIMENTS.md);</li>
 *   <li>black top-hat: grey closing (the maximum, then the minimum, over a {@code size × size} square; at the frame's
 *       edges the square is mirrored back into the frame, {@code d c b a | a b c d}) minus the luma, an integer in
 *       [0, 255];</li>
 *   <li>the frame's {@code quantile} of it (numpy's linear rule), exactly, from a 256-bin histogram;</li>
 *   <li>reference {@code r} = the median of the camera's last {@code window} quantiles before this frame (the frame's
 *       own while there are none), at least 1;</li>
 *   <li>{@code max(0, tophat − r) / r}, zero in the edge band, smoothed with a Gaussian of sigma × the longer side,
 *       × weight, at most cap: the values added to the anomaly map, kept as a {@link SparseMap} of the pixels
 *       above {@link #KEEP_ABOVE}.</li>
 * </ol>
 */
public final class DarkLines {

    /** Smallest value kept in the sparse map (map units; the stream-context map's values are ~0.03). */
    static final float KEEP_ABOVE = 1e-4f;

    /** The sRGB encoding curve on 0..255, rounded: what a grey value becomes when taken as linear light. */
    static final int[] ENCODE = new int[256];

    static {
        for (int v = 0; v < 256; v++) {
            double x = v / 255.0;
            double e = x <= 0.0031308 ? 12.92 * x : 1.055 * Math.pow(x, 1 / 2.4) - 0.055;
            ENCODE[v] = (int) Math.round(255 * e);
        }
    }

    private DarkLines() {}

    /** A frame's channel and the quantile that goes into the camera's history. */
    public record Result(SparseMap map, float quantile) {}

    /**
     * The frame's channel against {@code history} (the camera's previous quantiles, oldest first; null or empty for
     * its first frame). The caller appends {@link Result#quantile} to the history.
     */
    public static Result score(RgbImage image, DarkLinesConfig config, float[] history) {
        int w = image.width;
        int h = image.height;
        int[] th = topHat(encodedLuma(image), w, h, config.getSize());
        float q = quantile(th, config.getQuantile());
        float ref = history == null || history.length == 0 ? q : MemoryAdmission.median(history);
        ref = Math.max(ref, 1f);
        int bx = (int) Math.round(config.getBand() * w);
        int by = (int) Math.round(config.getBand() * h);
        double[] excess = new double[w * h];
        boolean any = false;
        for (int y = by; y < h - by; y++) {
            for (int x = bx; x < w - bx; x++) {
                int i = y * w + x;
                if (th[i] > ref) {
                    excess[i] = (th[i] - ref) / ref;
                    any = true;
                }
            }
        }
        if (!any) {
            return new Result(new SparseMap(w, h, new int[0], new float[0]), q);
        }
        double[] smooth = GaussianBlur.blur(excess, w, h, config.getSigma() * Math.max(w, h));
        return new Result(sparse(smooth, w, h, config.getWeight(), (float) config.getCap()), q);
    }

    /** Integer luma, row-major (public for the research probe's GrayDump, so that it dumps exactly this). */
    public static int[] luma(RgbImage image) {
        int n = image.width * image.height;
        int[] out = new int[n];
        byte[] rgb = image.rgb;
        for (int i = 0; i < n; i++) {
            out[i] = ((rgb[3 * i] & 0xFF) * 299 + (rgb[3 * i + 1] & 0xFF) * 587 + (rgb[3 * i + 2] & 0xFF) * 114) / 1000;
        }
        return out;
    }

    /** {@link #luma} through {@link #ENCODE}: the values the top-hat is taken of. */
    static int[] encodedLuma(RgbImage image) {
        int[] l = luma(image);
        for (int i = 0; i < l.length; i++) {
            l[i] = ENCODE[l[i]];
        }
        return l;
    }

    /** Grey closing over a {@code size × size} square (edges mirrored) minus the image. */
    static int[] topHat(int[] img, int w, int h, int size) {
        int[] closed = filter(filter(img, w, h, size, true), w, h, size, false);
        int[] out = new int[img.length];
        for (int i = 0; i < img.length; i++) {
            out[i] = closed[i] - img[i];
        }
        return out;
    }

    /** Separable square maximum ({@code max}) or minimum filter, edges mirrored ({@code d c b a | a b c d}). */
    private static int[] filter(int[] img, int w, int h, int size, boolean max) {
        return pass(pass(img, w, h, size / 2, max, true), w, h, size / 2, max, false);
    }

    /** One direction of {@link #filter}: along rows ({@code alongX}) or along columns, radius {@code r}. */
    private static int[] pass(int[] img, int w, int h, int r, boolean max, boolean alongX) {
        int[] out = new int[img.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int best = max ? Integer.MIN_VALUE : Integer.MAX_VALUE;
                for (int d = -r; d <= r; d++) {
                    int v = alongX ? img[y * w + mirror(x + d, w)] : img[mirror(y + d, h) * w + x];
                    best = max ? Math.max(best, v) : Math.min(best, v);
                }
                out[y * w + x] = best;
            }
        }
        return out;
    }

    /** Index folded into {@code [0, n)} by reflection at the edges, the edge pixel repeated. */
    static int mirror(int i, int n) {
        int p = 2 * n;
        int m = Math.floorMod(i, p);
        return m < n ? m : p - 1 - m;
    }

    /** numpy's linear quantile of values in [0, 255], from their histogram. */
    static float quantile(int[] values, double q) {
        int[] hist = new int[256];
        for (int v : values) {
            hist[v]++;
        }
        double pos = (values.length - 1) * q;
        long lo = (long) Math.floor(pos);
        int lower = orderStatistic(hist, lo);
        int upper = orderStatistic(hist, Math.min(values.length - 1, lo + 1));
        return (float) (lower + (upper - lower) * (pos - lo));
    }

    /** The {@code k}-th smallest value (0-based) of the histogram's values. */
    private static int orderStatistic(int[] hist, long k) {
        long seen = 0;
        for (int v = 0; v < hist.length; v++) {
            seen += hist[v];
            if (seen > k) {
                return v;
            }
        }
        return hist.length - 1;
    }

    /** The pixels of {@code map} × weight at or above {@link #KEEP_ABOVE}, each at most {@code cap}. */
    private static SparseMap sparse(double[] map, int w, int h, double weight, float cap) {
        int n = 0;
        for (double v : map) {
            if (v * weight >= KEEP_ABOVE) {
                n++;
            }
        }
        int[] index = new int[n];
        float[] value = new float[n];
        int k = 0;
        for (int i = 0; i < map.length; i++) {
            float v = (float) (map[i] * weight);
            if (v >= KEEP_ABOVE) {
                index[k] = i;
                value[k++] = Math.min(v, cap);
            }
        }
        return new SparseMap(w, h, index, value);
    }
}
