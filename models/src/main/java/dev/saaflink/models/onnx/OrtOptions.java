package dev.saaflink.models.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.saaflink.models.runtime.SessionSettings;

/** Session options from the project's {@link SessionSettings}, for sessions built from graph bytes held in memory. */
public final class OrtOptions {

    private OrtOptions() {
    }

    /**
     * Options with the settings' threads, optimisation level and execution provider. The caller closes them after
     * the session. Providers other than CPU are added by name here, so a graph built by the project runs wherever
     * the settings say; {@link SessionSettings} decides which names are allowed.
     */
    public static OrtSession.SessionOptions of(SessionSettings s) throws OrtException {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        try {
            opts.setIntraOpNumThreads(s.resolvedIntraOpThreads());
            opts.setInterOpNumThreads(s.interOpThreads());
            opts.setExecutionMode(s.interOpThreads() > 1
                    ? OrtSession.SessionOptions.ExecutionMode.PARALLEL
                    : OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(s.optimizationLevel());
            switch (s.executionProvider()) {
                case SessionSettings.CPU -> {
                }
                case "cuda" -> opts.addCUDA(0);
                default -> throw new IllegalArgumentException("execution provider '" + s.executionProvider()
                        + "' is not supported");
            }
            return opts;
        } catch (OrtException | RuntimeException e) {
            opts.close();
            throw e;
        }
    }
}
