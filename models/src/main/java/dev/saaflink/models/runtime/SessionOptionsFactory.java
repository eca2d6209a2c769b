package dev.saaflink.models.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.util.EnumSet;

/**
 * The one place that turns {@link SessionSettings} into ONNX Runtime session options: threads, execution mode,
 * optimisation level and execution provider. Shared sessions ({@link OrtSessions}) and sessions built from graph
 * bytes in memory both come through here.
 */
public final class SessionOptionsFactory {

    private SessionOptionsFactory() {
    }

    /**
     * Options for these settings; the caller closes them after the session. A GPU provider that this ONNX Runtime
     * build does not offer fails here, before any model is loaded, with {@link ProviderUnavailableException}.
     * TensorRT is registered with CUDA after it, so the nodes TensorRT does not take run on CUDA rather than on
     * the CPU.
     */
    public static OrtSession.SessionOptions create(SessionSettings s) throws OrtException {
        ExecutionProvider provider = s.provider();
        requireAvailable(provider);
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        try {
            opts.setIntraOpNumThreads(s.resolvedIntraOpThreads());
            opts.setInterOpNumThreads(s.interOpThreads());
            opts.setExecutionMode(s.interOpThreads() > 1
                    ? OrtSession.SessionOptions.ExecutionMode.PARALLEL
                    : OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(s.optimizationLevel());
            switch (provider) {
                case CPU -> {
                    // ONNX Runtime's CPU provider is always there and always last.
                }
                case CUDA -> opts.addCUDA(s.deviceId());
                case TENSORRT -> {
                    // Registration order is priority order: TensorRT first, CUDA for what TensorRT leaves.
                    opts.addTensorrt(s.deviceId());
                    opts.addCUDA(s.deviceId());
                }
            }
            return opts;
        } catch (OrtException | RuntimeException e) {
            opts.close();
            throw e;
        }
    }

    /** Fails with a message naming the provider, what this runtime offers and how to get a GPU build. */
    public static void requireAvailable(ExecutionProvider provider) {
        EnumSet<OrtProvider> available = OrtSessions.environment().getAvailableProviders();
        if (!available.contains(provider.ortProvider())) {
            throw new ProviderUnavailableException(provider, available);
        }
        if (provider == ExecutionProvider.TENSORRT && !available.contains(OrtProvider.CUDA)) {
            throw new ProviderUnavailableException(ExecutionProvider.CUDA, available);
        }
    }

    /** A requested execution provider is not in this ONNX Runtime build. */
    public static final class ProviderUnavailableException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        ProviderUnavailableException(ExecutionProvider requested, EnumSet<OrtProvider> available) {
            super("execution provider '" + requested.configName() + "' (ONNX Runtime " + requested.ortProvider()
                    + ") is not available in this ONNX Runtime build; available: " + available + ". GPU providers"
                    + " need the com.microsoft.onnxruntime:onnxruntime_gpu artifact (not the CPU 'onnxruntime' one)"
                    + " in Flink's lib folder on the GPU TaskManagers, with CUDA and cuDNN installed there"
                    + " (see docs/GPU.md); or choose --execution-provider cpu");
        }
    }
}
