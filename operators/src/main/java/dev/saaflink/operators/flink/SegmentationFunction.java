package dev.saaflink.operators.flink;

import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.stages.SegmentationStage;

/**
 * Per-frame region work that needs the embedding: the saliency map (on the SAM embedding, or on WideResNet50
 * features when {@code saliencyFeatures} names a model, multi-instance for categories with N &gt; 1), candidate boxes
 * from the region generator (or the detector branch's boxes), the property filter, and one SAM decoder call per kept
 * box. Emits the frame with its segmented regions. The work is {@link SegmentationStage}'s, which the benchmark's bare
 * model loop runs too; this function only adapts it to Flink.
 */
public final class SegmentationFunction extends ModelStageFunction {
    private static final long serialVersionUID = 1L;

    private final SegmentationStage segmentation;

    public SegmentationFunction(PipelineSettings settings, SegmentationStage segmentation) {
        super(SegmentationStage.STAGE, settings);
        this.segmentation = segmentation;
    }

    @Override
    protected void openModels() throws Exception {
        segmentation.open(settings, sessionSettings());
    }

    @Override
    protected void process(FrameInProgress frame) throws Exception {
        segmentation.apply(frame);
    }

    @Override
    protected void closeModels() {
        segmentation.close();
    }
}
