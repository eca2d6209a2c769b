package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The GPU index a model operator picks: the TaskManager's external resource {@code gpu} on a cluster (as Flink's GPU
 * driver reports it, property {@code index}), {@code --device-id} on a local run, and a clear failure for a CUDA job
 * on a cluster TaskManager that declares no GPU. No GPU needed: the rule is apart from Flink's runtime context.
 */
class GpuDevicesTest {

    /** What Flink's GPUDriver hands a TaskManager per GPU: its index as a property. */
    private record Gpu(Map<String, String> properties) implements ExternalResourceInfo {
        static Gpu index(String i) {
            return new Gpu(Map.of("index", i));
        }

        @Override
        public Optional<String> getProperty(String key) {
            return Optional.ofNullable(properties.get(key));
        }

        @Override
        public Collection<String> getKeys() {
            return properties.keySet();
        }
    }

    private static PipelineSettings settings(String provider, int deviceId, boolean onCluster) {
        PipelineSettings s = new PipelineSettings(InspectionConfigLoader.loadDefault());
        s.executionProvider = provider;
        s.deviceId = deviceId;
        s.gpuFromExternalResource = onCluster;
        return s.validate();
    }

    @Test
    void onAClusterTheTaskManagersGpuWinsOverDeviceId() {
        assertThat(GpuDevices.select(settings("cuda", 0, true), List.of(Gpu.index("3")), 0)).isEqualTo(3);
        assertThat(GpuDevices.select(settings("tensorrt", 1, true), List.of(Gpu.index(" 2 ")), 5)).isEqualTo(2);
    }

    @Test
    void aTaskManagerWithSeveralGpusSpreadsItsSubtasksOverThem() {
        List<ExternalResourceInfo> gpus = List.of(Gpu.index("6"), Gpu.index("4"));
        assertThat(GpuDevices.select(settings("cuda", 0, true), gpus, 0)).isEqualTo(4);
        assertThat(GpuDevices.select(settings("cuda", 0, true), gpus, 1)).isEqualTo(6);
        assertThat(GpuDevices.select(settings("cuda", 0, true), gpus, 2)).isEqualTo(4);
    }

    @Test
    void aLocalRunWithoutExternalResourcesKeepsDeviceId() {
        assertThat(GpuDevices.select(settings("cuda", 1, false), List.of(), 0)).isEqualTo(1);
        assertThat(GpuDevices.select(settings("cuda", 1, false), null, 0)).isEqualTo(1);
    }

    @Test
    void cudaOnAClusterTaskManagerWithoutAGpuFailsFastSayingWhatToDeclare() {
        assertThatThrownBy(() -> GpuDevices.select(settings("cuda", 0, true), List.of(), 0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("without the external resource 'gpu'")
                .hasMessageContaining("external-resources: gpu")
                .hasMessageContaining("--execution-provider cpu");
    }

    /** Through a real operator: the encoder's open asks the runtime context, which here declares no GPU. */
    @Test
    void aModelOperatorOnACudaClusterWithoutAGpuFailsAtOpen() throws Exception {
        SamEncoderFunction encoder = new SamEncoderFunction(settings("cuda", 0, true));
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h =
                     new OneInputStreamOperatorTestHarness<>(new AsyncWaitOperatorFactory<>(encoder, 1_000, 1,
                             AsyncDataStream.OutputMode.UNORDERED),
                             TypeInformation.of(FrameInProgress.class).createSerializer(new SerializerConfigImpl()))) {
            assertThatThrownBy(h::open).hasMessageContaining("without the external resource 'gpu'");
        }
    }

    @Test
    void cpuNeedsNoGpuAnywhere() {
        assertThat(GpuDevices.select(settings("cpu", 0, true), List.of(), 0)).isZero();
        assertThat(GpuDevices.select(settings("cpu", 0, true), List.of(Gpu.index("3")), 0)).isZero();
    }

    @Test
    void aGpuResourceWithoutAnIndexIsAnError() {
        assertThatThrownBy(() -> GpuDevices.select(settings("cuda", 0, true), List.of(new Gpu(Map.of("uuid", "x"))),
                0)).hasMessageContaining("no property 'index'");
        assertThatThrownBy(() -> GpuDevices.select(settings("cuda", 0, true), List.of(Gpu.index("first")), 0))
                .hasMessageContaining("not a GPU index");
    }
}
