package dev.saaflink.operators.pipeline;

import dev.saaflink.operators.saa.GaussianBlur;
import dev.saaflink.operators.saa.Resize;

/**
 * A single-channel map scaled down so that it can cross a network shuffle cheaply: the frame's saliency carried to
 * the keyed fusion for {@code anomalyMap.source: saliency}. A Flink POJO.
 */
public final class SmallMap {
    /** Longer side of a {@link #of} map: finer than any feature grid the saliency comes from (64 cells). */
    public static final int MAX_SIDE = 256;

    public float[] values;
    public int width;
    public int height;

    public SmallMap() {}

    public SmallMap(float[] values, int width, int height) {
        if (values.length != width * height) {
            throw new IllegalArgumentException("map has " + values.length + " values, expected " + width + "x" + height);
        }
        this.values = values;
        this.width = width;
        this.height = height;
    }

    /** {@code map} ({@code width × height}) bilinearly scaled to at most {@link #MAX_SIDE} on its longer side. */
    public static SmallMap of(float[] map, int width, int height) {
        int longer = Math.max(width, height);
        if (longer <= MAX_SIDE) {
            return new SmallMap(map.clone(), width, height);
        }
        int w = Math.max(1, (int) Math.round(width * (double) MAX_SIDE / longer));
        int h = Math.max(1, (int) Math.round(height * (double) MAX_SIDE / longer));
        return new SmallMap(Resize.bilinear(map, width, height, w, h), w, h);
    }

    /** This map smoothed by a Gaussian of {@code sigma} pixels of this map ({@link GaussianBlur}); 0 = itself. */
    public SmallMap blurred(double sigma) {
        if (sigma == 0) {
            return this;
        }
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        double[] b = GaussianBlur.blur(d, width, height, sigma);
        float[] f = new float[b.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) b[i];
        }
        return new SmallMap(f, width, height);
    }

    /** This map bilinearly scaled to {@code w × h}. */
    public double[] at(int w, int h) {
        float[] f = w == width && h == height ? values : Resize.bilinear(values, width, height, w, h);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
