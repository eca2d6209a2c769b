package dev.saaflink.operators.pipeline;

/**
 * A saliency map on its feature grid (row-major, {@code width x height} cells), before it is resized to the image:
 * the features branch of the fan-out sends this (16 KB for WideResNet50's 64 x 64) rather than the map at image
 * resolution. A Flink POJO.
 */
public final class SaliencyGrid {
    public float[] values;
    public int width;
    public int height;

    public SaliencyGrid() {}

    public SaliencyGrid(float[] values, int width, int height) {
        if (values.length != width * height) {
            throw new IllegalArgumentException("grid of " + values.length + " values is not " + width + "x" + height);
        }
        this.values = values;
        this.width = width;
        this.height = height;
    }
}
