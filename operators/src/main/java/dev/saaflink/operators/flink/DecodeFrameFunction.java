package dev.saaflink.operators.flink;

import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.decode.DeadLetters;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.FrameDecoder;
import dev.saaflink.operators.decode.FrameRejectedException;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes each Kafka record exactly once (Avro envelope, size check before pixels, image decode) and resolves its
 * inspection config. Anything undecodable becomes a dead letter with its reason; nothing here throws.
 */
public final class DecodeFrameFunction extends ProcessFunction<RawRecord, FrameInProgress> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeFrameFunction.class);

    private final PipelineSettings settings;
    private transient FrameDecoder decoder;
    private transient Counter framesIn;
    private transient Counter rejected;
    private transient Counter unknownCategories;

    public DecodeFrameFunction(PipelineSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        decoder = new FrameDecoder(settings.decodeLimits);
        framesIn = getRuntimeContext().getMetricGroup().counter("framesIn");
        rejected = getRuntimeContext().getMetricGroup().counter("framesRejected");
        unknownCategories = getRuntimeContext().getMetricGroup().counter("unknownCategories");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<FrameInProgress> out) {
        framesIn.inc();
        long arrival = System.currentTimeMillis();
        long t0 = System.nanoTime();
        DecodedFrame frame;
        try {
            frame = decoder.decode(raw);
        } catch (FrameRejectedException e) {
            rejected.inc();
            LOG.warn("Frame at {}-{}@{} rejected in stage {}: {} ({})", raw.topic, raw.partition, raw.offset,
                    e.getStage(), e.getReason(), e.getMessage());
            ctx.output(DeadLetterOutput.TAG, DeadLetters.of(raw, e, System.currentTimeMillis()));
            return;
        }
        InspectionConfig.Resolved resolved = settings.inspection.resolve(frame.category);
        if (!resolved.known()) {
            unknownCategories.inc();
        }
        FrameInProgress p = new FrameInProgress(frame, resolved.config().getName(), resolved.known(), arrival);
        p.recordStage("decode", t0);
        out.collect(p);
    }
}
