package dev.saaflink.operators.flink;

import ai.onnxruntime.OrtException;
import dev.saaflink.models.sam.SamDecoder;
import dev.saaflink.models.sam.SamModelFiles;
import dev.saaflink.models.wrn.WideResNetFeatures;
import dev.saaflink.operators.config.AnomalyMapConfig;
import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.config.SaaParameters;
import dev.saaflink.operators.config.SaliencyFeaturesConfig;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.pipeline.SmallMap;
import dev.saaflink.operators.saa.SaliencyComputer;
import dev.saaflink.operators.saa.SelfSimilaritySaliency;
import dev.saaflink.operators.stages.RegionGenerator;
import dev.saaflink.operators.stages.SaliencyStage;
import dev.saaflink.operators.stages.SegmentationStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Per-frame region work that needs the embedding: the saliency map (on the SAM embedding, or on WideResNet50
 * features when {@code saliencyFeatures} names a model, multi-instance for categories with N &gt; 1), candidate boxes
 * from the region generator, the property filter, and one SAM decoder call per kept box. Emits the frame with its
 * segmented regions.
 */
public final class SegmentationFunction extends ModelStageFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SegmentationFunction.class);

    private final SegmentationStage segmentation;
    private transient SamDecoder decoder;
    private transient SaliencyComputer saliency;
    private transient WideResNetFeatures wideResNet;

    public SegmentationFunction(PipelineSettings settings, SegmentationStage segmentation) {
        super("segmentation", settings);
        this.segmentation = segmentation;
    }

    @Override
    protected void openModels() throws Exception {
        SamModelFiles files = settings.inspection.getSam().files();
        decoder = SamDecoder.open(files.decoder(), files.decoderManifest(), SamEncoderFunction.sessionSettings(settings));
        saliency = settings.saliencyBackend.open(SamEncoderFunction.sessionSettings(settings));
        wideResNet = openSaliencyFeatures(settings);
        segmentation.open();
    }

    /**
     * The WideResNet50 features {@code saliencyFeatures} names (hash-checked; the ONNX Runtime session is shared per
     * JVM), or null for the SAM embedding. The job and the benchmark's bare model loop both use this.
     */
    public static WideResNetFeatures openSaliencyFeatures(PipelineSettings settings) throws Exception {
        SaliencyFeaturesConfig c = settings.inspection.getSaliencyFeatures();
        if (!c.isWideResNet50()) {
            return null;
        }
        WideResNetFeatures wrn = WideResNetFeatures.open(c.getModel(), SamEncoderFunction.sessionSettings(settings));
        LOG.info("Saliency on WideResNet50 {}: single-instance input {}x{}, multi-instance {}", wrn.modelId(),
                wrn.singleInstanceSize(), wrn.singleInstanceSize(), wrn.multiInstanceSize() > 0
                        ? wrn.multiInstanceSize() + "x" + wrn.multiInstanceSize()
                        : "off (no " + WideResNetFeatures.MULTI_INSTANCE_SIZE_KEY + " in the manifest)");
        return wrn;
    }

    @Override
    protected void process(FrameInProgress frame) throws Exception {
        segment(frame, settings, segmentation, decoder, saliency, wideResNet);
    }

    /**
     * The stage's work on one frame, also run by the benchmark's bare model loop. Uses the category config the frame
     * carries ({@link FrameInProgress#config}); the algorithm parameters come from the settings.
     *
     * @param wideResNet the saliency features of {@link #openSaliencyFeatures}; null for the SAM embedding
     */
    public static void segment(FrameInProgress frame, PipelineSettings settings, SegmentationStage segmentation,
                               SamDecoder decoder, SaliencyComputer saliency, WideResNetFeatures wideResNet)
            throws OrtException {
        SaaParameters algorithm = settings.inspection.getAlgorithm();
        CategoryConfig category = frame.config; // resolved once, at decode (file or live config)
        SelfSimilaritySaliency.Neighbours mode = SelfSimilaritySaliency.Neighbours.valueOf(algorithm.getSaliencyMode().name());
        double distanceScale = algorithm.getSaliencyDistanceScale(); // reference §12 D3: 0.5 as coded, 1.0 paper

        try (RegionGenerator.FrameProposals proposals = segmentation.start(frame, category)) {
            float[] map = null;
            if (wideResNet != null && category.getInstances() > 1 && wideResNet.multiInstanceSize() > 0) {
                // Reference §9.3: the object pass's SAM masks; with fewer than two, or a mask lost on the feature
                // grid, the single-instance path below runs instead (§9.5).
                List<boolean[]> objects = segmentation.objectMasks(frame, proposals, decoder);
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

            segmentation.run(frame, category, proposals, decoder);
        }
        // The embedding and the pixel-level saliency stay here; only masks and per-region means travel on.
        frame.embedding = null;
        frame.saliency = null;
    }

    @Override
    protected void closeModels() throws Exception {
        segmentation.close();
        if (wideResNet != null) {
            wideResNet.close();
        }
        if (saliency != null) {
            saliency.close();
        }
        if (decoder != null) {
            decoder.close();
        }
    }
}
