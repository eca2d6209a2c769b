package dev.saaflink.operators.metrics;

import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;

/**
 * End-to-end latency of the events an operator emits, under {@code saa}: {@code captureToEventMillis} (emit time
 * minus the frame's capture time: the camera's clock against the TaskManager's, so clock skew shows here, even as
 * negative values) and {@code arrivalToEventMillis} (emit time minus the time the frame entered the job: the
 * TaskManagers' clocks only, the job's own share of the latency).
 */
public final class EventLatencyMetrics {
    private final Histogram captureToEvent;
    private final Histogram arrivalToEvent;

    public EventLatencyMetrics(MetricGroup operatorGroup) {
        MetricGroup g = StageMetrics.saa(operatorGroup);
        captureToEvent = StageMetrics.histogram(g, StageMetrics.CAPTURE_TO_EVENT_MILLIS);
        arrivalToEvent = StageMetrics.histogram(g, StageMetrics.ARRIVAL_TO_EVENT_MILLIS);
    }

    /**
     * Records one emitted event. A capture or arrival time of 0 or less means "unknown" and is left out rather than
     * recorded as a latency of decades.
     */
    public void record(long captureTimeMillis, long arrivalMillis, long emitMillis) {
        if (captureTimeMillis > 0) {
            captureToEvent.update(emitMillis - captureTimeMillis);
        }
        if (arrivalMillis > 0) {
            arrivalToEvent.update(emitMillis - arrivalMillis);
        }
    }

    public Histogram captureToEvent() {
        return captureToEvent;
    }

    public Histogram arrivalToEvent() {
        return arrivalToEvent;
    }
}
