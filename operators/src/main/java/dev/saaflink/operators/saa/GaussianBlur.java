package dev.saaflink.operators.saa;

/**
 * Separable Gaussian smoothing of a single-channel map, borders handled by replicating the edge pixel. The kernel
 * is sampled at integer offsets up to {@code ceil(3·sigma)} and normalised to sum 1 (PatchCore and most anomaly
 * detectors smooth their patch-score maps this way before scoring pixels).
 */
public final class GaussianBlur {

    private GaussianBlur() {}

    /** The normalised kernel, {@code 2·ceil(3·sigma) + 1} taps. */
    public static double[] kernel(double sigma) {
        if (!(sigma >= MIN_SIGMA) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma must be finite and at least " + MIN_SIGMA + ": " + sigma);
        }
        int r = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            k[i + r] = Math.exp(-(i * (double) i) / (2 * sigma * sigma));
            sum += k[i + r];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return k;
    }

    /** Below this sigma (pixels) the kernel is a single tap: smoothing is a copy. */
    static final double MIN_SIGMA = 1e-3;

    /**
     * A smoothed copy of {@code map} ({@code width × height}, row-major); {@code sigma} in pixels; below
     * {@value #MIN_SIGMA} (0 included) a copy.
     */
    public static double[] blur(double[] map, int width, int height, double sigma) {
        if (map.length != width * height) {
            throw new IllegalArgumentException("map has " + map.length + " values, expected " + width + "x" + height);
        }
        if (sigma >= 0 && sigma < MIN_SIGMA) {
            return map.clone();
        }
        double[] k = kernel(sigma);
        int r = k.length / 2;
        double[] tmp = new double[map.length];
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int x = 0; x < width; x++) {
                double s = 0;
                for (int i = -r; i <= r; i++) {
                    int xx = Math.min(width - 1, Math.max(0, x + i));
                    s += k[i + r] * map[row + xx];
                }
                tmp[row + x] = s;
            }
        }
        double[] out = new double[map.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double s = 0;
                for (int i = -r; i <= r; i++) {
                    int yy = Math.min(height - 1, Math.max(0, y + i));
                    s += k[i + r] * tmp[yy * width + x];
                }
                out[y * width + x] = s;
            }
        }
        return out;
    }
}
