package dev.saaflink.operators.stages;

import ai.onnxruntime.OrtException;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.sam.SamDecoder;
import dev.saaflink.models.sam.SamMask;
import dev.saaflink.models.sam.SamModelFiles;
import dev.saaflink.models.wrn.WideResNetFeatures;
import dev.saaflink.operators.config.AnomalyMapConfig;
import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.config.SaaParameters;
import dev.saaflink.operators.pipeline.DetectedRegions;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.pipeline.SmallMap;
import dev.saaflink.operators.saa.MaskRle;
import dev.saaflink.operators.saa.PropertyFilter;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.operators.saa.Rescoring;
import dev.saaflink.operators.saa.SaliencyComputer;
import dev.saaflink.operators.saa.SegmentedRegion;
import dev.saaflink.operators.saa.SelfSimilaritySaliency;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Region work per frame that needs the SAM embedding, as a stage object that owns its sessions ({@link #open} /
 * {@link #apply} / {@link #close}; the Flink operator {@code SegmentationFunction} and the benchmark's bare model loop
 * both run it): the saliency map (on the SAM embedding, or on WideResNet50 features when {@code saliencyFeatures}
 * names a model, multi-instance for categories with N &gt; 1), candidate boxes from the region generator, the property
 * filter on box area (before SAM, as the reference does, so rejected boxes cost no decoder call), one SAM decoder call
 * per surviving box, and the mean saliency inside each mask.
 *
 * <p>When the job fans out, the detector's boxes ({@link FrameInProgress#detected}) and the single-instance
 * WideResNet50 grid ({@link FrameInProgress#featureGrid}) arrive computed with the frame, and this stage uses them
 * instead of running those models again.
 */
public final class SegmentationStage implements Serializable, AutoCloseable {
    private static final long serialVersionUID = 1L;

    /** The stage name (metrics, failures). */
    public static final String STAGE = "segmentation";

    private final RegionGenerator generator;
    private transient PipelineSettings settings;
    private transient SamDecoder decoder;
    private transient SaliencyComputer saliency;
    private transient WideResNetFeatures wideResNet;
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

    /** Loads the region generator's models only (tests that drive {@link #start} and {@link #run} themselves). */
    public void open() {
        generator.open();
    }

    /**
     * Opens the stage's sessions on {@code session}: the SAM decoder, the saliency computer, the WideResNet50
     * features when the config names them, and the region generator's models unless the detector runs as a branch
     * of its own ({@link DetectorStage#isBranch}). Once per operator instance.
     */
    public void open(PipelineSettings settings, SessionSettings session) throws Exception {
        this.settings = settings;
        try {
            SamModelFiles files = settings.inspection.getSam().files();
            decoder = SamDecoder.open(files.decoder(), files.decoderManifest(), session);
            saliency = settings.saliencyBackend.open(session);
            wideResNet = FeaturesStage.openWideResNet(settings, session);
            if (!DetectorStage.isBranch(settings)) {
                // With the detector as its own branch every frame comes with its boxes: loading GroundingDINO here
                // too would only hold a second copy of its sessions (on a GPU, its memory).
                generator.open();
            }
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Releases what {@link #open} opened; safe to call twice. */
    @Override
    public void close() {
        generator.close();
        if (wideResNet != null) {
            wideResNet.close();
            wideResNet = null;
        }
        if (saliency != null) {
            saliency.close();
            saliency = null;
        }
        if (decoder != null) {
            decoder.close();
            decoder = null;
        }
    }

    /**
     * The stage's work on one frame, after {@link #open(PipelineSettings, SessionSettings)}: fills
     * {@code frame.regions} (and the small saliency map when the anomaly map is the saliency), then drops the
     * embedding and the full-size saliency. Uses the category config the frame carries
     * ({@link FrameInProgress#config}); the algorithm parameters come from the settings.
     */
    public void apply(FrameInProgress frame) throws OrtException {
        SaaParameters algorithm = settings.inspection.getAlgorithm();
        CategoryConfig category = frame.config; // resolved once, at decode (file or live config)
        SelfSimilaritySaliency.Neighbours mode =
                SelfSimilaritySaliency.Neighbours.valueOf(algorithm.getSaliencyMode().name());
        double distanceScale = algorithm.getSaliencyDistanceScale(); // reference §12 D3: 0.5 as coded, 1.0 paper

        try (RegionGenerator.FrameProposals proposals = start(frame, category)) {
            float[] map = null;
            if (wideResNet != null && category.getInstances() > 1 && wideResNet.multiInstanceSize() > 0) {
                // Reference §9.3: the object pass's SAM masks; with fewer than two, or a mask lost on the feature
                // grid, the single-instance path below runs instead (§9.5).
                List<boolean[]> objects = objectMasks(frame, proposals, decoder);
                long t0 = System.nanoTime();
                map = SaliencyStage.multiInstanceAtImage(wideResNet, frame.frame.image, algorithm.isSamBgrQuirk(),
                        distanceScale, objects);
                if (map != null) {
                    frame.recordStage("saliency", t0);
                }
            }
            if (map == null && frame.saliency != null) {
                map = frame.saliency; // the stream-context saliency (StreamContextFunction), scored against memory
            }
            if (map == null && frame.featureGrid != null) {
                // The features branch ran WideResNet50 and the kNN already (its time is under "saliency").
                map = SaliencyStage.wideResNetGridToImage(frame.featureGrid, frame.frame.image.width,
                        frame.frame.image.height);
            }
            if (map == null) {
                long t0 = System.nanoTime();
                map = wideResNet != null
                        ? SaliencyStage.wideResNetAtImage(wideResNet, frame.frame.image, algorithm.isSamBgrQuirk(),
                                algorithm.getSaliencyNeighbours(), mode, distanceScale, saliency)
                        : SaliencyStage.saliencyAtImage(frame.embedding, algorithm.getSaliencyNeighbours(), mode,
                                distanceScale, saliency);
                frame.recordStage("saliency", t0);
            }
            frame.saliency = map;
            if (settings.inspection.getAnomalyMap().getSource() == AnomalyMapConfig.Source.SALIENCY) {
                frame.saliencyMap = SmallMap.of(map, frame.frame.image.width, frame.frame.image.height);
            }

            run(frame, category, proposals, decoder);
        }
        // The embedding, the pixel-level saliency and the branch outputs stay here; only masks and per-region means
        // travel on.
        frame.embedding = null;
        frame.saliency = null;
        frame.featureGrid = null;
        frame.detected = null;
    }

    /**
     * Starts the region generator on the frame (GroundingDINO: image features and object pass); close it after.
     * When the detector branch already ran ({@link FrameInProgress#detected}), its boxes are used as they are.
     */
    public RegionGenerator.FrameProposals start(FrameInProgress p, CategoryConfig category) {
        if (p.detected != null) {
            return detected(p.detected);
        }
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
        List<SamMask> decoded = decoder.decodeBoxes(p.embedding, corners(proposals.objectBoxes()));
        List<boolean[]> masks = new ArrayList<>(decoded.size());
        for (SamMask m : decoded) {
            masks.add(m.pixels);
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
        // One embedding tensor (and, for a smaller encoder input, one upsampling to the decoder's grid) per frame,
        // not per box.
        List<SamMask> masks = decoder.decodeBoxes(p.embedding, corners(kept));
        for (int i = 0; i < kept.size(); i++) {
            RegionCandidate c = kept.get(i);
            SamMask mask = masks.get(i);
            int area = mask.area();
            double mean = area == 0 ? 0.0 : Rescoring.meanInside(p.saliency, mask.pixels);
            regions.add(new SegmentedRegion(c, area, mean, MaskRle.encode(mask.pixels)));
        }
        p.regions = regions;
        p.recordStage("samDecoder", t1);
    }

    /** The boxes as {@code {x1, y1, x2, y2}}, as the decoder takes them. */
    private static List<double[]> corners(List<RegionCandidate> boxes) {
        List<double[]> out = new ArrayList<>(boxes.size());
        for (RegionCandidate b : boxes) {
            out.add(new double[] {b.x1, b.y1, b.x2, b.y2});
        }
        return out;
    }

        /** Proposals the detector branch computed: nothing to run, nothing to release. */
    static RegionGenerator.FrameProposals detected(DetectedRegions d) {
        return new RegionGenerator.FrameProposals() {
            @Override
            public List<RegionCandidate> objectBoxes() {
                return d.objectBoxes;
            }

            @Override
            public double objectArea() {
                return d.objectArea;
            }

            @Override
            public List<RegionCandidate> candidates() {
                return d.candidates;
            }

            @Override
            public void close() {
            }
        };
    }
}
