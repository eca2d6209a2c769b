package dev.saaflink.models.runtime;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import java.util.Locale;

/**
 * How an ONNX Runtime session is set up. Two equal settings on the same model share one session per JVM (see
 * {@link OrtSessions}).
 *
 * @param intraOpThreads     threads inside one operator; 0 means automatic: max(1, available processors / 2)
 * @param interOpThreads     threads across independent operators (1: run the graph sequentially)
 * @param optimizationLevel  graph optimisation level
 * @param executionProvider  only "cpu" for now
 */
public record SessionSettings(int intraOpThreads, int interOpThreads, OptLevel optimizationLevel,
                              String executionProvider) {

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
        executionProvider = executionProvider == null ? CPU : executionProvider.trim().toLowerCase(Locale.ROOT);
        if (!executionProvider.equals(CPU)) {
            throw new IllegalArgumentException("execution provider '" + executionProvider + "' is not supported yet:"
                    + " only \"cpu\" is; the GPU providers (CUDA, TensorRT) come with the model-layer work");
        }
    }

    /** Automatic intra-op threads, 1 inter-op thread, all optimisations, CPU. */
    public static SessionSettings defaults() {
        return new SessionSettings(0, 1, OptLevel.ALL_OPT, CPU);
    }

    /** Defaults with a fixed number of intra-op threads (0 = automatic). */
    public static SessionSettings cpu(int intraOpThreads) {
        return new SessionSettings(intraOpThreads, 1, OptLevel.ALL_OPT, CPU);
    }

    public SessionSettings withIntraOpThreads(int n) {
        return new SessionSettings(n, interOpThreads, optimizationLevel, executionProvider);
    }

    /** Intra-op threads after resolving 0 (automatic) against this machine. */
    public int resolvedIntraOpThreads() {
        return intraOpThreads > 0 ? intraOpThreads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** The same settings with automatic values resolved, so that "auto" and its value share a session. */
    SessionSettings resolved() {
        return new SessionSettings(resolvedIntraOpThreads(), interOpThreads, optimizationLevel, executionProvider);
    }
}
