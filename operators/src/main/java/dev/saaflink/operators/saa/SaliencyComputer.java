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
     * @return {@code h * w} saliency values, row-major
     */
    float[] compute(float[] chw, int channels, int h, int w, int neighbours, Neighbours mode) throws OrtException;

    /** Which implementation this is, for logs and reports. */
    SaliencyBackend backend();

    /** Releases native resources, if any. */
    @Override
    void close();
}
