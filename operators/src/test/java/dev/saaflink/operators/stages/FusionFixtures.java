package dev.saaflink.operators.stages;

import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.saa.MaskRle;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.operators.saa.SegmentedRegion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A 4x4 frame with four segmented regions, small enough to fuse by hand. Pixel indices are y * 4 + x.
 *
 * <pre>
 *   R0 "scratch": pixels 0, 1, 4, 5  (2x2 top-left)     score 0.40, mean saliency 0.10
 *   R1 "crack":   pixels 5, 6, 9, 10 (2x2 in the middle) score 0.50, mean saliency 0.20
 *   R2 "stain":   no pixels                              score 0.45, mean saliency 0.30 (ignored: empty)
 *   R3 null label: pixel 15 (bottom-right corner)         score 0.20, mean saliency 0.05
 * </pre>
 * R0 and R1 overlap on pixel 5 only.
 */
public final class FusionFixtures {
    public static final int W = 4;
    public static final int H = 4;
    private static final InspectionConfig DEFAULTS = InspectionConfigLoader.loadDefault();
    /**
     * A saliency map for the frame, exactly representable in float (so an unsmoothed map is exact): maximum 0.875
     * at pixel 6 = (2, 1), inside R1; R0's peak is 0.625 (pixel 5).
     */
    public static final float[] SALIENCY = {
            0.0f, 0.125f, 0.25f, 0.125f,
            0.5f, 0.625f, 0.875f, 0.375f,
            0.25f, 0.75f, 0.5f, 0.0625f,
            0.0f, 0.125f, 0.25f, 0.5f};
    /** Category {@code widget} keeping the top 2 regions (R1, then R0), threshold 0.3. */
    public static final CategoryConfig TOP2 = CategoryConfig.builder("widget").objectPrompt("widget").topK(2)
            .areaRatio(0.9).anomalyThreshold(0.3).build();

    private FusionFixtures() {}

    public static boolean[] mask(int... pixels) {
        boolean[] m = new boolean[W * H];
        for (int p : pixels) {
            m[p] = true;
        }
        return m;
    }

    public static SegmentedRegion region(RegionCandidate box, double meanSaliency, int... pixels) {
        return new SegmentedRegion(box, pixels.length, meanSaliency, MaskRle.encode(mask(pixels)));
    }

    public static List<SegmentedRegion> fourRegions() {
        List<SegmentedRegion> regions = new ArrayList<>();
        regions.add(region(new RegionCandidate(0, 0, 2, 2, 0.40, "scratch"), 0.10, 0, 1, 4, 5));
        regions.add(region(new RegionCandidate(1, 1, 3, 3, 0.50, "crack"), 0.20, 5, 6, 9, 10));
        regions.add(region(new RegionCandidate(2, 0, 4, 1, 0.45, "stain"), 0.30));
        regions.add(region(new RegionCandidate(3, 3, 4, 4, 0.20, null), 0.05, 15));
        return regions;
    }

    /** A frame of the fixture with the bundled default config of {@code category} (version "1") resolved. */
    public static FrameRegions frame(String cameraId, String frameId, String category, List<SegmentedRegion> regions) {
        FrameRegions f = new FrameRegions();
        f.cameraId = cameraId;
        f.frameId = frameId;
        f.category = category;
        InspectionConfig.Resolved resolved = DEFAULTS.resolve(category);
        f.configCategory = resolved.config().getName();
        f.config = resolved.config();
        f.configVersion = resolved.version();
        f.captureTimeMillis = 1_700_000_000_000L;
        f.arrivalMillis = 1_000L;
        f.width = W;
        f.height = H;
        f.regions = regions;
        Map<String, Double> stageMs = new LinkedHashMap<>();
        stageMs.put("decode", 1.5);
        stageMs.put("samEncoder", 20.0);
        f.stageMs = stageMs;
        return f;
    }
}
