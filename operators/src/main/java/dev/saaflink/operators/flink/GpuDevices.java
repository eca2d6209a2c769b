package dev.saaflink.operators.flink;

import dev.saaflink.models.runtime.ExecutionProvider;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.RuntimeContext;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Which GPU a model operator's sessions run on. On a cluster the TaskManager knows its GPUs: Flink's GPU driver
 * (declared as external resource {@value #RESOURCE}, as deploy/k8s/flinkdeployment.yaml does) lists them with
 * property {@value #INDEX_PROPERTY}, so a TaskManager given GPU 3 of a node uses GPU 3 instead of whatever
 * {@code --device-id} the job was submitted with. A CUDA job on a TaskManager without that resource fails at open
 * with a message saying so, instead of every TaskManager piling onto device 0. Local runs (a MiniCluster, which
 * declares no external resources) keep {@code --device-id}.
 */
public final class GpuDevices {
    /** The external resource name the FlinkDeployment declares. */
    public static final String RESOURCE = "gpu";
    /** The property of Flink's GPU driver that holds a GPU's index. */
    public static final String INDEX_PROPERTY = "index";

    private GpuDevices() {}

    /** The device index for this subtask's sessions (0 for cpu). */
    public static int deviceId(PipelineSettings settings, RuntimeContext context) {
        ExecutionProvider provider = ExecutionProvider.parse(settings.executionProvider);
        if (!provider.isGpu()) {
            return 0;
        }
        return select(settings, context.getExternalResourceInfos(RESOURCE),
                context.getTaskInfo().getIndexOfThisSubtask());
    }

    /**
     * The selection rule, apart from Flink so it can be tested without a GPU: cpu → 0; GPUs declared → one of their
     * indexes (spread by subtask index when the TaskManager has several); none declared → {@code deviceId} for a local
     * run, an error on a cluster.
     */
    static int select(PipelineSettings settings, Collection<ExternalResourceInfo> gpus, int subtask) {
        ExecutionProvider provider = ExecutionProvider.parse(settings.executionProvider);
        if (!provider.isGpu()) {
            return 0;
        }
        List<Integer> indexes = new ArrayList<>();
        for (ExternalResourceInfo gpu : gpus == null ? List.<ExternalResourceInfo>of() : gpus) {
            String value = gpu.getProperty(INDEX_PROPERTY).orElseThrow(() -> new IllegalStateException(
                    "external resource '" + RESOURCE + "' has no property '" + INDEX_PROPERTY + "' (properties: "
                            + gpu.getKeys() + "); configure Flink's GPUDriverFactory for it"));
            try {
                indexes.add(Integer.parseInt(value.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalStateException("external resource '" + RESOURCE + "' has " + INDEX_PROPERTY + " '"
                        + value + "', not a GPU index", e);
            }
        }
        if (!indexes.isEmpty()) {
            indexes.sort(null);
            return indexes.get(Math.floorMod(subtask, indexes.size()));
        }
        if (settings.gpuFromExternalResource) {
            throw new IllegalStateException("execution provider " + provider.configName() + " on a TaskManager"
                    + " without the external resource '" + RESOURCE + "': declare it (external-resources: gpu,"
                    + " external-resource.gpu.amount, external-resource.gpu.driver-factory.class:"
                    + " org.apache.flink.externalresource.gpu.GPUDriverFactory; see deploy/k8s/flinkdeployment.yaml"
                    + " and docs/GPU.md) or run with --execution-provider cpu");
        }
        return settings.deviceId;
    }
}
