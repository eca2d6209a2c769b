package dev.saaflink.operators.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.operators.decode.RejectReason;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.testutils.MetricListener;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Names, registration and values of the job's metric helpers, on a real (listening) Flink metric group. */
class StageMetricsTest {

    private final MetricListener listener = new MetricListener();

    private Histogram histogram(String... path) {
        return listener.getHistogram(path).orElseThrow(() -> new AssertionError("no histogram " + String.join(".", path)));
    }

    private Counter counter(String... path) {
        return listener.getCounter(path).orElseThrow(() -> new AssertionError("no counter " + String.join(".", path)));
    }

    private Gauge<Object> gauge(String... path) {
        return listener.<Object>getGauge(path).orElseThrow(() -> new AssertionError("no gauge " + String.join(".", path)));
    }

    @Test
    void aModelStageRegistersItsStageMetricsAndItsModelsHistogramsUpFront() {
        ModelStageMetrics m = new ModelStageMetrics(listener.getMetricGroup(), "segmentation",
                StageMetrics.modelsOfStage("segmentation"));

        assertThat(counter("saa", "stage", "segmentation", "timeouts").getCount()).isZero();
        assertThat(counter("saa", "stage", "segmentation", "retries").getCount()).isZero();
        assertThat(counter("saa", "stage", "segmentation", "failures").getCount()).isZero();
        assertThat(gauge("saa", "stage", "segmentation", "inFlight").getValue()).isEqualTo(0);
        for (String model : List.of("saliency", "regionGenerator", "samDecoder")) {
            assertThat(histogram("saa", "model", model, "inferenceMillis").getCount()).as(model).isZero();
        }
        // Nothing under the old flat names, and no encoder histogram in the segmentation operator.
        assertThat(listener.getCounter("segmentationTimeouts")).isEmpty();
        assertThat(listener.getHistogram("saa", "model", "samEncoder", "inferenceMillis")).isEmpty();

        m.timeouts().inc();
        m.retries().inc(2);
        m.failures().inc();
        assertThat(counter("saa", "stage", "segmentation", "timeouts").getCount()).isEqualTo(1);
        assertThat(counter("saa", "stage", "segmentation", "retries").getCount()).isEqualTo(2);
        assertThat(counter("saa", "stage", "segmentation", "failures").getCount()).isEqualTo(1);

        Object handle = new Object();
        m.inFlight().start(handle);
        assertThat(gauge("saa", "stage", "segmentation", "inFlight").getValue()).isEqualTo(1);
        m.inFlight().finish(handle);
        assertThat(gauge("saa", "stage", "segmentation", "inFlight").getValue()).isEqualTo(0);
    }

    @Test
    void inferenceTimeIsTheStagesOwnTimingsSummedPerModel() {
        ModelStageMetrics m = new ModelStageMetrics(listener.getMetricGroup(), "segmentation",
                StageMetrics.modelsOfStage("segmentation"));
        Map<String, Double> before = new LinkedHashMap<>();
        before.put("decode", 2.0);
        before.put("samEncoder", 40.0);
        Map<String, Double> after = new LinkedHashMap<>(before);
        after.put("objectPass", 3.2);
        after.put("objectMasks", 2.0);
        after.put("saliency", 7.6);
        after.put("proposals", 1.4);
        after.put("samDecoder", 10.4);

        Map<String, Long> recorded = m.recordInference(before, after);

        // regionGenerator = objectPass + proposals, samDecoder = objectMasks + samDecoder; the encoder's timing came
        // from the stage before and decode is not model time.
        assertThat(recorded).containsExactlyInAnyOrderEntriesOf(
                Map.of("regionGenerator", 5L, "samDecoder", 12L, "saliency", 8L));
        assertThat(histogram("saa", "model", "regionGenerator", "inferenceMillis").getStatistics().getValues())
                .containsExactly(5L);
        assertThat(histogram("saa", "model", "samDecoder", "inferenceMillis").getStatistics().getValues())
                .containsExactly(12L);
        assertThat(histogram("saa", "model", "saliency", "inferenceMillis").getStatistics().getValues())
                .containsExactly(8L);
        assertThat(listener.getHistogram("saa", "model", "samEncoder", "inferenceMillis")).isEmpty();

        // A second frame without the object pass's masks: samDecoder is its kept boxes only.
        Map<String, Double> second = new LinkedHashMap<>(before);
        second.put("objectPass", 0.1);
        second.put("saliency", 3.0);
        second.put("proposals", 0.2);
        second.put("samDecoder", 6.0);
        m.recordInference(before, second);
        Histogram decoder = histogram("saa", "model", "samDecoder", "inferenceMillis");
        assertThat(decoder.getCount()).isEqualTo(2);
        assertThat(decoder.getStatistics().getMin()).isEqualTo(6L);
        assertThat(decoder.getStatistics().getMax()).isEqualTo(12L);
        assertThat(histogram("saa", "model", "regionGenerator", "inferenceMillis").getStatistics().getValues())
                .containsExactly(5L, 0L);
    }

    @Test
    void aModelTheStageDidNotDeclareRegistersOnFirstUse() {
        ModelStageMetrics m = new ModelStageMetrics(listener.getMetricGroup(), "samEncoder", List.of());
        assertThat(listener.getHistogram("saa", "model", "samEncoder", "inferenceMillis")).isEmpty();

        m.recordInference(Map.of("decode", 1.0), Map.of("decode", 1.0, "samEncoder", 21.7));
        m.recordInference(Map.of(), Map.of("samEncoder", 30.2));

        assertThat(histogram("saa", "model", "samEncoder", "inferenceMillis").getStatistics().getValues())
                .containsExactly(22L, 30L);
        assertThat(StageMetrics.modelsOfStage("samEncoder")).containsExactly("samEncoder");
        assertThat(StageMetrics.modelsOfStage("someOtherStage")).isEmpty();
    }

    @Test
    void deadLettersAreCountedPerReason() {
        DeadLetterMetrics d = new DeadLetterMetrics(listener.getMetricGroup(), DeadLetterMetrics.modelStageReasons());
        // Registered up front at zero.
        assertThat(counter("saa", "reason", "MODEL_FAILED", "deadLetters").getCount()).isZero();
        assertThat(counter("saa", "reason", "TIMEOUT", "deadLetters").getCount()).isZero();
        assertThat(listener.getCounter("saa", "reason", "CORRUPT_IMAGE", "deadLetters")).isEmpty();

        d.count(RejectReason.TIMEOUT);
        d.count(RejectReason.TIMEOUT);
        d.count(RejectReason.MODEL_FAILED);
        d.count(RejectReason.CORRUPT_IMAGE);
        d.count(null);

        assertThat(counter("saa", "reason", "TIMEOUT", "deadLetters").getCount()).isEqualTo(2);
        assertThat(counter("saa", "reason", "MODEL_FAILED", "deadLetters").getCount()).isEqualTo(1);
        assertThat(counter("saa", "reason", "CORRUPT_IMAGE", "deadLetters").getCount()).isEqualTo(1);
        assertThat(counter("saa", "reason", "UNKNOWN", "deadLetters").getCount()).isEqualTo(1);
        // The same counter each time, not a second registration.
        assertThat(d.counter(RejectReason.TIMEOUT)).isSameAs(counter("saa", "reason", "TIMEOUT", "deadLetters"));
    }

    @Test
    void theDecodersReasonsAreRegisteredUpFront() {
        new DeadLetterMetrics(listener.getMetricGroup(), DeadLetterMetrics.decodeReasons());
        assertThat(DeadLetterMetrics.decodeReasons()).contains(RejectReason.NOT_AVRO, RejectReason.UNSUPPORTED_IMAGE)
                .doesNotContain(RejectReason.MODEL_FAILED, RejectReason.TIMEOUT);
        for (RejectReason r : DeadLetterMetrics.decodeReasons()) {
            assertThat(counter("saa", "reason", r.name(), "deadLetters").getCount()).as(r.name()).isZero();
        }
        assertThat(listener.getCounter("saa", "reason", "TIMEOUT", "deadLetters")).isEmpty();
    }

    @Test
    void eventLatencyIsEmitTimeMinusCaptureAndArrival() {
        EventLatencyMetrics l = new EventLatencyMetrics(listener.getMetricGroup());
        l.record(1_000L, 1_200L, 1_450L);
        l.record(5_000L, 5_010L, 5_100L);
        l.record(0L, 0L, 9_999L); // unknown capture and arrival times: not a latency

        assertThat(histogram("saa", "captureToEventMillis").getStatistics().getValues()).containsExactly(450L, 100L);
        assertThat(histogram("saa", "arrivalToEventMillis").getStatistics().getValues()).containsExactly(250L, 90L);
        assertThat(histogram("saa", "captureToEventMillis")).isSameAs(l.captureToEvent());
    }

    @Test
    void unknownCategoriesSitsUnderTheJobsGroup() {
        Counter c = StageMetrics.unknownCategories(listener.getMetricGroup());
        c.inc();
        assertThat(counter("saa", "unknownCategories").getCount()).isEqualTo(1);
    }
}
