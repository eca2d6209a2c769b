package dev.saaflink.operators.stages;

import dev.saaflink.models.runtime.ExecutionProvider;
import dev.saaflink.operators.config.RegionGeneratorConfig;
import dev.saaflink.operators.pipeline.PipelineSettings;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Picks the region generator the inspection config names ({@code regionGenerator}): GroundingDINO when a model is
 * configured, the saliency stand-in otherwise. One place, so the job, the demo and the benchmarks agree.
 */
public final class RegionGenerators {

    private RegionGenerators() {
    }

    /** The generator of {@code settings.inspection.getRegionGenerator()}. */
    public static RegionGenerator create(PipelineSettings settings) {
        return create(settings, settings.deviceId);
    }

    /** The same on the given GPU index (a Flink operator's, see {@code GpuDevices}); ignored on cpu. */
    public static RegionGenerator create(PipelineSettings settings, int deviceId) {
        RegionGeneratorConfig c = settings.inspection.getRegionGenerator();
        if (c.isGroundingDino()) {
            ExecutionProvider provider = ExecutionProvider.parse(settings.executionProvider);
            return new GroundingDinoRegionGenerator(c.getModel(), settings.inspection.getAlgorithm(),
                    settings.ortIntraOpThreads, provider, provider.isGpu() ? deviceId : 0);
        }
        return new SaliencyStandInGenerator(settings.inspection.getStandIn().toSettings());
    }

    /**
     * The generator's entries for the events' {@code modelIds}: {@code regionGenerator} (its id) plus, for
     * GroundingDINO, {@code groundingDino} (and {@code groundingDinoBackbone} for a split export).
     */
    public static Map<String, String> modelIds(RegionGenerator generator) {
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put("regionGenerator", generator.id());
        if (generator instanceof GroundingDinoRegionGenerator g) {
            ids.putAll(g.modelIds());
        }
        return ids;
    }
}
