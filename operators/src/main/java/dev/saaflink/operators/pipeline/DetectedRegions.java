package dev.saaflink.operators.pipeline;

import dev.saaflink.operators.saa.RegionCandidate;

import java.util.ArrayList;
import java.util.List;

/**
 * What the detector branch of the fan-out found on one frame (reference §3.2): the object pass's boxes and area
 * reference, and the defect prompts' candidate boxes before the property filter. A few boxes: this, not the image
 * features, is what travels from the detector to the join. A Flink POJO.
 */
public final class DetectedRegions {
    public List<RegionCandidate> objectBoxes = new ArrayList<>();
    /** Largest normalised object box area; 1 when no object box survived. */
    public double objectArea = 1.0;
    public List<RegionCandidate> candidates = new ArrayList<>();

    public DetectedRegions() {}

    public DetectedRegions(List<RegionCandidate> objectBoxes, double objectArea, List<RegionCandidate> candidates) {
        this.objectBoxes = new ArrayList<>(objectBoxes);
        this.objectArea = objectArea;
        this.candidates = new ArrayList<>(candidates);
    }
}
