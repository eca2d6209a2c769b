package dev.saaflink.operators.saa;

import ai.onnxruntime.OrtException;
import dev.saaflink.operators.saa.SelfSimilaritySaliency.Neighbours;

/**
 * Computes the kNN self-similarity saliency of a feature map ({@link SelfSimilaritySaliency} defines it). Two
 * implementations give the same values within float rounding: plain Java on the calling thread
 * ({@link JavaSaliencyComputer}), and the project-built ONNX graph in ONNX Runtime ({@link OnnxSaliencyComputer}),
 * which runs on whatever execution provider its session settings name. {@link SaliencyBackend} picks one.
 */
public interface SaliencyComputer extends AutoCloseable {

    /**
     * @param chw features, channel-major ({@code chw[c * h * w + y * w + x]}), not necessarily normalised
     * @param channels C
     * @param h feature map height
     * @param w feature map width
     * @param neighbours distances averaged per position, clamped to the candidates
     * @param mode which distances
     * @return {@code h * w} saliency values, row-major, with the code's distance 0.5 * (1 - cos)
     */
    default float[] compute(float[] chw, int channels, int h, int w, int neighbours, Neighbours mode)
            throws OrtException {
        return compute(chw, channels, h, w, neighbours, mode, SelfSimilaritySaliency.CODE_DISTANCE_SCALE);
    }

    /**
     * The same with an explicit distance scale, {@code d = distanceScale * (1 - cos)}: 0.5 as coded, 1.0 in the
     * paper (reference section 12, D3); finite and positive.
     */
    float[] compute(float[] chw, int channels, int h, int w, int neighbours, Neighbours mode, double distanceScale)
            throws OrtException;

    /** Which implementation this is, for logs and reports. */
    SaliencyBackend backend();

    /** Releases native resources, if any. */
    @Override
    void close();
}
