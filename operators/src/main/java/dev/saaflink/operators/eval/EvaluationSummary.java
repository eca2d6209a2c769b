package dev.saaflink.operators.eval;

import java.util.Locale;

/**
 * Metrics of one category, in percent, named after anomalib's (pixel/image x F1Max/AUROC/AP), plus the sample counts
 * they were computed from. NaN marks a metric that is undefined for the data (see {@link ScoreLabelAccumulator}).
 */
public record EvaluationSummary(
        double pixelMaxF1,
        double pixelAuroc,
        double pixelAp,
        double imageAuroc,
        double imageMaxF1,
        double imageAp,
        long images,
        long anomalousImages,
        long pixels,
        long anomalousPixels) {

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "pixel_F1Max=%.2f pixel_AUROC=%.2f pixel_AP=%.2f image_AUROC=%.2f image_F1Max=%.2f image_AP=%.2f"
                        + " (%d images, %d anomalous; %d pixels, %d anomalous)",
                pixelMaxF1, pixelAuroc, pixelAp, imageAuroc, imageMaxF1, imageAp,
                images, anomalousImages, pixels, anomalousPixels);
    }
}
