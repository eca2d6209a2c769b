package dev.saaflink.operators.stages;

import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.wrn.WideResNetFeatures;
import dev.saaflink.operators.config.SaaParameters;
import dev.saaflink.operators.config.SaliencyFeaturesConfig;
import dev.saaflink.operators.context.MemoryRecords;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.saa.SaliencyComputer;
import dev.saaflink.operators.saa.SelfSimilaritySaliency;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WideResNet50 saliency features as a stage object that needs only the image (reference §9.2): the frame resized
 * to the manifest's square, the WideResNet50 forward pass and the kNN self-similarity on its feature grid. The result
 * is the grid ({@link FrameInProgress#featureGrid}); {@link SegmentationStage} resizes it to the image. Owns its
 * sessions; the fan-out's features operator ({@code FeaturesFunction}) and the benchmark's bare model loop run it.
 *
 * <p>Frames whose category may take the multi-instance path (N &gt; 1 and a manifest with a multi-instance size) are
 * left alone: that path needs the object masks, so it stays in the segmentation stage, which also computes the
 * single-instance fallback for them as before. Memory records (seed, reset) are left alone too.
 */
public final class FeaturesStage implements AutoCloseable {
    /** The stage name of the fan-out's features branch. */
    public static final String STAGE = "features";
    private static final Logger LOG = LoggerFactory.getLogger(FeaturesStage.class);

    private final PipelineSettings settings;
    private final WideResNetFeatures wideResNet;
    private final SaliencyComputer saliency;

    private FeaturesStage(PipelineSettings settings, WideResNetFeatures wideResNet, SaliencyComputer saliency) {
        this.settings = settings;
        this.wideResNet = wideResNet;
        this.saliency = saliency;
    }

    /** Whether the settings make this a branch of its own: WideResNet50 features and no stream context. */
    public static boolean isBranch(PipelineSettings settings) {
        // With the stream context on, its map replaces the single-instance saliency of every inspected frame, so
        // computing the single-instance map ahead would be work thrown away.
        return settings.inspection.getSaliencyFeatures().isWideResNet50()
                && !settings.inspection.getStreamContext().isEnabled();
    }

    /** Opens WideResNet50 and the saliency computer on {@code session}; the config must name WideResNet50. */
    public static FeaturesStage open(PipelineSettings settings, SessionSettings session) throws Exception {
        WideResNetFeatures wrn = openWideResNet(settings, session);
        if (wrn == null) {
            throw new IllegalStateException("the features stage needs saliencyFeatures: wideresnet50 in the config");
        }
        try {
            return new FeaturesStage(settings, wrn, settings.saliencyBackend.open(session));
        } catch (RuntimeException | Error e) {
            wrn.close();
            throw e;
        }
    }

    /**
     * The WideResNet50 features {@code saliencyFeatures} names (hash-checked; the ONNX Runtime session is shared per
     * JVM), or null for the SAM embedding.
     */
    public static WideResNetFeatures openWideResNet(PipelineSettings settings, SessionSettings session)
            throws Exception {
        SaliencyFeaturesConfig c = settings.inspection.getSaliencyFeatures();
        if (!c.isWideResNet50()) {
            return null;
        }
        WideResNetFeatures wrn = WideResNetFeatures.open(c.getModel(), session);
        LOG.info("Saliency on WideResNet50 {}: single-instance input {}x{}, multi-instance {}", wrn.modelId(),
                wrn.singleInstanceSize(), wrn.singleInstanceSize(), wrn.multiInstanceSize() > 0
                        ? wrn.multiInstanceSize() + "x" + wrn.multiInstanceSize()
                        : "off (no " + WideResNetFeatures.MULTI_INSTANCE_SIZE_KEY + " in the manifest)");
        return wrn;
    }

    /** Fills {@code frame.featureGrid} and records the "saliency" time, unless the frame is left alone (see above). */
    public void apply(FrameInProgress frame) throws Exception {
        if (MemoryRecords.isMemoryRecord(frame)
                || (frame.config.getInstances() > 1 && wideResNet.multiInstanceSize() > 0)) {
            return;
        }
        SaaParameters algorithm = settings.inspection.getAlgorithm();
        long t0 = System.nanoTime();
        frame.featureGrid = SaliencyStage.wideResNetGrid(wideResNet, frame.frame.image, algorithm.isSamBgrQuirk(),
                algorithm.getSaliencyNeighbours(),
                SelfSimilaritySaliency.Neighbours.valueOf(algorithm.getSaliencyMode().name()),
                algorithm.getSaliencyDistanceScale(), saliency);
        frame.recordStage("saliency", t0);
    }

    @Override
    public void close() {
        saliency.close();
        wideResNet.close();
    }
}
