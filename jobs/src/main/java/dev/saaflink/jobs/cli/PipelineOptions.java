package dev.saaflink.jobs.cli;

import dev.saaflink.operators.config.AnomalyMapConfig;
import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.saa.SaliencyBackend;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;

/** Options of the inspection job itself, shared by the commands that run it ({@code @Mixin}). */
public final class PipelineOptions {

    /** The command this is mixed into, for its usage errors. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--config", paramLabel = "FILE|NAME",
            description = "Inspection config: a YAML file (categories, prompts, thresholds), or the name of a bundled "
                    + "per-dataset config with the reference's categories: mvtec, visa, ksdd2, mtd (a file of that name "
                    + "wins). Default: the bundled inspection.yaml.")
    String config;

    /**
     * Null when not given: on a cluster the job then keeps the parallelism the cluster hands it (the Kubernetes
     * operator's {@code job.parallelism}, {@code flink run -p}, {@code parallelism.default}); locally it is 1.
     */
    @Option(names = "--parallelism",
            description = "Flink parallelism. Default: 1 locally; on a cluster the cluster's own (the FlinkDeployment's "
                    + "job.parallelism, flink run -p, parallelism.default).")
    Integer parallelism;

    @Option(names = "--async-capacity", defaultValue = "4",
            description = "In-flight frames per model operator subtask, the backpressure bound (default: ${DEFAULT-VALUE}).")
    int asyncCapacity;

    @Option(names = "--model-timeout-ms", defaultValue = "120000",
            description = "Time limit of one model stage for one frame (default: ${DEFAULT-VALUE}).")
    long modelTimeoutMillis;

    @Option(names = "--join-timeout-ms", defaultValue = "0",
            description = "Only when the job fans out (GroundingDINO or WideResNet50 features configured): how long "
                    + "the join waits for the rest of a frame's parts after the first; past it the frame is a TIMEOUT dead "
                    + "letter of stage join. 0 = twice --model-timeout-ms (default: ${DEFAULT-VALUE}).")
    long joinTimeoutMillis;

    @Option(names = "--stream-context-timeout-ms", defaultValue = "30000",
            description = "Time limit of the stream-context scoring of one frame on the keyed task thread; past it the "
                    + "frame is a TIMEOUT dead letter and the camera's memory is unchanged (default: ${DEFAULT-VALUE}).")
    long streamContextTimeoutMillis;

    @Option(names = "--model-retries", defaultValue = "2",
            description = "Retries of a failing model call before the frame becomes a dead letter (default: ${DEFAULT-VALUE}).")
    int modelRetries;

    @Option(names = "--ort-threads", defaultValue = "0",
            description = "ONNX Runtime intra-op threads per session; 0 = half the cores (default: ${DEFAULT-VALUE}).")
    int ortThreads;

    @Option(names = "--decoder-skip-below", paramLabel = "S", defaultValue = "0",
            description = "No SAM decoder call for frames whose saliency map stays below S everywhere (clearly normal;"
                    + " no regions, map unchanged); 0 = off (default: ${DEFAULT-VALUE}).")
    double decoderSkipBelow;

    @Option(names = "--execution-provider", paramLabel = "cpu|cuda|tensorrt", defaultValue = "cpu",
            description = "Where the ONNX Runtime sessions run (default: ${DEFAULT-VALUE}). cuda and tensorrt (TensorRT "
                    + "with CUDA behind it) need the onnxruntime_gpu artifact in place of the CPU one; see docs/GPU.md.")
    String executionProvider;

    @Option(names = "--device-id", paramLabel = "N", defaultValue = "0",
            description = "GPU index for cuda and tensorrt on a local MiniCluster (default: ${DEFAULT-VALUE}). On a "
                    + "cluster each TaskManager's GPU comes from its external resource 'gpu'; see docs/GPU.md.")
    int deviceId;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "1",
            description = "Most frames per SAM encoder call, gathered across the subtasks of a TaskManager; 1 = no "
                    + "batching (default: ${DEFAULT-VALUE}: on CPU batching gains nothing, and the bundled encoder "
                    + "runs at batch 1 only). On a GPU try 8 with --async-capacity 8.")
    int maxBatch;

    @Option(names = "--max-batch-wait-ms", paramLabel = "MS", defaultValue = "10",
            description = "Longest wait of a batch's first frame for more frames (default: ${DEFAULT-VALUE}).")
    long maxBatchWaitMillis;

    @Option(names = "--saliency-backend", paramLabel = "java|onnx", defaultValue = "onnx",
            description = "Where the kNN self-similarity runs: 'onnx' (a graph the project builds; runs on the "
                    + "configured execution provider; default) or 'java' (plain Java).")
    String saliencyBackend;

    @Option(names = "--saa-reference",
            description = "Inspect as SAA+ does, whatever the config says: the within-image saliency on every frame "
                    + "(streamContext off) and the anomaly map fused from the top-K region masks (anomalyMap "
                    + "regions). The measured default differs in both; see docs/EXPERIMENTS.md.")
    boolean saaReference;

    @Option(names = "--dead-letter-payload-max-bytes", paramLabel = "BYTES", defaultValue = "262144",
            description = "Most bytes of a rejected record's value its dead letter keeps; the original size, its "
                    + "SHA-256 and the record's topic, partition and offset are always kept (default: "
                    + "${DEFAULT-VALUE}). Keeps dead letters within the dead-letter topic's max.message.bytes, which "
                    + "the job checks at start; 0 keeps none.")
    int deadLetterPayloadMaxBytes;

    /** The parallelism for a local run: the option's value, 1 when not given. */
    public int parallelism() {
        return parallelism == null ? 1 : parallelism;
    }

    /** The option's value, null when not given: on a cluster the job then keeps the cluster's parallelism. */
    public Integer parallelismOrNull() {
        return parallelism;
    }

    /**
     * The settings; a usage error naming the option for a value out of range, checked before the (slower) config and
     * model manifests are read. The inspection config is validated by its loader (errors name the YAML path).
     */
    public PipelineSettings settings() throws IOException {
        validate();
        InspectionConfig inspection = config == null ? InspectionConfigLoader.loadDefault() : InspectionConfigLoader.loadNamedOrFile(config);
        if (saaReference) {
            inspection = inspection.withStreamContext(StreamContextConfig.off()).withAnomalyMap(AnomalyMapConfig.regions());
        }
        PipelineSettings s = new PipelineSettings(inspection);
        s.asyncCapacity = asyncCapacity;
        s.modelTimeoutMillis = modelTimeoutMillis;
        s.streamContextTimeoutMillis = streamContextTimeoutMillis;
        s.joinTimeoutMillis = joinTimeoutMillis;
        s.modelRetries = modelRetries;
        s.ortIntraOpThreads = ortThreads;
        s.decoderSkipBelow = decoderSkipBelow;
        s.saliencyBackend = SaliencyBackend.parse(saliencyBackend);
        s.executionProvider = executionProvider;
        s.deviceId = deviceId;
        s.maxBatchSize = maxBatch;
        s.maxBatchWaitMillis = maxBatchWaitMillis;
        s.deadLetterPayloadMaxBytes = deadLetterPayloadMaxBytes;
        return s.validate();
    }

    /** Range checks of the options, each a usage error that names the option. */
    void validate() {
        require(parallelism == null || parallelism >= 1, "--parallelism must be 1 or more, got " + parallelism);
        require(decoderSkipBelow >= 0, "--decoder-skip-below must be 0 or more, got " + decoderSkipBelow);
        require(asyncCapacity >= 1, "--async-capacity must be 1 or more, got " + asyncCapacity);
        require(modelTimeoutMillis >= 1, "--model-timeout-ms must be 1 or more, got " + modelTimeoutMillis);
        require(streamContextTimeoutMillis >= 1, "--stream-context-timeout-ms must be 1 or more, got "
                + streamContextTimeoutMillis);
        require(joinTimeoutMillis >= 0, "--join-timeout-ms must be 0 (twice --model-timeout-ms) or more, got "
                + joinTimeoutMillis);
        require(modelRetries >= 0, "--model-retries must be 0 or more, got " + modelRetries);
        require(ortThreads >= 0, "--ort-threads must be 0 (half the cores) or more, got " + ortThreads);
        require(deviceId >= 0, "--device-id must be 0 or more, got " + deviceId);
        require(maxBatch >= 1 && maxBatch <= 256, "--max-batch must be in [1, 256], got " + maxBatch);
        require(maxBatchWaitMillis >= 0, "--max-batch-wait-ms must be 0 or more, got " + maxBatchWaitMillis);
        require(config == null || !config.isBlank(), "--config must not be empty");
        require(deadLetterPayloadMaxBytes >= 0 && deadLetterPayloadMaxBytes <= PipelineSettings.MAX_DEAD_LETTER_PAYLOAD_BYTES,
                "--dead-letter-payload-max-bytes must be in [0, " + PipelineSettings.MAX_DEAD_LETTER_PAYLOAD_BYTES
                        + "], got " + deadLetterPayloadMaxBytes);
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(mixee.commandLine(), message);
        }
    }
}
