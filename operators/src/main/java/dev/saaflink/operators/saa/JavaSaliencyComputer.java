package dev.saaflink.operators.saa;

import dev.saaflink.operators.saa.SelfSimilaritySaliency.Neighbours;

/** {@link SelfSimilaritySaliency} behind the {@link SaliencyComputer} interface: single-threaded, no native code. */
public final class JavaSaliencyComputer implements SaliencyComputer {

    @Override
    public float[] compute(float[] chw, int channels, int h, int w, int neighbours, Neighbours mode,
                           double distanceScale) {
        return SelfSimilaritySaliency.compute(chw, channels, h, w, neighbours, mode, distanceScale);
    }

    @Override
    public SaliencyBackend backend() {
        return SaliencyBackend.JAVA;
    }

    @Override
    public void close() {
    }
}
