package dev.saaflink.operators.flink;

import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.stages.FeaturesStage;

/**
 * The fan-out's features branch (only with {@code saliencyFeatures: wideresnet50} and the stream context off):
 * WideResNet50 and the kNN saliency on the decoded frame, concurrently with the SAM encoder, as its own async operator
 * with the model stages' retries, timeout and failure handling. The work is {@link FeaturesStage}'s; its grid goes to
 * the join ({@link FrameJoinFunction}).
 */
public final class FeaturesFunction extends ModelStageFunction {
    private static final long serialVersionUID = 1L;

    private transient FeaturesStage features;

    public FeaturesFunction(PipelineSettings settings) {
        super(FeaturesStage.STAGE, settings);
    }

    @Override
    protected void openModels() throws Exception {
        features = FeaturesStage.open(settings, sessionSettings());
    }

    @Override
    protected void process(FrameInProgress frame) throws Exception {
        features.apply(frame);
    }

    @Override
    protected void closeModels() {
        if (features != null) {
            features.close();
        }
    }
}
