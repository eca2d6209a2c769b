package dev.saaflink.operators.saa;

import dev.saaflink.models.runtime.SessionSettings;
import java.util.Locale;

/** Which implementation computes the saliency map; both give the same values within float rounding. */
public enum SaliencyBackend {
    /** {@link JavaSaliencyComputer}: plain Java on the operator's thread. */
    JAVA,
    /** {@link OnnxSaliencyComputer}: the project-built ONNX graph in ONNX Runtime (CPU or GPU per session settings). */
    ONNX;

    /**
     * The default: ONNX, measured faster on CPU at 64x64 positions (see {@code SaliencyBackendBenchmarkTest}) and the
     * only one that can use a GPU.
     */
    public static final SaliencyBackend DEFAULT = ONNX;

    /** A computer of this kind; {@code settings} matter for ONNX only. The caller closes it. */
    public SaliencyComputer open(SessionSettings settings) {
        return this == JAVA ? new JavaSaliencyComputer() : new OnnxSaliencyComputer(settings);
    }

    /** Lower-case spelling for configuration and command lines. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@link #configName()} case-insensitively. */
    public static SaliencyBackend parse(String s) {
        for (SaliencyBackend b : values()) {
            if (b.name().equalsIgnoreCase(s == null ? "" : s.trim())) {
                return b;
            }
        }
        throw new IllegalArgumentException("saliency backend must be 'java' or 'onnx', got '" + s + "'");
    }
}
