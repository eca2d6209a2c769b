package dev.saaflink.operators.stages;

import dev.saaflink.models.runtime.ExecutionProvider;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.operators.pipeline.PipelineSettings;

/** ONNX Runtime settings of the model stages (threads, execution provider, device), in one place. */
public final class StageSessions {

    private StageSessions() {}

    /** On the settings' {@code deviceId}: local runs, the benchmarks, tests. */
    public static SessionSettings of(PipelineSettings settings) {
        return of(settings, settings.deviceId);
    }

    /** On the given GPU index (a Flink operator's choice, see {@code GpuDevices}); ignored for cpu. */
    public static SessionSettings of(PipelineSettings settings, int deviceId) {
        ExecutionProvider provider = ExecutionProvider.parse(settings.executionProvider);
        return SessionSettings.of(settings.ortIntraOpThreads, provider, provider.isGpu() ? deviceId : 0);
    }
}
