package dev.saaflink.operators.stages;

import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.schemas.RegionSource;

import java.io.Serializable;
import java.util.List;

/**
 * Language prompt (P^L) slot: proposes candidate boxes for a frame. The text-prompted GroundingDINO detector and
 * the saliency stand-in both implement it, so the rest of the pipeline (property filter, SAM, rescoring, fusion)
 * does not know which one ran; events carry {@link #source()}.
 */
public interface RegionGenerator extends Serializable {

    /**
     * Starts the generator's work on one frame. GroundingDINO encodes the image here, once, and runs the object pass
     * (reference §3.2); the stand-in does nothing until the candidates are asked for. Close the result when the
     * frame is done (it may hold the image features).
     */
    FrameProposals start(FrameInProgress frame, CategoryConfig category);

    RegionSource source();

    /** Id for events and logs, e.g. "stand-in:saliency-components". */
    String id();

    /** Loads what the generator needs (its models), once per operator instance before the first frame. */
    default void open() {
    }

    /** Releases what {@link #open()} (or the first frame) loaded; a later call may open it again. */
    default void close() {
    }

    /** One frame's proposals: what the object pass found, then the candidate boxes. */
    interface FrameProposals extends AutoCloseable {

        /**
         * The object pass's boxes in pixels (reference §3.2: object caption, {@code 0 < w*h < 1/N}), whose SAM masks
         * the multi-instance saliency needs (§9.3). Empty when the generator has no object pass (the stand-in) or
         * found no object; the caller then uses the single-instance saliency (§9.5).
         */
        List<RegionCandidate> objectBoxes();

        /**
         * Largest normalised object box area, the reference's area reference for the property filter (1 when the
         * generator has no object pass or found no object).
         */
        double objectArea();

        /** Candidate boxes with generator scores, before the property filter; call once the saliency map is set. */
        List<RegionCandidate> candidates();

        @Override
        void close();
    }
}
