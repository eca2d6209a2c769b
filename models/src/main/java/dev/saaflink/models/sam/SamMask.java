package dev.saaflink.models.sam;

/**
 * A binary mask at the original image size, row-major: pixel (x, y) is {@code pixels[y * width + x]}, plus the
 * decoder's predicted IoU for it. A Flink POJO (public fields, no-arg constructor).
 */
public final class SamMask {
    public int width;
    public int height;
    public boolean[] pixels;
    public float iouPrediction;

    public SamMask() {
    }

    public SamMask(int width, int height, boolean[] pixels, float iouPrediction) {
        if ((long) width * height != pixels.length) {
            throw new IllegalArgumentException("mask length " + pixels.length + " != " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.pixels = pixels;
        this.iouPrediction = iouPrediction;
    }

    /** Number of pixels in the mask. */
    public int area() {
        int n = 0;
        for (boolean p : pixels) {
            if (p) {
                n++;
            }
        }
        return n;
    }

    public boolean get(int x, int y) {
        return pixels[y * width + x];
    }
}
