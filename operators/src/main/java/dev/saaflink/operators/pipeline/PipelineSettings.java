package dev.saaflink.operators.pipeline;

import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.decode.DecodeLimits;
import dev.saaflink.operators.saa.SaliencyBackend;

import java.io.Serializable;

/**
 * Everything the inspection operators need besides their input: the inspection config, decode limits, and the
 * runtime knobs of the model stages. Built once by the job from the command line; shipped to every subtask.
 */
public final class PipelineSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    public InspectionConfig inspection;
    public DecodeLimits decodeLimits = DecodeLimits.defaults();
    /** In-flight frames per async model operator and subtask: the backpressure bound. */
    public int asyncCapacity = 4;
    /** Per-frame time limit of one model stage, including retries. */
    public long modelTimeoutMillis = 120_000;
    /** Extra attempts after a model call throws, before the frame becomes a dead letter. */
    public int modelRetries = 2;
    /** Worker threads per model operator subtask (concurrent ONNX Runtime calls). */
    public int modelWorkerThreads = 1;
    /** ONNX Runtime intra-op threads per session; 0 = half the cores. */
    public int ortIntraOpThreads = 0;
    /**
     * What computes the kNN saliency: the ONNX graph (default; faster on CPU at 64x64 positions and able to use a
     * GPU through the session settings) or plain Java. Same values within float rounding.
     */
    public SaliencyBackend saliencyBackend = SaliencyBackend.DEFAULT;
    /** Side of the square anomaly map attached to events (0 = none); the reference evaluates at 400. */
    public int anomalyMapSize = 256;
    /** Bit depth of the attached map PNG: 8 for monitoring, 16 for evaluation. */
    public int anomalyMapBits = 8;

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
        require(modelRetries >= 0, "modelRetries must be >= 0, got " + modelRetries);
        require(modelWorkerThreads >= 1, "modelWorkerThreads must be >= 1, got " + modelWorkerThreads);
        require(ortIntraOpThreads >= 0, "ortIntraOpThreads must be >= 0, got " + ortIntraOpThreads);
        require(saliencyBackend != null, "saliencyBackend must be java or onnx, got null");
        require(anomalyMapSize >= 0 && anomalyMapSize <= 4096, "anomalyMapSize must be in [0, 4096], got " + anomalyMapSize);
        require(anomalyMapBits == 8 || anomalyMapBits == 16, "anomalyMapBits must be 8 or 16, got " + anomalyMapBits);
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
