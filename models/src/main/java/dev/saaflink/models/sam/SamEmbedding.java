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

    /**
     * This embedding on a {@code grid x grid} grid of a proportionally larger model frame, for a decoder exported
     * for that grid (SAM's: 64 x 64 over 1024 px) fed by an encoder rewritten for a smaller input
     * ({@link EncoderInputSize}): each channel resampled bilinearly (cell centres, edges clamped, PyTorch's
     * {@code align_corners=False}), the model frame scaled by {@code grid / gridW} and the resized image size
     * recomputed for it as the pre-processing would. The same object when the grid already matches.
     */
    public SamEmbedding resampledTo(int grid) {
        if (gridH == grid && gridW == grid) {
            return this;
        }
        if (gridH != gridW || grid <= 0) {
            throw new IllegalArgumentException("can only resample a square grid to a square grid, have " + gridW + "x"
                    + gridH + ", want " + grid);
        }
        int frame = (int) Math.round(modelSize * (double) grid / gridW);
        int[] rs = SamPreprocessor.resizedSize(imageWidth, imageHeight, frame);
        float[] out = new float[channels * grid * grid];
        double ratio = (double) gridW / grid;
        int[] i0 = new int[grid];
        int[] i1 = new int[grid];
        float[] f = new float[grid];
        for (int d = 0; d < grid; d++) {
            double c = Math.max(0, (d + 0.5) * ratio - 0.5);
            i0[d] = Math.min((int) c, gridW - 1);
            i1[d] = Math.min(i0[d] + 1, gridW - 1);
            f[d] = (float) (c - i0[d]);
        }
        int inPlane = gridH * gridW;
        int outPlane = grid * grid;
        for (int ch = 0; ch < channels; ch++) {
            int ib = ch * inPlane;
            int ob = ch * outPlane;
            for (int y = 0; y < grid; y++) {
                int r0 = ib + i0[y] * gridW;
                int r1 = ib + i1[y] * gridW;
                float fy = f[y];
                for (int x = 0; x < grid; x++) {
                    float fx = f[x];
                    float top = data[r0 + i0[x]] * (1 - fx) + data[r0 + i1[x]] * fx;
                    float bot = data[r1 + i0[x]] * (1 - fx) + data[r1 + i1[x]] * fx;
                    out[ob + y * grid + x] = top * (1 - fy) + bot * fy;
                }
            }
        }
        return new SamEmbedding(out, channels, grid, grid, imageWidth, imageHeight, frame, rs[0], rs[1]);
    }
}
