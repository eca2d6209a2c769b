package dev.saaflink.models.runtime;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

/**
 * How an ONNX Runtime session is set up. Two equal settings on the same model share one session per JVM (see
 * {@link OrtSessions}); {@link SessionOptionsFactory} turns them into ONNX Runtime's session options.
 *
 * @param intraOpThreads     threads inside one operator; 0 means automatic: max(1, available processors / 2)
 * @param interOpThreads     threads across independent operators (1: run the graph sequentially)
 * @param optimizationLevel  graph optimisation level
 * @param executionProvider  "cpu", "cuda" or "tensorrt" (see {@link ExecutionProvider}); stored lower-case
 * @param deviceId           GPU index for the GPU providers; must be 0 for cpu
 */
public record SessionSettings(int intraOpThreads, int interOpThreads, OptLevel optimizationLevel,
                              String executionProvider, int deviceId) {

    public static final String CPU = "cpu";

    public SessionSettings {
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be >= 0 (0 = automatic), got " + intraOpThreads);
        }
        if (interOpThreads < 1) {
            throw new IllegalArgumentException("interOpThreads must be >= 1, got " + interOpThreads);
        }
        if (optimizationLevel == null) {
            throw new IllegalArgumentException("optimizationLevel must not be null");
        }
        ExecutionProvider p = ExecutionProvider.parse(executionProvider);
        executionProvider = p.configName();
        if (deviceId < 0) {
            throw new IllegalArgumentException("deviceId must be >= 0, got " + deviceId);
        }
        if (!p.isGpu() && deviceId != 0) {
            throw new IllegalArgumentException("deviceId " + deviceId + " only applies to the GPU providers (cuda,"
                    + " tensorrt), not to cpu");
        }
    }

    /** Settings on device 0 (the only device for cpu). */
    public SessionSettings(int intraOpThreads, int interOpThreads, OptLevel optimizationLevel,
                           String executionProvider) {
        this(intraOpThreads, interOpThreads, optimizationLevel, executionProvider, 0);
    }

    /** Automatic intra-op threads, 1 inter-op thread, all optimisations, CPU. */
    public static SessionSettings defaults() {
        return new SessionSettings(0, 1, OptLevel.ALL_OPT, CPU, 0);
    }

    /** Defaults with a fixed number of intra-op threads (0 = automatic). */
    public static SessionSettings cpu(int intraOpThreads) {
        return new SessionSettings(intraOpThreads, 1, OptLevel.ALL_OPT, CPU, 0);
    }

    /** Defaults on the given provider and device, with a fixed number of intra-op threads (0 = automatic). */
    public static SessionSettings of(int intraOpThreads, ExecutionProvider provider, int deviceId) {
        return new SessionSettings(intraOpThreads, 1, OptLevel.ALL_OPT, provider.configName(), deviceId);
    }

    public SessionSettings withIntraOpThreads(int n) {
        return new SessionSettings(n, interOpThreads, optimizationLevel, executionProvider, deviceId);
    }

    /** The provider as an enum. */
    public ExecutionProvider provider() {
        return ExecutionProvider.parse(executionProvider);
    }

    /** Intra-op threads after resolving 0 (automatic) against this machine. */
    public int resolvedIntraOpThreads() {
        return intraOpThreads > 0 ? intraOpThreads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** The same settings with automatic values resolved, so that "auto" and its value share a session. */
    SessionSettings resolved() {
        return new SessionSettings(resolvedIntraOpThreads(), interOpThreads, optimizationLevel, executionProvider,
                deviceId);
    }

    /** One line for logs: provider (and device), threads, optimisation level. */
    public String describe() {
        return executionProvider + (provider().isGpu() ? ":" + deviceId : "") + ", intra-op threads "
                + resolvedIntraOpThreads() + ", inter-op " + interOpThreads + ", " + optimizationLevel;
    }
}
