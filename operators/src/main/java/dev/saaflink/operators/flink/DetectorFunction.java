package dev.saaflink.operators.flink;

import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.stages.DetectorStage;

/**
 * The fan-out's detector branch (only with {@code regionGenerator: groundingdino}): GroundingDINO on the decoded frame,
 * concurrently with the SAM encoder, as its own async operator with the model stages' retries, timeout and failure
 * handling. The work is {@link DetectorStage}'s; its boxes go to the join ({@link FrameJoinFunction}).
 */
public final class DetectorFunction extends ModelStageFunction {
    private static final long serialVersionUID = 1L;

    private transient DetectorStage detector;

    public DetectorFunction(PipelineSettings settings) {
        super(DetectorStage.STAGE, settings);
    }

    @Override
    protected void openModels() {
        detector = DetectorStage.open(settings, sessionSettings().deviceId());
    }

    @Override
    protected void process(FrameInProgress frame) {
        detector.apply(frame);
    }

    @Override
    protected void closeModels() {
        if (detector != null) {
            detector.close();
        }
    }
}
