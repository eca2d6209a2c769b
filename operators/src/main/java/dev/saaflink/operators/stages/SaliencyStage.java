package dev.saaflink.operators.stages;

import ai.onnxruntime.OrtException;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.operators.saa.SaliencyComputer;
import dev.saaflink.operators.saa.SelfSimilaritySaliency;

/**
 * Saliency prompt (P^S) on the SAM encoder's embedding: kNN self-similarity over the feature cells that cover the
 * image (padding cells are left out, they would look "far" from everything), mapped back to original pixels.
 * The WideResNet50 feature path replaces the embedding here once such a model is configured.
 */
public final class SaliencyStage {

    private SaliencyStage() {}

    /**
     * Saliency at the original image resolution, row-major, raw distances (reference section 9.2 semantics),
     * computed in plain Java on the calling thread.
     */
    public static float[] saliencyAtImage(SamEmbedding emb, int neighbours, SelfSimilaritySaliency.Neighbours mode) {
        int validW = emb.validGridW();
        int validH = emb.validGridH();
        float[] cells = SelfSimilaritySaliency.crop(emb.data, emb.channels, emb.gridH, emb.gridW, validH, validW);
        float[] grid = SelfSimilaritySaliency.compute(cells, emb.channels, validH, validW, neighbours, mode);
        return gridToImage(grid, validW, validH, emb);
    }

    /** The same, with the kNN part done by {@code computer} (e.g. the ONNX graph, possibly on a GPU). */
    public static float[] saliencyAtImage(SamEmbedding emb, int neighbours, SelfSimilaritySaliency.Neighbours mode,
                                          SaliencyComputer computer) throws OrtException {
        int validW = emb.validGridW();
        int validH = emb.validGridH();
        float[] cells = SelfSimilaritySaliency.crop(emb.data, emb.channels, emb.gridH, emb.gridW, validH, validW);
        float[] grid = computer.compute(cells, emb.channels, validH, validW, neighbours, mode);
        return gridToImage(grid, validW, validH, emb);
    }

    /**
     * Bilinear sampling of a feature-cell grid at original pixel centres. A cell spans modelSize/gridW model pixels
     * and the image occupies the top-left resizedWidth x resizedHeight of the model frame, so pixel x sits at cell
     * coordinate ((x + 0.5) * resizedWidth / imageWidth) / cellSize - 0.5 (half-pixel centres, borders clamped).
     */
    static float[] gridToImage(float[] grid, int gw, int gh, SamEmbedding emb) {
        int w = emb.imageWidth;
        int h = emb.imageHeight;
        double cellW = (double) emb.modelSize / emb.gridW;
        double cellH = (double) emb.modelSize / emb.gridH;
        double sx = (double) emb.resizedWidth / w / cellW;
        double sy = (double) emb.resizedHeight / h / cellH;
        int[] x0 = new int[w];
        int[] x1 = new int[w];
        float[] fx = new float[w];
        for (int x = 0; x < w; x++) {
            double c = clamp((x + 0.5) * sx - 0.5, gw - 1);
            x0[x] = (int) Math.floor(c);
            x1[x] = Math.min(x0[x] + 1, gw - 1);
            fx[x] = (float) (c - x0[x]);
        }
        float[] out = new float[w * h];
        for (int y = 0; y < h; y++) {
            double c = clamp((y + 0.5) * sy - 0.5, gh - 1);
            int y0 = (int) Math.floor(c);
            int y1 = Math.min(y0 + 1, gh - 1);
            float fy = (float) (c - y0);
            int r0 = y0 * gw;
            int r1 = y1 * gw;
            int o = y * w;
            for (int x = 0; x < w; x++) {
                float top = grid[r0 + x0[x]] + (grid[r0 + x1[x]] - grid[r0 + x0[x]]) * fx[x];
                float bottom = grid[r1 + x0[x]] + (grid[r1 + x1[x]] - grid[r1 + x0[x]]) * fx[x];
                out[o + x] = top + (bottom - top) * fy;
            }
        }
        return out;
    }

    private static double clamp(double v, int max) {
        return v < 0 ? 0 : Math.min(v, max);
    }
}
