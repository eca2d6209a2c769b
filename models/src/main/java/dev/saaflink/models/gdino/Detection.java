package dev.saaflink.models.gdino;

/**
 * One GroundingDINO query box that passed the filters: normalised centre/size as the model outputs them
 * ({@code pred_boxes}: cx, cy, w, h relative to the image), its score (the largest token probability) and the
 * decoded phrase of its above-threshold tokens.
 *
 * @param query index of the query among the model's (e.g. 900) queries
 */
public record Detection(int query, float cx, float cy, float w, float h, float score, String phrase) {

    /** Normalised box area {@code w * h} in float32, as the reference's property filter computes it. */
    public float area() {
        return w * h;
    }

    /** Left edge in pixels of an image {@code width} wide: {@code (cx - w/2) * width}. */
    public double x1(int width) {
        return ((double) cx - w / 2.0) * width;
    }

    /** Top edge in pixels: {@code (cy - h/2) * height}. */
    public double y1(int height) {
        return ((double) cy - h / 2.0) * height;
    }

    /** Right edge in pixels: {@code (cx + w/2) * width}. */
    public double x2(int width) {
        return ((double) cx + w / 2.0) * width;
    }

    /** Bottom edge in pixels: {@code (cy + h/2) * height}. */
    public double y2(int height) {
        return ((double) cy + h / 2.0) * height;
    }
}
