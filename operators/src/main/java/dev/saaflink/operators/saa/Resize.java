package dev.saaflink.operators.saa;

/**
 * Single-channel resizes with OpenCV's {@code INTER_LINEAR} and {@code INTER_NEAREST} sampling rules, so that maps
 * resized here land on the same pixels as the reference's {@code cv2.resize} calls (saliency 64x64 to the original
 * size, anomaly map to 400x400, ground truth to 400x400).
 *
 * <p>All arrays are row-major, {@code width * height} long. Bilinear sampling uses pixel centres at half-integer
 * positions and clamps at the border; nearest picks {@code floor(d * src / dst)}. Interpolation weights are computed
 * in double for both element types, which matches OpenCV's float path up to the last bit or so; OpenCV's 8-bit path
 * uses fixed-point weights and is not what this class reproduces.
 */
public final class Resize {

    private Resize() {}

    /** Bilinear resize of a float map (OpenCV {@code INTER_LINEAR}). */
    public static float[] bilinear(float[] src, int sw, int sh, int dw, int dh) {
        checkSizes(src.length, sw, sh, dw, dh);
        Axis xs = Axis.linear(sw, dw);
        Axis ys = Axis.linear(sh, dh);
        float[] dst = new float[dw * dh];
        for (int dy = 0; dy < dh; dy++) {
            int row0 = ys.index[dy] * sw;
            int row1 = ys.next[dy] * sw;
            double wy = ys.weight[dy];
            int out = dy * dw;
            for (int dx = 0; dx < dw; dx++) {
                int x0 = xs.index[dx];
                int x1 = xs.next[dx];
                double wx = xs.weight[dx];
                double top = src[row0 + x0] + wx * (src[row0 + x1] - src[row0 + x0]);
                double bottom = src[row1 + x0] + wx * (src[row1 + x1] - src[row1 + x0]);
                dst[out + dx] = (float) (top + wy * (bottom - top));
            }
        }
        return dst;
    }

    /** Bilinear resize of a double map (OpenCV {@code INTER_LINEAR} on a float64 matrix). */
    public static double[] bilinear(double[] src, int sw, int sh, int dw, int dh) {
        checkSizes(src.length, sw, sh, dw, dh);
        Axis xs = Axis.linear(sw, dw);
        Axis ys = Axis.linear(sh, dh);
        double[] dst = new double[dw * dh];
        for (int dy = 0; dy < dh; dy++) {
            int row0 = ys.index[dy] * sw;
            int row1 = ys.next[dy] * sw;
            double wy = ys.weight[dy];
            int out = dy * dw;
            for (int dx = 0; dx < dw; dx++) {
                int x0 = xs.index[dx];
                int x1 = xs.next[dx];
                double wx = xs.weight[dx];
                double top = src[row0 + x0] + wx * (src[row0 + x1] - src[row0 + x0]);
                double bottom = src[row1 + x0] + wx * (src[row1 + x1] - src[row1 + x0]);
                dst[out + dx] = top + wy * (bottom - top);
            }
        }
        return dst;
    }

    /** Nearest-neighbour resize of a mask (OpenCV {@code INTER_NEAREST}). */
    public static boolean[] nearest(boolean[] src, int sw, int sh, int dw, int dh) {
        checkSizes(src.length, sw, sh, dw, dh);
        int[] xs = nearestIndex(sw, dw);
        int[] ys = nearestIndex(sh, dh);
        boolean[] dst = new boolean[dw * dh];
        for (int dy = 0; dy < dh; dy++) {
            int row = ys[dy] * sw;
            int out = dy * dw;
            for (int dx = 0; dx < dw; dx++) {
                dst[out + dx] = src[row + xs[dx]];
            }
        }
        return dst;
    }

    /** Nearest-neighbour resize of a float map (OpenCV {@code INTER_NEAREST}). */
    public static float[] nearest(float[] src, int sw, int sh, int dw, int dh) {
        checkSizes(src.length, sw, sh, dw, dh);
        int[] xs = nearestIndex(sw, dw);
        int[] ys = nearestIndex(sh, dh);
        float[] dst = new float[dw * dh];
        for (int dy = 0; dy < dh; dy++) {
            int row = ys[dy] * sw;
            int out = dy * dw;
            for (int dx = 0; dx < dw; dx++) {
                dst[out + dx] = src[row + xs[dx]];
            }
        }
        return dst;
    }

    private static int[] nearestIndex(int srcLen, int dstLen) {
        double scale = (double) srcLen / dstLen;
        int[] index = new int[dstLen];
        for (int d = 0; d < dstLen; d++) {
            index[d] = Math.min((int) Math.floor(d * scale), srcLen - 1);
        }
        return index;
    }

    private static void checkSizes(int length, int sw, int sh, int dw, int dh) {
        if (sw <= 0 || sh <= 0 || dw <= 0 || dh <= 0) {
            throw new IllegalArgumentException(
                    "sizes must be positive: src " + sw + "x" + sh + ", dst " + dw + "x" + dh);
        }
        if (length != sw * sh) {
            throw new IllegalArgumentException(
                    "source has " + length + " values, expected " + sw + "x" + sh + "=" + (sw * sh));
        }
    }

    /** Per destination coordinate along one axis: the two source indices and the weight of the second. */
    private static final class Axis {
        final int[] index;
        final int[] next;
        final double[] weight;

        private Axis(int n) {
            index = new int[n];
            next = new int[n];
            weight = new double[n];
        }

        static Axis linear(int srcLen, int dstLen) {
            Axis axis = new Axis(dstLen);
            double scale = (double) srcLen / dstLen;
            for (int d = 0; d < dstLen; d++) {
                double centre = (d + 0.5) * scale - 0.5;
                int s = (int) Math.floor(centre);
                double w = centre - s;
                // Outside the outermost source centres OpenCV repeats the edge value instead of extrapolating.
                if (s < 0) {
                    s = 0;
                    w = 0;
                }
                if (s >= srcLen - 1) {
                    s = srcLen - 1;
                    w = 0;
                }
                axis.index[d] = s;
                axis.next[d] = Math.min(s + 1, srcLen - 1);
                axis.weight[d] = w;
            }
            return axis;
        }
    }
}
