package dev.saaflink.operators.flink;

import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Decodes each Kafka record exactly once (Avro envelope, size check before pixels, image decode) and resolves its
 * inspection config from the config file. Anything undecodable becomes a dead letter with its reason; nothing here
 * throws. With a live config topic the job runs {@link LiveConfigDecodeFunction} instead (same {@link DecodeStep}).
 */
public final class DecodeFrameFunction extends ProcessFunction<RawRecord, FrameInProgress> {
    private static final long serialVersionUID = 1L;

    private final DecodeStep decode;

    public DecodeFrameFunction(PipelineSettings settings) {
        this.decode = new DecodeStep(settings);
    }

    @Override
    public void open(OpenContext openContext) {
        decode.open(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<FrameInProgress> out) {
        FrameInProgress p = decode.decode(raw, category -> null, d -> ctx.output(DeadLetterOutput.TAG, d));
        if (p != null) {
            out.collect(p);
        }
    }
}
