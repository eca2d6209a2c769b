package dev.saaflink.operators.metrics;

import dev.saaflink.operators.decode.RejectReason;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code saa -> reason=<RejectReason name> -> deadLetters}: frames an operator sends to the dead-letter output, by
 * reason. The reasons an operator can produce are registered when it opens (so their series read 0 rather than
 * missing); any other reason registers its counter on first use. A null reason counts as {@code UNKNOWN}, the value
 * {@code DeadLetters} writes for it.
 */
public final class DeadLetterMetrics {
    public static final String UNKNOWN_REASON = "UNKNOWN";

    private final MetricGroup operatorGroup;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public DeadLetterMetrics(MetricGroup operatorGroup, RejectReason... registerNow) {
        this.operatorGroup = operatorGroup;
        for (RejectReason r : registerNow) {
            counter(r);
        }
    }

    /** Counts one dead letter of this reason. */
    public void count(RejectReason reason) {
        counter(reason).inc();
    }

    /** The counter of one reason, registered on first use. */
    public Counter counter(RejectReason reason) {
        String name = reason == null ? UNKNOWN_REASON : reason.name();
        return counters.computeIfAbsent(name,
                n -> StageMetrics.counter(StageMetrics.reason(operatorGroup, n), StageMetrics.DEAD_LETTERS));
    }

    /** The reasons the frame decoder rejects a record for: NOT_AVRO through UNSUPPORTED_IMAGE. */
    public static RejectReason[] decodeReasons() {
        return EnumSet.range(RejectReason.NOT_AVRO, RejectReason.UNSUPPORTED_IMAGE).toArray(new RejectReason[0]);
    }

    /** The reasons of frames that failed in a model stage. */
    public static RejectReason[] modelStageReasons() {
        return new RejectReason[] {RejectReason.MODEL_FAILED, RejectReason.TIMEOUT};
    }
}
