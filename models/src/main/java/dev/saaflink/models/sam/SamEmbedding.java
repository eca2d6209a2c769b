package dev.saaflink.models.sam;

/**
 * Output of the SAM image encoder for one frame: a C x gridH x gridW feature map (channel-major) over the padded
 * square model frame, plus the geometry needed to map boxes and feature cells back to original pixels.
 *
 * <p>The encoder resizes the longest image side to {@code modelSize} (1024) and pads bottom/right, so only the
 * top-left {@code validGridW x validGridH} cells cover the image; the rest see padding.
 */
public final class SamEmbedding {
    public float[] data;
    public int channels;
    public int gridH;
    public int gridW;
    /** Original image size. */
    public int imageWidth;
    public int imageHeight;
    /** Model input side (square), e.g. 1024. */
    public int modelSize;
    /** Size of the resized (un-padded) image inside the model frame. */
    public int resizedWidth;
    public int resizedHeight;

    public SamEmbedding() {}

    public SamEmbedding(float[] data, int channels, int gridH, int gridW, int imageWidth, int imageHeight,
                        int modelSize, int resizedWidth, int resizedHeight) {
        if ((long) channels * gridH * gridW != data.length) {
            throw new IllegalArgumentException("embedding length " + data.length + " != " + channels + "x" + gridH + "x" + gridW);
        }
        this.data = data;
        this.channels = channels;
        this.gridH = gridH;
        this.gridW = gridW;
        this.imageWidth = imageWidth;
        this.imageHeight = imageHeight;
        this.modelSize = modelSize;
        this.resizedWidth = resizedWidth;
        this.resizedHeight = resizedHeight;
    }

    /** Scale from original pixels to model-frame pixels (longest side to modelSize). */
    public double scale() {
        return (double) modelSize / Math.max(imageWidth, imageHeight);
    }

    /** Feature cells that cover image content (at least partly), horizontally. */
    public int validGridW() {
        return Math.min(gridW, (int) Math.ceil(resizedWidth * (double) gridW / modelSize));
    }

    /** Feature cells that cover image content (at least partly), vertically. */
    public int validGridH() {
        return Math.min(gridH, (int) Math.ceil(resizedHeight * (double) gridH / modelSize));
    }
}
