package dev.saaflink.operators.flink;

import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.config.LiveCategoryConfig;
import dev.saaflink.operators.decode.DeadLetters;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.FrameDecoder;
import dev.saaflink.operators.decode.FrameRejectedException;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.metrics.DeadLetterMetrics;
import dev.saaflink.operators.metrics.StageMetrics;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.DeadLetter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The decode work both decode operators run ({@link DecodeFrameFunction} with the file config only,
 * {@link LiveConfigDecodeFunction} with live overrides): decode the record once (Avro envelope, size check before
 * pixels, image decode) and resolve the frame's category config, once per frame. Nothing here throws.
 */
final class DecodeStep implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeStep.class);

    private final PipelineSettings settings;
    private transient FrameDecoder decoder;
    private transient Counter framesIn;
    private transient Counter rejected;
    private transient Counter unknownCategories;
    private transient DeadLetterMetrics deadLetterMetrics;

    DecodeStep(PipelineSettings settings) {
        this.settings = settings;
    }

    /** Most bytes of a record value a dead letter keeps ({@link PipelineSettings#deadLetterPayloadMaxBytes}). */
    int deadLetterPayloadMaxBytes() {
        return settings.deadLetterPayloadMaxBytes;
    }

    InspectionConfig fileConfig() {
        return settings.inspection;
    }

    void open(MetricGroup metrics) {
        decoder = new FrameDecoder(settings.decodeLimits);
        framesIn = metrics.counter("framesIn");
        rejected = metrics.counter("framesRejected");
        unknownCategories = StageMetrics.unknownCategories(metrics);
        deadLetterMetrics = new DeadLetterMetrics(metrics, DeadLetterMetrics.decodeReasons());
    }

    /**
     * Decodes one frame record and resolves its category config, {@code live} overrides on top of the file config.
     *
     * @param live the live config of a category name, or null when it has none
     * @return the frame, or null when it did not decode (then {@code deadLetters} got its dead letter)
     */
    FrameInProgress decode(RawRecord raw, Function<String, LiveCategoryConfig> live, Consumer<DeadLetter> deadLetters) {
        framesIn.inc();
        long arrival = System.currentTimeMillis();
        long t0 = System.nanoTime();
        DecodedFrame frame;
        try {
            frame = decoder.decode(raw);
        } catch (FrameRejectedException e) {
            rejected.inc();
            deadLetterMetrics.count(e.getReason());
            LOG.warn("Frame at {}-{}@{} rejected in stage {}: {} ({})", raw.topic, raw.partition, raw.offset,
                    e.getStage(), e.getReason(), e.getMessage());
            deadLetters.accept(DeadLetters.of(raw, e, System.currentTimeMillis(),
                    settings.deadLetterPayloadMaxBytes));
            return null;
        }
        InspectionConfig.Resolved resolved = settings.inspection.resolve(frame.category, live);
        if (!resolved.known()) {
            unknownCategories.inc();
        }
        FrameInProgress p = new FrameInProgress(frame, resolved, arrival);
        p.recordStage("decode", t0);
        return p;
    }
}
