package dev.saaflink.models.runtime;

import ai.onnxruntime.OrtProvider;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where an ONNX Runtime session runs. The GPU providers need the {@code onnxruntime_gpu} artifact (same
 * {@code ai.onnxruntime} API, CUDA and cuDNN on the machine) in place of the CPU one; see docs/GPU.md.
 */
public enum ExecutionProvider {
    /** ONNX Runtime's default CPU provider. */
    CPU("cpu", OrtProvider.CPU),
    /** NVIDIA CUDA on GPU {@code deviceId}. */
    CUDA("cuda", OrtProvider.CUDA),
    /** NVIDIA TensorRT on GPU {@code deviceId}, with CUDA registered after it for the nodes TensorRT does not take. */
    TENSORRT("tensorrt", OrtProvider.TENSOR_RT);

    private final String configName;
    private final OrtProvider ortProvider;

    ExecutionProvider(String configName, OrtProvider ortProvider) {
        this.configName = configName;
        this.ortProvider = ortProvider;
    }

    /** The name used in configuration and on the command line: cpu, cuda, tensorrt. */
    public String configName() {
        return configName;
    }

    /** ONNX Runtime's own name for the provider, as {@code OrtEnvironment.getAvailableProviders()} lists it. */
    public OrtProvider ortProvider() {
        return ortProvider;
    }

    public boolean isGpu() {
        return this != CPU;
    }

    /** Parses cpu, cuda or tensorrt (case and surrounding blanks ignored; null means cpu). */
    public static ExecutionProvider parse(String name) {
        if (name == null) {
            return CPU;
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (ExecutionProvider p : values()) {
            if (p.configName.equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown execution provider '" + name + "': expected one of "
                + Arrays.stream(values()).map(ExecutionProvider::configName).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return configName;
    }
}
