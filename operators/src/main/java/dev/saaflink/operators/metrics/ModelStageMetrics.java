package dev.saaflink.operators.metrics;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Metrics of one async model stage subtask: under {@code saa -> stage=<stage>} the {@code inFlight} gauge and the
 * {@code timeouts}, {@code retries} and {@code failures} counters; under {@code saa -> model=<model>} one
 * {@code inferenceMillis} histogram per model the stage runs. Safe to use from the stage's worker threads.
 */
public final class ModelStageMetrics {
    private final MetricGroup operatorGroup;
    private final Counter failures;
    private final Counter retries;
    private final Counter timeouts;
    private final InFlightRequests inFlight = new InFlightRequests();
    private final Map<String, Histogram> inference = new ConcurrentHashMap<>();

    /**
     * @param models models whose histograms are registered now; a timing of another model registers its histogram
     *               when first seen
     */
    public ModelStageMetrics(MetricGroup operatorGroup, String stage, Collection<String> models) {
        this.operatorGroup = operatorGroup;
        MetricGroup g = StageMetrics.stage(operatorGroup, stage);
        failures = StageMetrics.counter(g, StageMetrics.FAILURES);
        retries = StageMetrics.counter(g, StageMetrics.RETRIES);
        timeouts = StageMetrics.counter(g, StageMetrics.TIMEOUTS);
        g.gauge(StageMetrics.IN_FLIGHT, inFlight::count);
        for (String model : models) {
            inferenceHistogram(model);
        }
    }

    public Counter failures() {
        return failures;
    }

    public Counter retries() {
        return retries;
    }

    public Counter timeouts() {
        return timeouts;
    }

    public InFlightRequests inFlight() {
        return inFlight;
    }

    /** The {@code inferenceMillis} histogram of one model, registered on first use. */
    public Histogram inferenceHistogram(String model) {
        return inference.computeIfAbsent(model,
                m -> StageMetrics.histogram(StageMetrics.model(operatorGroup, m), StageMetrics.INFERENCE_MILLIS));
    }

    /**
     * Records the model time one stage call added to a frame's timings: the entries of {@code after} that are new
     * or changed against {@code before}, mapped to models by {@link StageMetrics#MODEL_OF_TIMING} and summed per
     * model (rounded to whole ms). Timings of earlier stages, and keys that are not model time, are left out.
     *
     * @return the milliseconds recorded per model (for tests and logs)
     */
    public Map<String, Long> recordInference(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> perModel = new TreeMap<>();
        for (Map.Entry<String, Double> e : after.entrySet()) {
            String model = StageMetrics.MODEL_OF_TIMING.get(e.getKey());
            Double ms = e.getValue();
            if (model == null || ms == null || Objects.equals(before.get(e.getKey()), ms)) {
                continue;
            }
            perModel.merge(model, ms, Double::sum);
        }
        Map<String, Long> recorded = new TreeMap<>();
        perModel.forEach((model, ms) -> {
            long rounded = Math.max(0L, Math.round(ms));
            inferenceHistogram(model).update(rounded);
            recorded.put(model, rounded);
        });
        return recorded;
    }
}
