package dev.saaflink.operators.stages;

import ai.onnxruntime.OrtException;
import dev.saaflink.models.sam.SamDecoder;
import dev.saaflink.models.sam.SamMask;
import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.saa.MaskRle;
import dev.saaflink.operators.saa.PropertyFilter;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.operators.saa.Rescoring;
import dev.saaflink.operators.saa.SegmentedRegion;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Region work per frame up to the keyed fusion: candidate boxes from the region generator, the property filter on
 * box area (before SAM, as the reference does, so rejected boxes cost no decoder call), one SAM decoder call per
 * surviving box, and the mean saliency inside each mask. Plain Java; the Flink operator only wraps it.
 */
public final class SegmentationStage implements Serializable {
    private static final long serialVersionUID = 1L;

    private final RegionGenerator generator;
    private final double decoderSkipBelow;

    public SegmentationStage(RegionGenerator generator) {
        this(generator, 0);
    }

    /**
     * @param decoderSkipBelow frames whose saliency map's maximum is below this get no decoder call and no regions
     *                         (0: every frame is segmented); see {@code PipelineSettings.decoderSkipBelow}
     */
    public SegmentationStage(RegionGenerator generator, double decoderSkipBelow) {
        if (!(decoderSkipBelow >= 0)) {
            throw new IllegalArgumentException("decoderSkipBelow must be >= 0, got " + decoderSkipBelow);
        }
        this.generator = generator;
        this.decoderSkipBelow = decoderSkipBelow;
    }

    /** Whether the frame's map is clearly normal: its maximum below the skip threshold (never with the skip off). */
    boolean clearlyNormal(FrameInProgress p) {
        if (decoderSkipBelow <= 0 || p.saliency == null || p.saliency.length == 0) {
            return false;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (float v : p.saliency) {
            max = Math.max(max, v);
        }
        return max < decoderSkipBelow;
    }

    /** Loads the region generator's models; once per operator instance. */
    public void open() {
        generator.open();
    }

    public void close() {
        generator.close();
    }

    /** Starts the region generator on the frame (GroundingDINO: image features and object pass); close it after. */
    public RegionGenerator.FrameProposals start(FrameInProgress p, CategoryConfig category) {
        long t0 = System.nanoTime();
        RegionGenerator.FrameProposals proposals = generator.start(p, category);
        p.recordStage("objectPass", t0);
        return proposals;
    }

    /**
     * The SAM masks of the object pass's boxes (reference §3.2 step 5), at image resolution, for the multi-instance
     * saliency; empty when the generator has no object pass or found no object. Records the "objectMasks" stage time.
     */
    public List<boolean[]> objectMasks(FrameInProgress p, RegionGenerator.FrameProposals proposals, SamDecoder decoder)
            throws OrtException {
        long t0 = System.nanoTime();
        List<RegionCandidate> boxes = proposals.objectBoxes();
        List<boolean[]> masks = new ArrayList<>(boxes.size());
        for (RegionCandidate b : boxes) {
            masks.add(decoder.decodeBox(p.embedding, b.x1, b.y1, b.x2, b.y2).pixels);
        }
        p.recordStage("objectMasks", t0);
        return masks;
    }

    /** Fills {@code p.regions}; records the "proposals" and "samDecoder" stage times. */
    public void run(FrameInProgress p, CategoryConfig category, RegionGenerator.FrameProposals proposals,
                    SamDecoder decoder) throws OrtException {
        int w = p.frame.image.width;
        int h = p.frame.image.height;

        long t0 = System.nanoTime();
        List<RegionCandidate> candidates = proposals.candidates();
        List<RegionCandidate> kept = PropertyFilter.filter(candidates, w, h, category.getAreaRatio(),
                proposals.objectArea());
        p.recordStage("proposals", t0);
        long t1 = System.nanoTime();
        List<SegmentedRegion> regions = new ArrayList<>(kept.size());
        if (clearlyNormal(p)) {
            p.regions = regions;
            p.recordStage("samDecoder", t1);
            return;
        }
        for (RegionCandidate c : kept) {
            SamMask mask = decoder.decodeBox(p.embedding, c.x1, c.y1, c.x2, c.y2);
            int area = mask.area();
            double mean = area == 0 ? 0.0 : Rescoring.meanInside(p.saliency, mask.pixels);
            regions.add(new SegmentedRegion(c, area, mean, MaskRle.encode(mask.pixels)));
        }
        p.regions = regions;
        p.recordStage("samDecoder", t1);
    }
}
