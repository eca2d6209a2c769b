package dev.saaflink.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saaflink.jobs.cli.InspectCommand;
import dev.saaflink.jobs.cli.PipelineOptions;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.metrics.DeadLetterMetrics;
import dev.saaflink.operators.metrics.EventLatencyMetrics;
import dev.saaflink.operators.metrics.ModelStageMetrics;
import dev.saaflink.operators.metrics.StageMetrics;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalResourceOptions;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.runtime.checkpoint.DefaultCheckpointStatsTracker;
import org.apache.flink.runtime.metrics.MetricNames;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The files a user deploys with (deploy/k8s, the Dockerfiles, the Grafana dashboard, the PodMonitor), read as the
 * cluster would read them. No Kubernetes or Docker runs here: what is checked is what made the deployment not start
 * or not run as documented, each against the place it must agree with (the job's options, Flink's option keys,
 * the metric names the job's code registers, the CUDA major the ONNX Runtime GPU jar links).
 */
class DeployFilesTest {

    private static Path root;
    private static Map<String, Object> pvc;
    private static Map<String, Object> deployment;
    private static Map<String, Object> flinkConf;

    @BeforeAll
    static void load() throws IOException {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("deploy/k8s/flinkdeployment.yaml"))) {
                root = p;
                break;
            }
        }
        assertThat(root).as("repository root above %s", Path.of("").toAbsolutePath()).isNotNull();
        for (Object doc : new Yaml().loadAll(read("deploy/k8s/flinkdeployment.yaml"))) {
            Map<String, Object> m = map(doc);
            switch ((String) m.get("kind")) {
                case "PersistentVolumeClaim" -> pvc = m;
                case "FlinkDeployment" -> deployment = m;
                default -> throw new AssertionError("unexpected kind " + m.get("kind"));
            }
        }
        assertThat(pvc).isNotNull();
        assertThat(deployment).isNotNull();
        flinkConf = map(at(deployment, "spec", "flinkConfiguration"));
    }

    // ---- the model volume ----

    @Test
    void theModelClaimNamesAStorageClassThatCanServeEveryPod() {
        Map<String, Object> spec = map(pvc.get("spec"));
        assertThat((String) spec.get("storageClassName")).as("without it the default class (block storage) "
                + "cannot give ReadWriteMany and every pod stays Pending").isNotBlank();
        assertThat(list(spec.get("accessModes"))).containsExactly("ReadWriteMany");
    }

    @Test
    void theJobManagerAndTheTaskManagersMountTheModels() {
        String claim = (String) map(pvc.get("metadata")).get("name");
        for (Map<String, Object> pod : List.of(jobManagerPod(), taskManagerPod())) {
            Map<String, Object> spec = map(pod.get("spec"));
            String volume = list(spec.get("volumes")).stream().map(DeployFilesTest::map)
                    .filter(v -> v.get("persistentVolumeClaim") != null
                            && claim.equals(map(v.get("persistentVolumeClaim")).get("claimName")))
                    .map(v -> (String) v.get("name")).findFirst().orElseThrow();
            Map<String, Object> container = mainContainer(pod);
            String cache = env(container).get("SAA_MODEL_CACHE");
            assertThat(list(container.get("volumeMounts")).stream().map(DeployFilesTest::map))
                    .anyMatch(m -> volume.equals(m.get("name")) && cache.equals(m.get("mountPath")));
        }
    }

    // ---- slots, parallelism, GPU nodes ----

    /**
     * Issue 14: the stream memory is one map entry per frame, so a frame writes one slot; only RocksDB with
     * incremental checkpoints turns that into checkpoints that grow with the frames of the interval.
     */
    @Test
    void keyedStateIsInRocksDbWithIncrementalCheckpoints() {
        assertThat(flinkConf.get("state.backend.type")).isEqualTo("rocksdb");
        assertThat(String.valueOf(flinkConf.get("execution.checkpointing.incremental"))).isEqualTo("true");
    }

    @Test
    void oneSlotPerGpu() {
        assertThat(flinkConf.get("external-resources")).isEqualTo("gpu");
        assertThat(flinkConf.get("taskmanager.numberOfTaskSlots"))
                .isEqualTo(flinkConf.get("external-resource.gpu.amount")).isEqualTo("1");
    }

    @Test
    void theJobRunsAtTheDeploymentsParallelism() {
        List<String> args = list(at(deployment, "spec", "job", "args")).stream().map(String::valueOf).toList();
        assertThat(args).doesNotContain("--parallelism");
        InspectCommand job = InspectionJobMain.parse(args.toArray(String[]::new)).getCommand();
        assertThat(pipelineOf(job).parallelismOrNull()).as("the job must not override job.parallelism").isNull();
        assertThat((Integer) at(deployment, "spec", "job", "parallelism")).isPositive();
    }

    @Test
    void onlyTheTaskManagersGoToTheTaintedGpuNodes() {
        Map<String, Object> tm = map(taskManagerPod().get("spec"));
        assertThat(list(tm.get("tolerations")).stream().map(DeployFilesTest::map))
                .anyMatch(t -> "nvidia.com/gpu".equals(t.get("key")) && "NoSchedule".equals(t.get("effect")));
        assertThat(map(tm.get("nodeSelector"))).isNotEmpty();
        Map<String, Object> jm = map(jobManagerPod().get("spec"));
        assertThat(jm).doesNotContainKeys("tolerations", "nodeSelector");
    }

    @Test
    void podTemplateFilesForNativeModeMatchTheInlineOnes() throws IOException {
        Map<String, Object> jmFile = map(new Yaml().load(read("deploy/k8s/pod-template.yaml")));
        Map<String, Object> tmFile = map(new Yaml().load(read("deploy/k8s/pod-template-taskmanager.yaml")));
        assertThat(jmFile.get("spec")).isEqualTo(jobManagerPod().get("spec"));
        assertThat(tmFile.get("spec")).isEqualTo(taskManagerPod().get("spec"));
        assertThat(at(tmFile, "metadata", "annotations")).isEqualTo(at(taskManagerPod(), "metadata", "annotations"));
    }

    // ---- memory ----

    @Test
    void theTaskManagerPodLeavesRoomAboveFlinksProcessSizeForOnnxRuntime() {
        long processMiB = mebibytes((String) at(deployment, "spec", "taskManager", "resource", "memory"));
        double limitFactor = Double.parseDouble((String) flinkConf.get("kubernetes.taskmanager.memory.limit-factor"));
        long headroomMiB = Math.round(processMiB * (limitFactor - 1));
        // deploy/README.md ("Memory") explains the 4 GiB: the ONNX Runtime allocations Flink does not count.
        assertThat(headroomMiB).isEqualTo(4096);
        assertThat(flinkConf).doesNotContainKey("taskmanager.memory.process.size");
    }

    // ---- ONNX Runtime natives and the images ----

    @Test
    void onnxRuntimeLoadsItsNativesFromTheImageInsteadOfExtractingThem() throws IOException {
        String dir = nativePath((String) flinkConf.get("env.java.opts.taskmanager"));
        assertThat(nativePath((String) flinkConf.get("env.java.opts.jobmanager"))).isEqualTo(dir);
        // env.java.opts.all would replace the JVM flags the image's config.yaml sets
        assertThat(flinkConf).doesNotContainKey("env.java.opts.all");
        for (String dockerfile : List.of("deploy/Dockerfile", "deploy/Dockerfile.gpu")) {
            String text = read(dockerfile);
            assertThat(text).as(dockerfile).containsPattern("unzip -j \\S+ 'ai/onnxruntime/native/linux-x64/\\*' -d "
                    + Pattern.quote(dir) + ";");
            assertThat(text).as(dockerfile).contains("zip -q -d ");
            assertThat(text).as(dockerfile).contains("COPY --from=ort-natives --chown=flink:flink " + dir + " " + dir);
            assertThat(text).as(dockerfile)
                    .contains("echo \"env.java.opts.taskmanager: -Donnxruntime.native.path=" + dir + "\"")
                    .contains("echo \"env.java.opts.jobmanager: -Donnxruntime.native.path=" + dir + "\"")
                    .contains("echo \"env.java.opts.client: -Donnxruntime.native.path=" + dir + "\"");
        }
    }

    @Test
    void theGpuImageHasAUtf8LocaleAndTheCudaMajorTheJarLinks() throws IOException {
        String gpu = read("deploy/Dockerfile.gpu");
        assertThat(gpu).containsPattern("(?m)^(ENV)?\\s+LANG=C\\.UTF-8\\s").containsPattern("(?m)^(ENV)?\\s+LC_ALL=C\\.UTF-8\\s");
        Matcher image = Pattern.compile("ARG CUDA_IMAGE=nvidia/cuda:(\\d+)\\.\\d+\\.\\d+-cudnn-runtime-\\S+").matcher(gpu);
        assertThat(image.find()).isTrue();
        Matcher linked = Pattern.compile("`libcudart\\.so\\.(\\d+)`").matcher(read("docs/GPU.md"));
        assertThat(linked.find()).as("docs/GPU.md lists the provider's NEEDED libcudart").isTrue();
        assertThat(image.group(1)).isEqualTo(linked.group(1));
    }

    // ---- Flink option keys ----

    @Test
    void everyFlinkConfigurationKeyIsAFlinkOption() throws IOException {
        Set<String> keys = new HashSet<>();
        for (Class<?> options : List.of(CoreOptions.class, TaskManagerOptions.class, JobManagerOptions.class,
                CheckpointingOptions.class, StateBackendOptions.class, HighAvailabilityOptions.class,
                MetricOptions.class, ExternalResourceOptions.class)) {
            for (Field f : options.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                    ConfigOption<?> o = (ConfigOption<?>) get(f);
                    keys.add(o.key());
                    for (FallbackKey k : o.fallbackKeys()) {
                        keys.add(k.getKey());
                    }
                }
            }
        }
        Set<String> used = new TreeSet<>(flinkConf.keySet());
        for (String dockerfile : List.of("deploy/Dockerfile", "deploy/Dockerfile.gpu")) {
            Matcher m = Pattern.compile("echo \"([a-z0-9.-]+):").matcher(read(dockerfile));
            while (m.find()) {
                used.add(m.group(1));
            }
        }
        for (String key : used) {
            // Named families (external-resource.<name>.*, metrics.reporter.<name>.*) and flink-kubernetes's options,
            // which are not on this classpath.
            boolean family = key.startsWith("external-resource.gpu.") || key.startsWith("metrics.reporter.prom.")
                    || key.startsWith("kubernetes.");
            assertThat(family || keys.contains(key)).as("Flink 2.2 option key %s", key).isTrue();
        }
    }

    // ---- monitoring ----

    @Test
    void thePodMonitorScrapesThePortTheReporterListensOn() throws IOException {
        Map<String, Object> monitor = map(new Yaml().load(read("deploy/k8s/podmonitor.yaml")));
        assertThat(monitor.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
        assertThat(monitor.get("kind")).isEqualTo("PodMonitor");
        Map<String, Object> labels = map(at(monitor, "spec", "selector", "matchLabels"));
        // Flink labels the pods of a native Kubernetes cluster app=<cluster id>, the FlinkDeployment's name.
        assertThat(labels).containsEntry("app", at(deployment, "metadata", "name"))
                .containsEntry("type", "flink-native-kubernetes");
        int reporterPort = Integer.parseInt((String) flinkConf.get("metrics.reporter.prom.port"));
        for (Object endpoint : list(at(monitor, "spec", "podMetricsEndpoints"))) {
            String portName = (String) map(endpoint).get("port");
            for (Map<String, Object> pod : List.of(jobManagerPod(), taskManagerPod())) {
                assertThat(list(mainContainer(pod).get("ports")).stream().map(DeployFilesTest::map))
                        .anyMatch(p -> portName.equals(p.get("name")) && Integer.valueOf(reporterPort)
                                .equals(p.get("containerPort")));
            }
        }
    }

    @Test
    void theDashboardQueriesOnlyMetricsTheJobAndFlinkRegister() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(read("deploy/grafana/saa-inspection-dashboard.json"));
        Set<String> registered = registeredPrometheusNames();
        // Not the job's: Kubernetes' cAdvisor and kube-state-metrics (pod memory against its limit) and NVIDIA's DCGM
        // exporter (GPU), which a GPU cluster with the GPU operator has.
        Set<String> external = Set.of("container_memory_working_set_bytes", "kube_pod_container_resource_limits",
                "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED");
        List<String> exprs = new ArrayList<>();
        dashboard.findValues("expr").forEach(e -> exprs.add(e.asText()));
        dashboard.findValues("query").forEach(q -> exprs.add(q.isObject() ? q.path("query").asText() : q.asText()));
        assertThat(exprs).hasSizeGreaterThan(20);
        Set<String> usedJobMetrics = new TreeSet<>();
        Pattern flinkMetric = Pattern.compile("\\bflink_[A-Za-z0-9_:]+");
        Pattern otherMetric = Pattern.compile("\\b([A-Za-z_][A-Za-z0-9_:]*)\\{");
        for (String expr : exprs) {
            Matcher m = flinkMetric.matcher(expr);
            while (m.find()) {
                usedJobMetrics.add(m.group());
                assertThat(registered).as("in %s", expr).contains(m.group());
            }
            Matcher o = otherMetric.matcher(expr);
            while (o.find()) {
                if (!o.group(1).startsWith("flink_")) {
                    assertThat(external).as("in %s", expr).contains(o.group(1));
                }
            }
        }
        // Every metric of the job's own saa group is on the dashboard.
        assertThat(usedJobMetrics).containsAll(registered.stream()
                .filter(n -> n.startsWith("flink_taskmanager_job_task_operator_saa_")).toList());
    }

    // ---- docs ----

    @Test
    void noFileOfTheProductPointsAtTheDevelopersNotes() throws IOException {
        String pointer = "shared" + "/docs";
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(Files::isRegularFile)
                    .filter(p -> Stream.of(".git", "target", "node_modules", "research")
                            .noneMatch(d -> root.relativize(p).startsWith(d) || p.toString().contains("/" + d + "/")))
                    .filter(p -> p.getFileName().toString().matches(".*\\.(md|ya?ml|java|json|properties|sh|py|xml)"
                            + "|Dockerfile.*|saa"))
                    .forEach(p -> {
                        try {
                            if (Files.readString(p).contains(pointer)) {
                                offenders.add(root.relativize(p).toString());
                            }
                        } catch (IOException e) {
                            throw new RuntimeException(p.toString(), e);
                        }
                    });
        }
        assertThat(offenders).as("files that send users to notes they do not have").isEmpty();
    }

    // ---- helpers ----

    /**
     * The Prometheus names of the job's metrics and of the Flink metrics the dashboard uses. The job's are built by
     * running its metric classes and {@link StageMetrics}'s group helpers against a recording group that names each
     * metric as Flink's PrometheusReporter does; the plain counters a function registers itself are read from the
     * operators' sources. Flink's names come from its own constants, in the scopes Flink registers them in.
     */
    private static Set<String> registeredPrometheusNames() throws IOException {
        Set<String> names = new TreeSet<>();
        RecordingGroup operator = new RecordingGroup(names, "flink_taskmanager_job_task_operator");
        StageMetrics.MODELS_OF_STAGE.forEach((stage, models) -> new ModelStageMetrics(operator, stage, models));
        new DeadLetterMetrics(operator, RejectReason.values());
        new EventLatencyMetrics(operator);
        StageMetrics.unknownCategories(operator);
        // As SamEncoderFunction.open and StreamContextFunction.open register them (StageMetricsMiniClusterTest reads
        // the encoder's on a running job).
        MetricGroup encoder = StageMetrics.model(operator, StageMetrics.SAM_ENCODER);
        StageMetrics.histogram(encoder, StageMetrics.BATCH_SIZE);
        StageMetrics.histogram(encoder, StageMetrics.BATCH_QUEUE_WAIT_MILLIS);
        StageMetrics.histogram(encoder, StageMetrics.BATCH_CALL_MILLIS);
        encoder.gauge(StageMetrics.BATCH_EFFECTIVE_MAX, () -> 0);
        StageMetrics.histogram(StageMetrics.model(operator, StageMetrics.STREAM_CONTEXT), StageMetrics.INFERENCE_MILLIS);
        StageMetrics.counter(StageMetrics.saa(operator), StageMetrics.WARMUP_FRAMES);
        Pattern plainCounter = Pattern.compile("getMetricGroup\\(\\)\\.counter\\(\"(\\w+)\"\\)|metrics\\.counter\\(\"(\\w+)\"\\)");
        try (Stream<Path> sources = Files.walk(root.resolve("operators/src/main/java/dev/saaflink/operators/flink"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = plainCounter.matcher(Files.readString(source));
                while (m.find()) {
                    operator.counter(m.group(1) != null ? m.group(1) : m.group(2));
                }
            }
        }
        assertThat(names).contains("flink_taskmanager_job_task_operator_framesIn",
                "flink_taskmanager_job_task_operator_events");

        names.add("flink_taskmanager_job_task_operator_" + MetricNames.PENDING_RECORDS); // the Kafka source's
        names.add("flink_taskmanager_job_task_" + MetricNames.TASK_BACK_PRESSURED_TIME);
        names.add("flink_taskmanager_job_task_" + MetricNames.TASK_BUSY_TIME);
        names.add("flink_jobmanager_job_" + MetricNames.NUM_RESTARTS);
        names.add("flink_taskmanager_Status_JVM_Memory_Heap_" + MetricNames.MEMORY_USED);
        for (String field : List.of("NUMBER_OF_FAILED_CHECKPOINTS_METRIC", "LATEST_COMPLETED_CHECKPOINT_DURATION_METRIC",
                "LATEST_COMPLETED_CHECKPOINT_SIZE_METRIC")) {
            names.add("flink_jobmanager_job_" + checkpointMetric(field));
        }
        return names;
    }

    private static String checkpointMetric(String field) {
        try {
            Field f = DefaultCheckpointStatsTracker.class.getDeclaredField(field);
            f.setAccessible(true);
            return (String) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A metric group that records the Prometheus name of every metric registered in it: "flink_" and the logical
     * scope joined with "_" (a key-value group adds its key; the value becomes a label), then the metric's name.
     */
    private static final class RecordingGroup implements MetricGroup {
        private final Set<String> names;
        private final String scope;

        RecordingGroup(Set<String> names, String scope) {
            this.names = names;
            this.scope = scope;
        }

        private <M> M record(String name, M metric) {
            names.add(scope + "_" + name.replaceAll("[^a-zA-Z0-9:_]", "_"));
            return metric;
        }

        @Override
        public Counter counter(String name) {
            return record(name, new SimpleCounter());
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            return record(name, counter);
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            return record(name, gauge);
        }

        @Override
        public <H extends Histogram> H histogram(String name, H histogram) {
            return record(name, histogram);
        }

        @Override
        public <M extends Meter> M meter(String name, M meter) {
            return record(name, meter);
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new RecordingGroup(names, scope + "_" + name);
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new RecordingGroup(names, scope + "_" + key);
        }

        @Override
        public String[] getScopeComponents() {
            return scope.split("_");
        }

        @Override
        public Map<String, String> getAllVariables() {
            return Map.of();
        }

        @Override
        public String getMetricIdentifier(String metricName) {
            return scope + "_" + metricName;
        }

        @Override
        public String getMetricIdentifier(String metricName, CharacterFilter filter) {
            return filter.filterCharacters(getMetricIdentifier(metricName));
        }
    }

    private static PipelineOptions pipelineOf(InspectCommand command) {
        try {
            Field f = InspectCommand.class.getDeclaredField("pipeline");
            f.setAccessible(true);
            return (PipelineOptions) f.get(command);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** spec.podTemplate merged with the component's own template, as the operator merges them. */
    private static Map<String, Object> jobManagerPod() {
        return merge(map(at(deployment, "spec", "podTemplate")), map(at(deployment, "spec", "jobManager", "podTemplate")));
    }

    private static Map<String, Object> taskManagerPod() {
        return merge(map(at(deployment, "spec", "podTemplate")), map(at(deployment, "spec", "taskManager", "podTemplate")));
    }

    /** Maps merge key by key, anything else in {@code over} replaces {@code base}; the inputs are not changed. */
    private static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> over) {
        Map<String, Object> out = new LinkedHashMap<>(base);
        over.forEach((k, v) -> out.merge(k, v, (a, b) -> a instanceof Map && b instanceof Map
                ? merge(map(a), map(b)) : b));
        return out;
    }

    private static Map<String, Object> mainContainer(Map<String, Object> pod) {
        return list(at(pod, "spec", "containers")).stream().map(DeployFilesTest::map)
                .filter(c -> "flink-main-container".equals(c.get("name"))).findFirst().orElseThrow();
    }

    private static Map<String, String> env(Map<String, Object> container) {
        Map<String, String> out = new LinkedHashMap<>();
        list(container.get("env")).stream().map(DeployFilesTest::map)
                .forEach(e -> out.put((String) e.get("name"), String.valueOf(e.get("value"))));
        return out;
    }

    private static String nativePath(String javaOpts) {
        assertThat(javaOpts).isNotNull();
        Matcher m = Pattern.compile("-Donnxruntime\\.native\\.path=(\\S+)").matcher(javaOpts);
        assertThat(m.find()).as(javaOpts).isTrue();
        return m.group(1);
    }

    private static long mebibytes(String memory) {
        Matcher m = Pattern.compile("(\\d+)(m|g)").matcher(memory);
        assertThat(m.matches()).as(memory).isTrue();
        return Long.parseLong(m.group(1)) * (m.group(2).equals("g") ? 1024 : 1);
    }

    private static Object at(Map<String, Object> m, String... path) {
        Object o = m;
        for (String p : path) {
            o = o == null ? null : map(o).get(p);
        }
        return o;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o == null ? Map.of() : (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o == null ? List.of() : (List<Object>) o;
    }

    private static Object get(Field f) {
        try {
            return f.get(null);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    private static String read(String relative) throws IOException {
        return Files.readString(root.resolve(relative));
    }
}
