package dev.saaflink.operators.eval;

import java.util.Locale;

/**
 * Metrics of one category, in percent, named after anomalib's (pixel/image x F1Max/AUROC/AP), plus the sample counts
 * they were computed from. NaN marks a metric that is undefined for the data (see {@link ScoreLabelAccumulator}).
 * {@code aupro} (PRO up to FPR 0.3), {@code regionMaxF1Reference} (the reference's region F1 counting, recall can
 * exceed 100) and {@code regionMaxF1} (one-to-one matching) come from {@link RegionMetrics}.
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
        long anomalousPixels,
        double aupro,
        double regionMaxF1Reference,
        double regionMaxF1) {

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "pixel_F1Max=%.2f pixel_AUROC=%.2f pixel_AP=%.2f image_AUROC=%.2f image_F1Max=%.2f image_AP=%.2f"
                        + " AUPRO=%.2f region_F1Max_ref=%.2f region_F1Max=%.2f"
                        + " (%d images, %d anomalous; %d pixels, %d anomalous)",
                pixelMaxF1, pixelAuroc, pixelAp, imageAuroc, imageMaxF1, imageAp,
                aupro, regionMaxF1Reference, regionMaxF1,
                images, anomalousImages, pixels, anomalousPixels);
    }
}
