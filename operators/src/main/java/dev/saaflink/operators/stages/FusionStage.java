package dev.saaflink.operators.stages;

import dev.saaflink.operators.config.AnomalyMapConfig;
import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.config.SaaParameters;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.pipeline.SmallMap;
import dev.saaflink.operators.saa.ImageScore;
import dev.saaflink.operators.saa.MapSharpening;
import dev.saaflink.operators.saa.MaskRle;
import dev.saaflink.operators.saa.Rescoring;
import dev.saaflink.operators.saa.SegmentedRegion;
import dev.saaflink.operators.saa.TopKFusion;

import java.util.ArrayList;
import java.util.List;

/**
 * Saliency rescoring and the confidence prompt (P^C): every segmented region's score becomes
 * s * exp(gamma * mean saliency), the K best are kept and fused into the frame's anomaly map; the image score is
 * the map's maximum (reference sections 3.5, 3.6, 10) or, with {@code anomalyMap.imageScore: top-mean}, the mean of
 * its highest pixels ({@link ImageScore}).
 */
public final class FusionStage {

    private FusionStage() {}

    /** Result of fusing one frame. */
    public static final class Fused {
        public final double[] map;
        public final int width;
        public final int height;
        public final double imageScore;
        /** Indices into the frame's regions, best first. */
        public final List<Integer> kept;
        public final double[] rescored;

        Fused(double[] map, int width, int height, double imageScore, List<Integer> kept, double[] rescored) {
            this.map = map;
            this.width = width;
            this.height = height;
            this.imageScore = imageScore;
            this.kept = kept;
            this.rescored = rescored;
        }
    }

    /** SAA+'s region fusion ({@code anomalyMap.source: regions}). */
    public static Fused fuse(FrameRegions frame, CategoryConfig category, SaaParameters params) {
        return fuse(frame, category, params, AnomalyMapConfig.regions());
    }

    /**
     * Rescoring and top-K as SAA+ does; the map is the region fusion or, with {@code anomalyMap.source: saliency},
     * the frame's saliency ({@link FrameRegions#saliencyMap}) at image size, smoothed, plus the stream context's
     * dark-line channel ({@link FrameRegions#darkLines}) when it is on, and with
     * {@code anomalyMap.sharpen: masks} sharpened with the kept regions' masks ({@link MapSharpening}). A frame that
     * carries no saliency map (e.g. from a job started with the other setting) falls back to the region fusion.
     */
    public static Fused fuse(FrameRegions frame, CategoryConfig category, SaaParameters params,
                             AnomalyMapConfig mapConfig) {
        List<SegmentedRegion> regions = frame.regions == null ? List.of() : frame.regions;
        int n = regions.size();
        double[] rescored = new double[n];
        for (int i = 0; i < n; i++) {
            SegmentedRegion r = regions.get(i);
            rescored[i] = Rescoring.rescore(r.box.score, r.meanSaliency, r.areaPixels == 0, params.getRescoreGamma());
        }
        List<Integer> kept = TopKFusion.topK(rescored, category.getTopK());
        double[] map;
        if (mapConfig.getSource() == AnomalyMapConfig.Source.SALIENCY && frame.saliencyMap != null) {
            // Smoothed at the small map's size (at most 256 px a side), then scaled up: the same result up to
            // interpolation, at a fraction of the cost of blurring a large frame.
            SmallMap small = frame.saliencyMap;
            double sigma = mapConfig.getSmoothing() * Math.max(small.width, small.height);
            SmallMap blurred = small.blurred(sigma);
            map = blurred.at(frame.width, frame.height);
            if (frame.darkLines != null) {
                frame.darkLines.addTo(map, frame.width, frame.height); // thin dark marks at pixel resolution
            }
            if (mapConfig.getSharpen() == AnomalyMapConfig.Sharpen.MASKS) {
                map = sharpen(map, frame, regions, kept, mapConfig);
            }
        } else {
            List<boolean[]> masks = keptMasks(regions, kept, frame);
            double[] keptScores = new double[kept.size()];
            for (int i = 0; i < kept.size(); i++) {
                keptScores[i] = rescored[kept.get(i)];
            }
            map = TopKFusion.fuse(masks, keptScores, frame.width, frame.height, params.isFusionPlusOne());
        }
        // Never below 0, as the image score has always been (a map of float noise just under 0 scores 0).
        double score = Math.max(0, ImageScore.of(map, mapConfig.imageScoreTopFraction()));
        return new Fused(map, frame.width, frame.height, score, kept, rescored);
    }

    /**
     * The map sharpened with the kept masks: the best {@code sharpenTopMasks} at their region's box score (the
     * stand-in component's peak saliency), the others at the map's {@code sharpenValue} in them.
     */
    private static double[] sharpen(double[] map, FrameRegions frame, List<SegmentedRegion> regions,
                                     List<Integer> kept, AnomalyMapConfig mapConfig) {
        List<boolean[]> masks = keptMasks(regions, kept, frame);
        double[] values = MapSharpening.maskValues(map, masks, mapConfig.getSharpenValue());
        for (int i = 0; i < Math.min(mapConfig.getSharpenTopMasks(), kept.size()); i++) {
            values[i] = regions.get(kept.get(i)).box.score;
        }
        return MapSharpening.sharpen(map, frame.width, frame.height, masks, values, mapConfig.getSharpenOutside(),
                mapConfig.getSharpenMaxMaskFraction());
    }

    /** The kept regions' masks at frame size, best first. */
    private static List<boolean[]> keptMasks(List<SegmentedRegion> regions, List<Integer> kept, FrameRegions frame) {
        int pixels = frame.width * frame.height;
        List<boolean[]> masks = new ArrayList<>(kept.size());
        for (int idx : kept) {
            masks.add(MaskRle.decode(regions.get(idx).rleCounts, pixels));
        }
        return masks;
    }
}
