package dev.saaflink.operators.flink;

import dev.saaflink.operators.decode.DeadLetters;
import dev.saaflink.operators.metrics.DeadLetterMetrics;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.pipeline.StageFailure;
import dev.saaflink.schemas.DeadLetter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * After the model stages: frames that failed go to the dead-letter side output with the failing stage and reason;
 * the others continue as the small {@link FrameRegions} record that crosses the keyBy. Dead letters are counted
 * by reason in {@code saa -> reason=<reason> -> deadLetters} ({@link DeadLetterMetrics}).
 */
public final class SplitFailuresFunction extends ProcessFunction<FrameInProgress, FrameRegions> {
    private static final long serialVersionUID = 1L;

    private final int deadLetterPayloadMaxBytes;
    private transient DeadLetterMetrics deadLetters;

    /** Dead letters keep at most {@link DeadLetters#DEFAULT_PAYLOAD_MAX_BYTES} of the record value. */
    public SplitFailuresFunction() {
        this(DeadLetters.DEFAULT_PAYLOAD_MAX_BYTES);
    }

    /** @param deadLetterPayloadMaxBytes most bytes of the record value a dead letter keeps */
    public SplitFailuresFunction(int deadLetterPayloadMaxBytes) {
        this.deadLetterPayloadMaxBytes = deadLetterPayloadMaxBytes;
    }

    @Override
    public void open(OpenContext openContext) {
        deadLetters = new DeadLetterMetrics(getRuntimeContext().getMetricGroup(), DeadLetterMetrics.modelStageReasons());
    }

    @Override
    public void processElement(FrameInProgress p, Context ctx, Collector<FrameRegions> out) {
        if (!p.failed()) {
            out.collect(FrameRegions.of(p));
            return;
        }
        StageFailure f = p.failure;
        DeadLetter letter = DeadLetters.of(p.frame.source, f.stage, f.reason, f.errorClass, f.message,
                p.frame.cameraId, p.frame.frameId, System.currentTimeMillis(), deadLetterPayloadMaxBytes);
        deadLetters.count(f.reason);
        ctx.output(DeadLetterOutput.TAG, letter);
    }
}
