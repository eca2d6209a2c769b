package dev.saaflink.operators.saa;

import ai.onnxruntime.OrtException;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.saliency.KnnSaliencyGraph;
import dev.saaflink.models.saliency.OnnxKnnSaliency;
import dev.saaflink.operators.saa.SelfSimilaritySaliency.Neighbours;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The saliency as the project-built ONNX graph ({@link KnnSaliencyGraph}) in ONNX Runtime. One session per mode,
 * opened on first use with the given settings (intra-op threads, execution provider: with a GPU provider the P x P
 * similarity and the top-k run on the GPU). Safe for concurrent calls.
 */
public final class OnnxSaliencyComputer implements SaliencyComputer {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxSaliencyComputer.class);

    private final SessionSettings settings;
    private OnnxKnnSaliency farthest; // guarded by this
    private OnnxKnnSaliency nearest; // guarded by this

    public OnnxSaliencyComputer(SessionSettings settings) {
        this.settings = settings;
    }

    @Override
    public float[] compute(float[] chw, int channels, int h, int w, int neighbours, Neighbours mode,
                           double distanceScale) throws OrtException {
        if (h <= 0 || w <= 0) {
            throw new IllegalArgumentException("h and w must be positive: " + h + ", " + w);
        }
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        SelfSimilaritySaliency.requireDistanceScale(distanceScale);
        return session(mode).compute(chw, channels, h * w, neighbours, (float) distanceScale);
    }

    private synchronized OnnxKnnSaliency session(Neighbours mode) throws OrtException {
        if (mode == Neighbours.FARTHEST) {
            if (farthest == null) {
                farthest = open(KnnSaliencyGraph.Mode.FARTHEST);
            }
            return farthest;
        }
        if (nearest == null) {
            nearest = open(KnnSaliencyGraph.Mode.NEAREST);
        }
        return nearest;
    }

    private OnnxKnnSaliency open(KnnSaliencyGraph.Mode mode) throws OrtException {
        OnnxKnnSaliency s = OnnxKnnSaliency.open(mode, settings);
        LOG.info("Opened the ONNX kNN saliency graph ({}) with intra-op threads {}, provider {}", mode,
                settings.resolvedIntraOpThreads(), settings.executionProvider());
        return s;
    }

    @Override
    public SaliencyBackend backend() {
        return SaliencyBackend.ONNX;
    }

    @Override
    public synchronized void close() {
        for (OnnxKnnSaliency s : new OnnxKnnSaliency[] {farthest, nearest}) {
            if (s != null) {
                try {
                    s.close();
                } catch (OrtException e) {
                    LOG.warn("Closing the saliency session failed: {}", e.toString());
                }
            }
        }
        farthest = null;
        nearest = null;
    }
}
