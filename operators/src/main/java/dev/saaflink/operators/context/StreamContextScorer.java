package dev.saaflink.operators.context;

import ai.onnxruntime.OrtException;
import dev.saaflink.models.runtime.ModelCall;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.saliency.MemoryScoring;
import dev.saaflink.models.saliency.OnnxMemoryScorer;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.operators.config.DarkLinesConfig;
import dev.saaflink.operators.config.MemoryAdmissionConfig;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.SparseMap;
import dev.saaflink.operators.saa.SaliencyBackend;
import dev.saaflink.operators.stages.SaliencyStage;

/**
 * The stream-context saliency of one frame: its encoder patches (the feature cells that cover the image) scored
 * against the frames in a {@link StreamMemory}, then the frame itself enters the memory. Per patch and memory frame,
 * the distance is 1 − the cosine to that frame's nearest patch; the patch's score is the mean of the
 * {@link StreamContextConfig#distancesAveraged} smallest of those distances ({@code models.saliency.MemoryScoring}).
 *
 * <p>Not thread-safe: one instance per operator instance (a Flink keyed operator calls it from its task thread).
 */
public final class StreamContextScorer implements AutoCloseable {

    /** Stage name in the frame's timings, dead letters and metrics. */
    public static final String STAGE = "streamContext";

    private final StreamContextConfig config;
    /** Null: plain Java ({@code --saliency-backend java}). */
    private final OnnxMemoryScorer onnx;
    /** Patches the admission gate left out, and frames it kept out of the memory, since this scorer was opened. */
    private long maskedPatches;
    private long framesLeftOut;

    private StreamContextScorer(StreamContextConfig config, OnnxMemoryScorer onnx) {
        this.config = config;
        this.onnx = onnx;
    }

    /** A scorer on the saliency backend's engine: the project-built ONNX graph, or plain Java. */
    public static StreamContextScorer open(StreamContextConfig config, SaliencyBackend backend,
                                           SessionSettings settings) throws OrtException {
        return new StreamContextScorer(config, backend == SaliencyBackend.ONNX ? OnnxMemoryScorer.open(settings) : null);
    }

    /**
     * The result for one frame: the score of each covering cell (row-major, {@code height × width}), and whether the
     * memory was still warming up (the frame was then scored against itself, see {@link #selfScores}).
     */
    public record Scored(float[] grid, int width, int height, int memoryFrames, boolean warmingUp) {
    }

    /**
     * Scores the frame against {@code memory} when it holds at least {@code warmupFrames} frames, else against the
     * frame's own patches ({@link #selfScores}); replaces the border cells' scores; then adds the frame to the memory
     * as far as the admission gate lets it ({@link MemoryAdmission}: patches scoring above the gate's threshold are
     * left out, a frame with too many of them is not remembered, unless the gate's window of frames in a row was
     * kept out already; with the gate off the frame enters whole).
     */
    public Scored scoreAndRemember(SamEmbedding emb, StreamMemory memory) throws OrtException {
        if (emb.data == null || emb.data.length != emb.channels * emb.gridH * emb.gridW) {
            throw new IllegalArgumentException("embedding has " + (emb.data == null ? 0 : emb.data.length)
                    + " values, expected " + emb.channels + "x" + emb.gridH + "x" + emb.gridW);
        }
        int w = emb.validGridW();
        int h = emb.validGridH();
        int positions = w * h;
        float[] query = query(emb, w, h);
        for (float v : query) {
            if (!Float.isFinite(v)) {
                // One NaN remembered would turn that frame's distance to every later patch into NaN.
                throw new IllegalArgumentException("embedding holds a non-finite value (" + v
                        + "); the frame is neither scored nor remembered");
            }
        }
        float[] sampled = sample(query, positions, emb.channels, memory.perFrame);
        boolean warmingUp = memory.count < config.getWarmupFrames();
        float[] grid;
        if (warmingUp) {
            grid = selfScores(query, w, h, emb.channels, sampled, memory.perFrame, config.getPoolCells());
        } else {
            int k = config.distancesAveraged(memory.count);
            float[] mem = memory.filled();
            grid = onnx != null
                    ? onnx.score(query, positions, emb.channels, mem, memory.count, memory.perFrame, k)
                    : MemoryScoring.score(query, positions, emb.channels, mem, memory.count, memory.perFrame, k);
        }
        float[] fixed = withBorderFromInside(grid, w, h, config.getBorderCells());
        int held = memory.count;
        MemoryAdmissionConfig gate = config.getAdmission();
        if (gate.isEnabled()) {
            MemoryAdmission.Decision d = MemoryAdmission.apply(gate, fixed, positions, sampled, emb.channels,
                    memory.perFrame, memory.admissionHistory);
            if (d.remember()) {
                maskedPatches += d.masked();
                memory.admissionHistory = MemoryAdmission.push(memory.admissionHistory, d.frameQuantile(),
                        gate.getWindow());
            } else if (memory.leftOutInARow < gate.getWindow()) {
                memory.leftOutInARow++;
                framesLeftOut++;
                return new Scored(fixed, w, h, held, warmingUp);
            } else {
                // A window of frames in a row unlike the memory is the scene changing (light, product, camera),
                // not a defect run: the frame is remembered whole and the history starts over from it.
                memory.admissionHistory = new float[] {d.frameQuantile()};
            }
            memory.leftOutInARow = 0;
        }
        memory.add(sampled);
        return new Scored(fixed, w, h, held, warmingUp);
    }

    /**
     * The stage's work on one frame in the job and in the benchmark's bare model loop: scores the frame's embedding
     * and adds it to {@code memory} ({@link #scoreAndRemember}), puts the map at image resolution into
     * {@link FrameInProgress#saliency} and records the stage time under {@link #STAGE}.
     *
     * @return the memory to keep for the frame's key: {@code memory}, or a new one when it was null or made for other
     *     dimensions (a config change after a restore)
     */
    public StreamMemory apply(FrameInProgress p, StreamMemory memory) throws OrtException {
        long t0 = System.nanoTime();
        SamEmbedding emb = p.embedding;
        StreamMemory m = memoryFor(emb, memory);
        Scored s = scoreAndRemember(emb, m);
        p.saliency = SaliencyStage.gridToImage(s.grid(), s.width(), s.height(), emb);
        p.darkLines = darkLines(p, m);
        p.recordStage(STAGE, t0);
        return m;
    }

    /**
     * The frame's dark-line channel against the camera's history, whose window then takes the frame's quantile;
     * null when the channel is off.
     */
    private SparseMap darkLines(FrameInProgress p, StreamMemory m) {
        DarkLinesConfig dl = config.getDarkLines();
        if (!dl.isEnabled()) {
            return null;
        }
        DarkLines.Result r = DarkLines.score(p.frame.image, dl, m.darkLineHistory);
        m.darkLineHistory = MemoryAdmission.push(m.darkLineHistory, r.quantile(), dl.getWindow());
        return r.map();
    }

    /**
     * Adds the frame to the memory without scoring it (the state benchmark, {@code saa bench --cameras}, which
     * measures what the memory costs in state and checkpoints, not the scoring): the same pooled, sampled, unit
     * patch vectors {@link #scoreAndRemember} would store. Same memory rules as {@link #apply}.
     */
    public StreamMemory remember(FrameInProgress p, StreamMemory memory) {
        SamEmbedding emb = p.embedding;
        StreamMemory m = memoryFor(emb, memory);
        int w = emb.validGridW();
        int h = emb.validGridH();
        m.add(sample(query(emb, w, h), w * h, emb.channels, m.perFrame));
        darkLines(p, m); // a seed's quantile enters the history too; the channel itself is not used
        return m;
    }

    /** {@code memory}, or a new one when it is null or made for other dimensions (a config change after a restore). */
    private StreamMemory memoryFor(SamEmbedding emb, StreamMemory memory) {
        return memory != null && memory.fits(config.getMemoryFrames(), emb.channels, config.getPatchesPerFrame())
                ? memory : newMemory(emb.channels);
    }

    /** The frame's pooled patch vectors, position-major over the {@code w × h} covering cells. */
    private float[] query(SamEmbedding emb, int w, int h) {
        return pooled(positionMajor(emb, w, h), w, h, emb.channels, config.getPoolCells());
    }

    /** Sampled patches the admission gate left out of the memory so far (a metric). */
    public long maskedPatches() {
        return maskedPatches;
    }

    /** Scored frames the admission gate kept out of the memory so far (a metric). */
    public long framesLeftOut() {
        return framesLeftOut;
    }

    /** An empty memory for frames with this embedding's channel count. */
    public StreamMemory newMemory(int channels) {
        return new StreamMemory(config.getMemoryFrames(), channels, config.getPatchesPerFrame());
    }

    /** The covering cells' vectors, position-major {@code [h·w, C]}, row-major over the cells. */
    static float[] positionMajor(SamEmbedding emb, int w, int h) {
        int c = emb.channels;
        int plane = emb.gridH * emb.gridW;
        float[] out = new float[w * h * c];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * c;
                int src = y * emb.gridW + x;
                for (int k = 0; k < c; k++) {
                    out[o + k] = emb.data[k * plane + src];
                }
            }
        }
        return out;
    }

    /**
     * Each cell's vector replaced by the mean over the {@code size × size} cells centred on it, coordinates clamped
     * to the grid (edge cells repeated); {@code size} 1 returns the input. Position-major {@code [h·w, C]} in and out.
     */
    static float[] pooled(float[] pc, int w, int h, int channels, int size) {
        if (size == 1) {
            return pc;
        }
        int r = size / 2;
        float[] out = new float[pc.length];
        float inv = 1f / (size * size);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * channels;
                for (int dy = -r; dy <= r; dy++) {
                    int yy = Math.min(h - 1, Math.max(0, y + dy));
                    for (int dx = -r; dx <= r; dx++) {
                        int xx = Math.min(w - 1, Math.max(0, x + dx));
                        int src = (yy * w + xx) * channels;
                        for (int k = 0; k < channels; k++) {
                            out[o + k] += pc[src + k];
                        }
                    }
                }
                for (int k = 0; k < channels; k++) {
                    out[o + k] *= inv;
                }
            }
        }
        return out;
    }

    /**
     * The grid with every cell within {@code border} cells of an edge given the score of the nearest cell of the
     * inner part (coordinates clamped to {@code [border, side − 1 − border]}). A grid too small to keep an inner part
     * of at least one cell along an axis is left as it is along that axis.
     */
    static float[] withBorderFromInside(float[] grid, int w, int h, int border) {
        int bx = w > 2 * border ? border : 0;
        int by = h > 2 * border ? border : 0;
        if (bx == 0 && by == 0) {
            return grid;
        }
        float[] out = new float[grid.length];
        for (int y = 0; y < h; y++) {
            int sy = Math.min(h - 1 - by, Math.max(by, y));
            for (int x = 0; x < w; x++) {
                int sx = Math.min(w - 1 - bx, Math.max(bx, x));
                out[y * w + x] = grid[sy * w + sx];
            }
        }
        return out;
    }

    /**
     * A warm-up frame's score, on the scale of the memory scores: the frame is its own (only) memory frame, each cell
     * scored 1 − the cosine to the nearest of the frame's sampled patches ({@code sampledCs}, {@code [C, S]}, the
     * columns {@link #sample} keeps) whose pooling window does not overlap the cell's: patches closer than
     * {@code poolCells} cells in both directions share pixels and would match trivially. A cell with no such patch
     * (a frame only a few cells across) scores 0. Plain Java, P × S × C multiply-adds, once per camera and start.
     */
    static float[] selfScores(float[] queryPc, int w, int h, int channels, float[] sampledCs, int perFrame,
                              int poolCells) {
        int positions = w * h;
        int[] sx = new int[perFrame];
        int[] sy = new int[perFrame];
        for (int i = 0; i < perFrame; i++) {
            int p = (int) ((long) i * positions / perFrame);
            sx[i] = p % w;
            sy[i] = p / w;
        }
        float[] out = new float[positions];
        double[] unit = new double[channels];
        ModelCall call = ModelCall.current(); // checked between cells, so that a time bound can stop it
        for (int p = 0; p < positions; p++) {
            if (call != null) {
                call.throwIfCancelled();
            }
            int x = p % w;
            int y = p / w;
            double ss = 0;
            for (int c = 0; c < channels; c++) {
                double v = queryPc[p * channels + c];
                unit[c] = v;
                ss += v * v;
            }
            double norm = Math.max(Math.sqrt(ss), 1e-30);
            double best = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < perFrame; i++) {
                if (Math.abs(sx[i] - x) < poolCells && Math.abs(sy[i] - y) < poolCells) {
                    continue;
                }
                double dot = 0;
                for (int c = 0; c < channels; c++) {
                    dot += unit[c] * sampledCs[c * perFrame + i];
                }
                best = Math.max(best, dot / norm);
            }
            out[p] = best == Double.NEGATIVE_INFINITY ? 0f : (float) (1 - best);
        }
        return out;
    }

    /**
     * {@code perFrame} of the frame's patches, evenly spaced in row-major order (patch ⌊i·P/S⌋ for i = 0 .. S−1,
     * so a frame with fewer patches than S repeats some, which does not change a nearest-patch distance), each
     * scaled to unit length, channel-major {@code [C, S]}.
     */
    static float[] sample(float[] queryPc, int positions, int channels, int perFrame) {
        float[] cs = new float[channels * perFrame];
        for (int i = 0; i < perFrame; i++) {
            int p = (int) ((long) i * positions / perFrame);
            for (int k = 0; k < channels; k++) {
                cs[k * perFrame + i] = queryPc[p * channels + k];
            }
        }
        return MemoryScoring.normaliseColumns(cs, 1, channels, perFrame);
    }

    @Override
    public void close() throws OrtException {
        if (onnx != null) {
            onnx.close();
        }
    }
}
