package dev.saaflink.operators.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CategoryMetricsTest {

    private static final double EPS = 1e-9;

    /*
     * Three 2x2 images:
     *   A  map [.9 .1 .1 .1]   mask [T F F F]   anomalous, image score .9
     *   B  map [.2 .2 .85 .2]  mask none        normal,    image score .85
     *   C  map [.3 .8 .1 .1]   mask [F T F F]   anomalous, image score .8
     * Pixels: positives .9 and .8; ten negatives, the largest .85.
     *   AUROC: .9 beats all 10, .8 beats 9 of 10 -> 19/20 = 95 %
     *   AP: .9 -> R .5, P 1 (+.5); .85 -> fp only; .8 -> R 1, P 2/3 (+1/3) -> 83.333 %
     *   F1: .9 -> 2/(1+0+2) = .667; .8 -> 4/(2+1+2) = .8 -> 80 %
     * Images: positives .9, .8; negative .85 -> the same three-threshold pattern:
     *   AUROC 1/2 = 50 %, AP .5 + .5 * 2/3 = 83.333 %, F1 max 4/5 = 80 %.
     */
    @Test
    void pixelAndImageMetrics() {
        CategoryMetrics metrics = new CategoryMetrics();
        metrics.add(new float[] {0.9f, 0.1f, 0.1f, 0.1f}, new boolean[] {true, false, false, false});
        metrics.add(new float[] {0.2f, 0.2f, 0.85f, 0.2f}, new boolean[4]);
        metrics.add(new float[] {0.3f, 0.8f, 0.1f, 0.1f}, new boolean[] {false, true, false, false});
        EvaluationSummary s = metrics.summary();
        assertThat(s.pixelAuroc()).isCloseTo(95.0, within(EPS));
        assertThat(s.pixelAp()).isCloseTo(100.0 * (0.5 + 1.0 / 3), within(EPS));
        assertThat(s.pixelMaxF1()).isCloseTo(80.0, within(EPS));
        assertThat(s.imageAuroc()).isCloseTo(50.0, within(EPS));
        assertThat(s.imageAp()).isCloseTo(100.0 * (0.5 + 1.0 / 3), within(EPS));
        assertThat(s.imageMaxF1()).isCloseTo(80.0, within(EPS));
        assertThat(s.images()).isEqualTo(3);
        assertThat(s.anomalousImages()).isEqualTo(2);
        assertThat(s.pixels()).isEqualTo(12);
        assertThat(s.anomalousPixels()).isEqualTo(2);
    }

    @Test
    void imageLabelsWithoutMasksGiveImageMetricsOnly() {
        // Image scores (map maxima): defects 0.8 and 0.4, normals 0.5 and 0.1. Of the 4 defect/normal pairs, 3 are
        // ordered right (0.8>0.5, 0.8>0.1, 0.4>0.1) and one wrong (0.4<0.5): AUROC 75. Max-F1: threshold 0.8 gives
        // P=1, R=1/2, F1=2/3; 0.5 gives P=1/2, R=1/2; 0.4 gives P=2/3, R=1, F1=0.8 (the best); 0.1 gives P=1/2,
        // R=1, F1=2/3. AP = 1/2*1 + 0 + 1/2*2/3 = 5/6.
        CategoryMetrics metrics = new CategoryMetrics();
        metrics.addImageLabel(new float[] {0.2f, 0.8f}, true);
        metrics.addImageLabel(new float[] {0.5f, 0.0f}, false);
        metrics.addImageLabel(new float[] {0.4f, 0.4f}, true);
        metrics.addImageLabel(new float[] {0.1f, 0.1f}, false);
        EvaluationSummary m = metrics.summary();
        assertThat(m.imageAuroc()).isCloseTo(75.0, within(1e-9));
        assertThat(m.imageMaxF1()).isCloseTo(80.0, within(1e-9));
        assertThat(m.imageAp()).isCloseTo(500.0 / 6, within(1e-9));
        assertThat(metrics.imageThresholdAtMaxF1()).isCloseTo(0.4, within(1e-6));
        assertThat(m.images()).isEqualTo(4);
        assertThat(m.anomalousImages()).isEqualTo(2);
        assertThat(m.pixels()).isZero();
        assertThat(m.pixelMaxF1()).isNaN();
        assertThat(m.pixelAuroc()).isNaN();
        assertThat(m.aupro()).isNaN();
        assertThat(m.regionMaxF1()).isNaN();
    }

    @Test
    void aCategoryTakesMasksOrImageLabelsNotBoth() {
        CategoryMetrics labelled = new CategoryMetrics();
        labelled.addImageLabel(new float[] {0.1f}, false);
        assertThatThrownBy(() -> labelled.add(new float[] {0.2f}, new boolean[] {true}))
                .isInstanceOf(IllegalStateException.class);
        CategoryMetrics masked = new CategoryMetrics();
        masked.add(new float[] {0.2f}, new boolean[] {true});
        assertThatThrownBy(() -> masked.addImageLabel(new float[] {0.1f}, false))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void categoryWithoutDefectsIsUndefined() {
        CategoryMetrics metrics = new CategoryMetrics(2, 2);
        metrics.add(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, new boolean[4]);
        metrics.add(new float[] {0.5f, 0.2f, 0.3f, 0.4f}, new boolean[4]);
        EvaluationSummary s = metrics.summary();
        assertThat(s.pixelAuroc()).isNaN();
        assertThat(s.pixelMaxF1()).isNaN();
        assertThat(s.imageAuroc()).isNaN();
        assertThat(s.imageAp()).isNaN();
        assertThat(s.aupro()).isNaN();
        assertThat(s.regionMaxF1Reference()).isNaN();
        assertThat(s.regionMaxF1()).isNaN();
    }

    @Test
    void prepareResizesMapBilinearAndGroundTruthNearest() {
        // map 2x2 [0 1; 2 3] -> 4x4: the hand-worked OpenCV bilinear values (see ResizeTest)
        // gt 2x2 [T F; F F] -> 4x4 nearest: floor(d/2) -> top-left 2x2 block
        CategoryMetrics.Prepared p = CategoryMetrics.prepare(
                new double[] {0, 1, 2, 3}, 2, 2, new boolean[] {true, false, false, false}, 2, 2, 4);
        assertThat(p.size).isEqualTo(4);
        assertThat(p.map).containsExactly(new float[] {
            0f, 0.25f, 0.75f, 1f, 0.5f, 0.75f, 1.25f, 1.5f, 1.5f, 1.75f, 2.25f, 2.5f, 2f, 2.25f, 2.75f, 3f}, within(1e-6f));
        assertThat(p.mask).containsExactly(
                true, true, false, false,
                true, true, false, false,
                false, false, false, false,
                false, false, false, false);
    }

    @Test
    void prepareHandlesDifferentMapAndMaskSizes() {
        // map 1x1 [5] -> 2x2 all 5; gt 4x2 (w=4, h=2) -> 2x2 nearest picks columns floor(0)=0, floor(2)=2, rows 0, 1
        boolean[] gt = {
            true, false, false, false,
            false, false, true, false,
        };
        CategoryMetrics.Prepared p = CategoryMetrics.prepare(new double[] {5}, 1, 1, gt, 4, 2, 2);
        assertThat(p.map).containsExactly(5f, 5f, 5f, 5f);
        assertThat(p.mask).containsExactly(true, false, false, true);
    }

    @Test
    void binariseThresholdsUnsignedBytes() {
        byte[] gray = {0, 127, (byte) 128, (byte) 255};
        assertThat(CategoryMetrics.binarise(gray, 127)).containsExactly(false, false, true, true);
        assertThat(CategoryMetrics.binarise(gray, 0)).containsExactly(false, true, true, true);
    }

    /*
     * The three images of pixelAndImageMetrics. Pixel thresholds .9 .85 .8 .3 .2 .1 give (tp, fp) = (1,0) (1,1) (2,1)
     * (2,2) (2,5) (2,10) out of 2 positives and 10 negatives; the images' .9 (A) .85 (B) .8 (C) give (1,0) (1,1) (2,1).
     */
    @Test
    void curvesOfPixelsAndImages() {
        CategoryMetrics metrics = new CategoryMetrics();
        metrics.add(new float[] {0.9f, 0.1f, 0.1f, 0.1f}, new boolean[] {true, false, false, false});
        metrics.add(new float[] {0.2f, 0.2f, 0.85f, 0.2f}, new boolean[4]);
        metrics.add(new float[] {0.3f, 0.8f, 0.1f, 0.1f}, new boolean[] {false, true, false, false});
        Curve pixelRoc = metrics.pixelRoc(100);
        assertThat(pixelRoc.x()).containsExactly(new double[] {0, 0, 0.1, 0.1, 0.2, 0.5, 1}, within(EPS));
        assertThat(pixelRoc.y()).containsExactly(new double[] {0, 0.5, 0.5, 1, 1, 1, 1}, within(EPS));
        Curve pixelPr = metrics.pixelPr(100);
        assertThat(pixelPr.x()).containsExactly(new double[] {0, 0.5, 0.5, 1, 1, 1, 1}, within(EPS));
        assertThat(pixelPr.y()).containsExactly(new double[] {1, 1, 0.5, 2.0 / 3, 0.5, 2.0 / 7, 1.0 / 6}, within(EPS));
        Curve imageRoc = metrics.imageRoc(100);
        assertThat(imageRoc.x()).containsExactly(new double[] {0, 0, 1, 1}, within(EPS));
        assertThat(imageRoc.y()).containsExactly(new double[] {0, 0.5, 0.5, 1}, within(EPS));
        Curve imagePr = metrics.imagePr(100);
        assertThat(imagePr.x()).containsExactly(new double[] {0, 0.5, 0.5, 1}, within(EPS));
        assertThat(imagePr.y()).containsExactly(new double[] {1, 1, 0.5, 2.0 / 3}, within(EPS));
    }

    @Test
    void curvesWithoutDefectsAreEmpty() {
        CategoryMetrics metrics = new CategoryMetrics();
        metrics.add(new float[] {0.2f, 0.2f, 0.85f, 0.2f}, new boolean[4]);
        assertThat(metrics.pixelRoc(10).isEmpty()).isTrue();
        assertThat(metrics.imagePr(10).isEmpty()).isTrue();
    }

    @Test
    void imagesScoredByTheTopMeanInsteadOfTheMaximum() {
        // A defect-free 4x4 image with one hot pixel (a glint) and a defective one with a 2x2 warm area.
        float[] glint = new float[16];
        glint[0] = 1.0f;
        float[] warm = new float[16];
        for (int p : new int[] {5, 6, 9, 10}) {
            warm[p] = 0.5f;
        }
        boolean[] none = new boolean[16];
        boolean[] defect = new boolean[16];
        defect[5] = true;

        CategoryMetrics byMax = new CategoryMetrics();
        byMax.add(glint, none);
        byMax.add(warm, defect);
        assertThat(byMax.summary().imageAuroc()).as("the glint outranks the defect").isEqualTo(0.0);

        // top 25 % = 4 pixels: the glint averages 0.25, the defect 0.5
        CategoryMetrics byTopMean = new CategoryMetrics().imageScoreTopFraction(0.25);
        byTopMean.add(glint, none);
        byTopMean.add(warm, defect);
        assertThat(byTopMean.summary().imageAuroc()).isEqualTo(100.0);
        assertThat(byTopMean.summary().pixelAuroc()).as("pixel metrics do not change")
                .isEqualTo(byMax.summary().pixelAuroc());

        assertThatThrownBy(() -> byTopMean.imageScoreTopFraction(0.5)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new CategoryMetrics().imageScoreTopFraction(2))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
