package dev.saaflink.operators.stages;

import dev.saaflink.operators.context.MemoryRecords;
import dev.saaflink.operators.pipeline.DetectedRegions;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;

/**
 * The text-prompted detector (GroundingDINO, reference §3.2) as a stage object that needs only the image and the
 * category's prompts: the image side once, the object pass, then every defect prompt. The result is a handful of
 * boxes ({@link FrameInProgress#detected}); the image features stay here and are released with the frame. Owns its
 * sessions; the fan-out's detector operator ({@code DetectorFunction}) and the benchmark's bare model loop run it.
 * Memory records (seed, reset) are left alone: they are never inspected.
 */
public final class DetectorStage implements AutoCloseable {
    /** The stage name of the fan-out's detector branch, and its timing key. */
    public static final String STAGE = "detector";

    private final RegionGenerator generator;

    private DetectorStage(RegionGenerator generator) {
        this.generator = generator;
    }

    /** Whether the settings make the detector a branch of its own: {@code regionGenerator: groundingdino}. */
    public static boolean isBranch(PipelineSettings settings) {
        return settings.inspection.getRegionGenerator().isGroundingDino();
    }

    /** Opens the configured detector's sessions on the given GPU index (ignored on cpu). */
    public static DetectorStage open(PipelineSettings settings, int deviceId) {
        if (!isBranch(settings)) {
            throw new IllegalStateException("the detector stage needs regionGenerator: groundingdino in the config");
        }
        return open(RegionGenerators.create(settings, deviceId));
    }

    /** Runs {@code generator} (opened here) as the detector; tests give their own. */
    public static DetectorStage open(RegionGenerator generator) {
        generator.open();
        return new DetectorStage(generator);
    }

    /** Fills {@code frame.detected} and records the "detector" time, unless the frame is a memory record. */
    public void apply(FrameInProgress frame) {
        if (MemoryRecords.isMemoryRecord(frame)) {
            return;
        }
        long t0 = System.nanoTime();
        try (RegionGenerator.FrameProposals p = generator.start(frame, frame.config)) {
            // GroundingDINO's candidates need the image features and the prompts, not the saliency map.
            frame.detected = new DetectedRegions(p.objectBoxes(), p.objectArea(), p.candidates());
        }
        frame.recordStage(STAGE, t0);
    }

    @Override
    public void close() {
        generator.close();
    }
}
