package dev.saaflink.operators.stages;

import ai.onnxruntime.OrtException;
import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.models.wrn.WideResNetFeatures;
import dev.saaflink.operators.pipeline.SaliencyGrid;
import dev.saaflink.operators.saa.MultiInstanceSaliency;
import dev.saaflink.operators.saa.Resize;
import dev.saaflink.operators.saa.SaliencyComputer;
import dev.saaflink.operators.saa.SelfSimilaritySaliency;

import java.util.ArrayList;
import java.util.List;

/**
 * Saliency prompt (P^S) at original image resolution, raw distances in [0, 0.5] for non-negative features with the
 * code's distance scale ({@code algorithm.saliencyDistanceScale}, reference D3; [0, 1] with the paper's 1.0):
 * <ul>
 *   <li>on the SAM encoder's embedding (default): kNN self-similarity over the feature cells that cover the image
 *       (padding cells are left out, they would look "far" from everything), mapped back to original pixels;</li>
 *   <li>on WideResNet50 features (reference §9.2): the whole frame resized to the manifest's {@code input.size}
 *       (256) square, kNN self-similarity on the 1792 x 64 x 64 features, the 64 x 64 grid resized bilinearly to
 *       W x H as the reference's {@code cv2.resize} does ({@link Resize#bilinear}: the grid covers the whole,
 *       stretched image, so there is no padding to crop as for SAM);</li>
 *   <li>multi-instance (reference §9.3): WideResNet50 at {@code input.multiInstanceSize} (1024, a 256 x 256 grid),
 *       the object masks nearest-resized to the grid, {@link MultiInstanceSaliency}, bilinear to W x H.</li>
 * </ul>
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
        return saliencyAtImage(emb, neighbours, mode, SelfSimilaritySaliency.CODE_DISTANCE_SCALE, computer);
    }

    /**
     * The same with an explicit distance scale ({@code algorithm.saliencyDistanceScale}: 0.5 as coded, 1.0 paper;
     * reference section 12, D3).
     */
    public static float[] saliencyAtImage(SamEmbedding emb, int neighbours, SelfSimilaritySaliency.Neighbours mode,
                                          double distanceScale, SaliencyComputer computer) throws OrtException {
        int validW = emb.validGridW();
        int validH = emb.validGridH();
        float[] cells = SelfSimilaritySaliency.crop(emb.data, emb.channels, emb.gridH, emb.gridW, validH, validW);
        float[] grid = computer.compute(cells, emb.channels, validH, validW, neighbours, mode, distanceScale);
        return gridToImage(grid, validW, validH, emb);
    }

    /**
     * Single-instance saliency on WideResNet50 features (reference §9.2), kNN by {@code computer}.
     *
     * @param bgrQuirk feed the channels swapped, as the reference code does (Q1)
     */
    public static float[] wideResNetAtImage(WideResNetFeatures wrn, RgbImage image, boolean bgrQuirk, int neighbours,
                                            SelfSimilaritySaliency.Neighbours mode, SaliencyComputer computer)
            throws OrtException {
        return wideResNetAtImage(wrn, image, bgrQuirk, neighbours, mode, SelfSimilaritySaliency.CODE_DISTANCE_SCALE,
                computer);
    }

    /** The same with an explicit distance scale (0.5 as coded, 1.0 paper; reference section 12, D3). */
    public static float[] wideResNetAtImage(WideResNetFeatures wrn, RgbImage image, boolean bgrQuirk, int neighbours,
                                            SelfSimilaritySaliency.Neighbours mode, double distanceScale,
                                            SaliencyComputer computer) throws OrtException {
        SaliencyGrid grid = wideResNetGrid(wrn, image, bgrQuirk, neighbours, mode, distanceScale, computer);
        return wideResNetGridToImage(grid, image.width, image.height);
    }

    /**
     * The model half of {@link #wideResNetAtImage}: the saliency on WideResNet50's feature grid, before the resize to
     * the image (the features branch of the fan-out computes this and sends only the grid).
     */
    public static SaliencyGrid wideResNetGrid(WideResNetFeatures wrn, RgbImage image, boolean bgrQuirk,
                                              int neighbours, SelfSimilaritySaliency.Neighbours mode,
                                              double distanceScale, SaliencyComputer computer) throws OrtException {
        WideResNetFeatures.Features f = wrn.features(image, bgrQuirk);
        float[] grid = computer.compute(f.chw(), f.channels(), f.height(), f.width(), neighbours, mode, distanceScale);
        return new SaliencyGrid(grid, f.width(), f.height());
    }

    /** The other half: a WideResNet50 saliency grid to W x H, as {@link #wideResNetAtImage} resizes it. */
    public static float[] wideResNetGridToImage(SaliencyGrid grid, int width, int height) {
        return squareGridToImage(grid.values, grid.width, grid.height, width, height);
    }

    /**
     * Multi-instance saliency (reference §9.3) from the object masks (image resolution), or null when a fallback of
     * §9.5 applies ({@link #multiInstanceFallback} names it before any model runs; a mask that vanishes on the grid
     * is only known after): the caller then runs {@link #wideResNetAtImage}.
     */
    public static float[] multiInstanceAtImage(WideResNetFeatures wrn, RgbImage image, boolean bgrQuirk,
                                               List<boolean[]> objectMasks) throws OrtException {
        return multiInstanceAtImage(wrn, image, bgrQuirk, SelfSimilaritySaliency.CODE_DISTANCE_SCALE, objectMasks);
    }

    /** The same with an explicit distance scale (0.5 as coded, 1.0 paper; reference section 12, D3). */
    public static float[] multiInstanceAtImage(WideResNetFeatures wrn, RgbImage image, boolean bgrQuirk,
                                               double distanceScale, List<boolean[]> objectMasks)
            throws OrtException {
        if (multiInstanceFallback(wrn, objectMasks) != null) {
            return null;
        }
        WideResNetFeatures.FeatureGrid grid = wrn.featureGrid(image, bgrQuirk, wrn.multiInstanceSize());
        int gw = grid.width();
        int gh = grid.height();
        List<boolean[]> onGrid = new ArrayList<>(objectMasks.size());
        for (boolean[] m : objectMasks) {
            onGrid.add(MultiInstanceSaliency.maskToGrid(m, image.width, image.height, gw, gh));
        }
        if (MultiInstanceSaliency.fallbackReason(onGrid) != null) {
            return null;
        }
        MultiInstanceSaliency.PositionFeatures features = new MultiInstanceSaliency.PositionFeatures() {
            @Override
            public int channels() {
                return grid.channels();
            }

            @Override
            public float[] vectorsAt(int[] positions) {
                return grid.vectorsAt(positions);
            }
        };
        float[] map = MultiInstanceSaliency.compute(features, onGrid, gw, gh, distanceScale);
        return squareGridToImage(map, gw, gh, image.width, image.height);
    }

    /**
     * Why the multi-instance path cannot run before any model runs, or null: the WideResNet50 manifest has no
     * multi-instance input size, or fewer than two object masks (reference §9.5: no object box, or one).
     */
    public static String multiInstanceFallback(WideResNetFeatures wrn, List<boolean[]> objectMasks) {
        if (wrn.multiInstanceSize() <= 0) {
            return "manifest has no " + WideResNetFeatures.MULTI_INSTANCE_SIZE_KEY;
        }
        return objectMasks.size() < 2 ? MultiInstanceSaliency.fallbackReason(objectMasks) : null;
    }

    /**
     * A grid that covers the whole image stretched to a square (WideResNet50's resize) back to W x H: OpenCV
     * bilinear, pixel x at grid coordinate {@code (x + 0.5) * gw / W - 0.5}, borders clamped.
     */
    static float[] squareGridToImage(float[] grid, int gw, int gh, int width, int height) {
        return Resize.bilinear(grid, gw, gh, width, height);
    }

    /**
     * Bilinear sampling of a feature-cell grid at original pixel centres. A cell spans modelSize/gridW model pixels
     * and the image occupies the top-left resizedWidth x resizedHeight of the model frame, so pixel x sits at cell
     * coordinate ((x + 0.5) * resizedWidth / imageWidth) / cellSize - 0.5 (half-pixel centres, borders clamped).
     */
    public static float[] gridToImage(float[] grid, int gw, int gh, SamEmbedding emb) {
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
