package dev.saaflink.operators.pipeline;

import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.decode.DeadLetters;
import dev.saaflink.operators.decode.SourceRecord;
import dev.saaflink.operators.saa.SegmentedRegion;

import java.util.List;
import java.util.Map;

/**
 * What the keyed fusion stage needs of a frame: identity, size, the segmented candidate regions with their mean
 * saliency, the category config resolved at decode with its version, and the timings so far. Small by design: this
 * is what crosses the keyBy shuffle, serialised by Flink (a POJO; the {@link CategoryConfig} field goes through
 * Kryo, which FrameRegionsSerializationTest checks).
 */
public final class FrameRegions {
    public String cameraId;
    public String frameId;
    public String category;
    public String configCategory;
    /** The category config the frame was inspected with (resolved once, at decode). */
    public CategoryConfig config;
    /** Version of {@link #config}, written to the event. */
    public String configVersion;
    public long captureTimeMillis;
    public long arrivalMillis;
    public int width;
    public int height;
    public List<SegmentedRegion> regions;
    /** The frame's saliency, scaled down (for {@code anomalyMap.source: saliency}); null when not kept. */
    public SmallMap saliencyMap;
    /** {@link FrameInProgress#darkLines}: added to the smoothed saliency map in fusion; null when off. */
    public SparseMap darkLines;
    public Map<String, Double> stageMs;
    /**
     * The record the frame came from, without its value (coordinates, key, size, SHA-256): fusion builds its dead
     * letters from this, as the value itself stays behind at the split.
     */
    public SourceRecord source;

    public FrameRegions() {}

    public static FrameRegions of(FrameInProgress p) {
        FrameRegions r = new FrameRegions();
        r.cameraId = p.frame.cameraId;
        r.frameId = p.frame.frameId;
        r.category = p.frame.category;
        r.configCategory = p.configCategory;
        r.config = p.config;
        r.configVersion = p.configVersion;
        r.captureTimeMillis = p.frame.captureTimeMillis;
        r.arrivalMillis = p.arrivalMillis;
        r.width = p.frame.image.width;
        r.height = p.frame.image.height;
        r.regions = p.regions;
        r.saliencyMap = p.saliencyMap;
        r.darkLines = p.darkLines;
        r.stageMs = p.stageMs;
        r.source = DeadLetters.sourceOf(p.frame.source);
        return r;
    }
}
