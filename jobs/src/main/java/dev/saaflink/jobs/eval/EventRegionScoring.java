package dev.saaflink.jobs.eval;

import dev.saaflink.operators.eval.CategoryMetrics;
import dev.saaflink.operators.eval.EventRegionMetrics;
import dev.saaflink.operators.saa.MaskRle;
import dev.saaflink.operators.saa.Resize;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.AvroBytes;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.Region;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code eventRegions} figures of an evaluation: the regions each event reports (their RLE masks, which every
 * {@link Region} carries at the frame's resolution) matched against the connected components of the frame's
 * ground-truth mask with {@link EventRegionMetrics}, pooled over all frames and per category and per subset.
 *
 * <p>The comparison is at the ground-truth mask's own resolution (the frame's, for the datasets here); a region mask of
 * another size is brought to it by nearest neighbour. A frame without a mask is defect-free: its regions are compared
 * with an empty grid of their own size. A frame that ended without an event adds its components as missed.
 */
final class EventRegionScoring {

    /** What the figures mean, for report.json. */
    static final String DEFINITION = "each event's own regions (RLE masks, at the ground truth's resolution) against "
            + "the 8-connected components of the frame's ground-truth mask: a region locates a component when their "
            + "IoU >= iouThreshold; pairs matched one-to-one, greedily by descending IoU; precision = matched / "
            + "predicted regions, recall = matched / ground-truth components, f1 their harmonic mean, in percent, "
            + "pooled over frames (micro); a frame that ended as a dead letter counts its components as missed";

    private final int maskThreshold;
    private final EventRegionMetrics all = new EventRegionMetrics(EventRegionMetrics.DEFAULT_IOU_THRESHOLD);
    private final Map<String, EventRegionMetrics> byKey = new TreeMap<>();

    /** @param maskThreshold a ground-truth pixel is a defect when its value is above this */
    EventRegionScoring(int maskThreshold) {
        this.maskThreshold = maskThreshold;
    }

    /**
     * Adds one frame under each of {@code keys} (e.g. its category and its category/subset) and the pooled total.
     *
     * @param event the frame's event, or null when it ended without one
     */
    void add(AnomalyEvent event, Frame frame, String... keys) throws IOException {
        List<Region> regions = event == null ? List.of() : event.getRegions();
        boolean[] truth;
        int width;
        int height;
        if (frame.getGroundTruthMask() != null) {
            MapFiles.GrayImage mask = MapFiles.readGray(AvroBytes.toArray(frame.getGroundTruthMask()),
                    "ground-truth mask of " + frame.getFrameId());
            truth = CategoryMetrics.binarise(mask.gray(), maskThreshold);
            width = mask.width();
            height = mask.height();
        } else if (!regions.isEmpty()) {
            width = regions.get(0).getMask().getWidth();
            height = regions.get(0).getMask().getHeight();
            truth = new boolean[width * height];
        } else {
            return; // nothing predicted, nothing to find
        }
        List<boolean[]> predicted = new ArrayList<>(regions.size());
        for (Region r : regions) {
            predicted.add(decode(r, width, height));
        }
        all.add(predicted, truth, width, height);
        for (String key : keys) {
            byKey.computeIfAbsent(key, k -> new EventRegionMetrics(EventRegionMetrics.DEFAULT_IOU_THRESHOLD))
                    .add(predicted, truth, width, height);
        }
    }

    /** The region's mask at {@code width x height}. */
    static boolean[] decode(Region region, int width, int height) {
        int mw = region.getMask().getWidth();
        int mh = region.getMask().getHeight();
        int[] counts = region.getMask().getCounts().stream().mapToInt(Integer::intValue).toArray();
        boolean[] mask = MaskRle.decode(counts, mw * mh);
        return mw == width && mh == height ? mask : Resize.nearest(mask, mw, mh, width, height);
    }

    /** The pooled figures as report.json's {@code eventRegions}. */
    Map<String, Object> pooled() {
        return json(all);
    }

    /** The figures of one key, or null when no frame was added under it. */
    Map<String, Object> of(String key) {
        EventRegionMetrics m = byKey.get(key);
        return m == null ? null : json(m);
    }

    /** precision, recall, f1 (percent, 2 decimals; NaN when undefined), iouThreshold, predicted, groundTruth, matched. */
    static Map<String, Object> json(EventRegionMetrics m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("precision", MetricsJson.round2(100 * m.precision()));
        r.put("recall", MetricsJson.round2(100 * m.recall()));
        r.put("f1", MetricsJson.round2(100 * m.f1()));
        r.put("iouThreshold", m.iouThreshold());
        r.put("predicted", m.predicted());
        r.put("groundTruth", m.groundTruth());
        r.put("matched", m.matched());
        return r;
    }
}
