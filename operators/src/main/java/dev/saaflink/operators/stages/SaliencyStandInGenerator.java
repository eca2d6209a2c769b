package dev.saaflink.operators.stages;

import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.operators.saa.SaliencyProposer;
import dev.saaflink.operators.saa.StandInSettings;
import dev.saaflink.schemas.RegionSource;

import java.util.List;

/**
 * The honest stand-in for GroundingDINO where no detector weights can be had: boxes around connected components
 * of the frame's own saliency map at several per-image thresholds. It cannot read the category's text prompts,
 * and it has no object pass, so the area reference is the whole image (the reference's fallback when no object
 * box survives).
 */
public final class SaliencyStandInGenerator implements RegionGenerator {
    private static final long serialVersionUID = 1L;

    private final StandInSettings settings;

    public SaliencyStandInGenerator(StandInSettings settings) {
        this.settings = settings;
    }

    @Override
    public FrameProposals start(FrameInProgress frame, CategoryConfig category) {
        return new FrameProposals() {
            @Override
            public List<RegionCandidate> objectBoxes() {
                return List.of();
            }

            @Override
            public double objectArea() {
                return 1.0;
            }

            @Override
            public List<RegionCandidate> candidates() {
                return SaliencyProposer.propose(frame.saliency, frame.frame.image.width, frame.frame.image.height,
                        settings);
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public RegionSource source() {
        return RegionSource.STAND_IN;
    }

    @Override
    public String id() {
        return "stand-in:saliency-components";
    }
}
