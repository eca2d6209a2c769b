package dev.saaflink.operators.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.operators.config.DarkLinesConfig;
import dev.saaflink.operators.pipeline.SparseMap;
import org.junit.jupiter.api.Test;

/** {@link DarkLines} against values worked out by hand. */
class DarkLinesTest {

    /** A grey image of {@code base} with column {@code col} set to {@code line} (all three channels). */
    private static RgbImage withColumn(int w, int h, int base, int col, int line) {
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = x == col ? line : base;
                for (int c = 0; c < 3; c++) {
                    rgb[(y * w + x) * 3 + c] = (byte) v;
                }
            }
        }
        return new RgbImage(w, h, rgb);
    }

    @Test
    void lumaIsTheIntegerRec601Sum() {
        RgbImage px = new RgbImage(2, 1, new byte[] {(byte) 200, 100, 50, 10, 20, 30});
        // (200·299 + 100·587 + 50·114) / 1000 = 124.2 -> 124; (10·299 + 20·587 + 30·114) / 1000 = 18.15 -> 18
        assertThat(DarkLines.luma(px)).containsExactly(124, 18);
    }

    @Test
    void theLumaGoesThroughTheSrgbEncodingCurve() {
        // 255 · (1.055 · (v / 255)^(1 / 2.4) − 0.055): 100 -> 168.1, 40 -> 110.3, 34 -> 102.2, 32 -> 99.3; below
        // 0.0031308 · 255 = 0.8 the curve is linear (12.92 v), so 0 stays 0.
        assertThat(DarkLines.ENCODE[0]).isZero();
        assertThat(DarkLines.ENCODE[255]).isEqualTo(255);
        assertThat(DarkLines.ENCODE[100]).isEqualTo(168);
        assertThat(DarkLines.ENCODE[40]).isEqualTo(110);
        assertThat(DarkLines.ENCODE[34]).isEqualTo(102);
        assertThat(DarkLines.ENCODE[32]).isEqualTo(99);
        assertThat(DarkLines.encodedLuma(withColumn(2, 1, 100, 0, 40))).containsExactly(110, 168);
    }

    @Test
    void topHatIsHowMuchDarkerAPixelIsThanItsClosing() {
        // 5 x 5 of 100 with a dark column of 40 at x = 2: the 3 x 3 maximum is 100 everywhere (each window reaches a
        // 100), so the closing is 100 and the top-hat is 60 on the line, 0 elsewhere.
        int[] luma = DarkLines.luma(withColumn(5, 5, 100, 2, 40));
        int[] th = DarkLines.topHat(luma, 5, 5, 3);
        for (int y = 0; y < 5; y++) {
            assertThat(new int[] {th[y * 5], th[y * 5 + 1], th[y * 5 + 2], th[y * 5 + 3], th[y * 5 + 4]})
                    .containsExactly(0, 0, 60, 0, 0);
        }
        // A line wider than the square is not a thin mark: columns 1..3 dark under a 3 x 3 closing, only the
        // middle one's window lies wholly in the dark, its maximum is 40 and nothing is filled.
        int[] wide = new int[] {100, 40, 40, 40, 100};
        assertThat(DarkLines.topHat(wide, 5, 1, 3)).containsExactly(0, 0, 0, 0, 0);
        // At the frame's edge the square is mirrored: a dark first column is filled from its right neighbour.
        assertThat(DarkLines.topHat(new int[] {40, 100, 100}, 3, 1, 3)).containsExactly(60, 0, 0);
    }

    @Test
    void mirrorRepeatsTheEdgePixel() {
        assertThat(DarkLines.mirror(-1, 4)).isEqualTo(0);
        assertThat(DarkLines.mirror(-2, 4)).isEqualTo(1);
        assertThat(DarkLines.mirror(4, 4)).isEqualTo(3);
        assertThat(DarkLines.mirror(5, 4)).isEqualTo(2);
    }

    @Test
    void quantileFollowsNumpysLinearRule() {
        int[] v = {10, 0, 3, 0, 1};
        assertThat(DarkLines.quantile(v, 0.5)).isEqualTo(1f);          // sorted 0 0 1 3 10, position 2
        assertThat(DarkLines.quantile(v, 0.9)).isCloseTo(7.2f, within(1e-5f)); // position 3.6: 3 + 0.6 · 7
        assertThat(DarkLines.quantile(v, 0.0)).isEqualTo(0f);
    }

    @Test
    void excessOverTheHistorysMedianRelativeToIt() {
        // 20 x 20 of 100, a dark column of 40 at x = 10: encoded 168 and 110, top-hat 58 on the line. History 10, 30,
        // 20: median 20, so the line's value is (58 - 20) / 20 = 1.9, times weight 2 = 3.8; only the line is kept.
        DarkLinesConfig c = new DarkLinesConfig(true, 3, 0.9, 4, 0, 0, 2, 100);
        DarkLines.Result r = DarkLines.score(withColumn(20, 20, 100, 10, 40), c, new float[] {10, 30, 20});
        SparseMap m = r.map();
        assertThat(m.size()).isEqualTo(20);
        for (int y = 0; y < 20; y++) {
            assertThat(m.index[y]).isEqualTo(y * 20 + 10);
            assertThat(m.value[y]).isCloseTo(3.8f, within(1e-6f));
        }
        // The frame's own 0.9 quantile: 380 of its 400 top-hat values are 0, so 0.
        assertThat(r.quantile()).isZero();
        // With a cap of 3 map units the line adds 3, not 3.8.
        DarkLinesConfig capped = new DarkLinesConfig(true, 3, 0.9, 4, 0, 0, 2, 3);
        SparseMap cm = DarkLines.score(withColumn(20, 20, 100, 10, 40), capped, new float[] {10, 30, 20}).map();
        assertThat(cm.size()).isEqualTo(20);
        assertThat(cm.value).containsOnly(3f);
    }

    @Test
    void theEdgeBandIsLeftOutAndTheFirstFrameIsItsOwnReference() {
        // band 0.1 of 20 px: rows 0, 1, 18, 19 out, 16 line pixels left. No history: the reference is the frame's
        // own quantile (0), raised to 1: (58 - 1) / 1 = 57, times weight 1.
        DarkLinesConfig c = new DarkLinesConfig(true, 3, 0.9, 4, 0.1, 0, 1, 100);
        SparseMap m = DarkLines.score(withColumn(20, 20, 100, 10, 40), c, null).map();
        assertThat(m.size()).isEqualTo(16);
        assertThat(m.index[0]).isEqualTo(2 * 20 + 10);
        assertThat(m.value[0]).isEqualTo(57f);
        // A line in the band itself (x = 1 < 2 columns) leaves nothing.
        assertThat(DarkLines.score(withColumn(20, 20, 100, 1, 40), c, null).map().size()).isZero();
    }

    @Test
    void aLineNoDarkerThanTheCamerasUsualMarksScoresNothing() {
        // the history says this camera's frames reach 60 at their 0.9 quantile: the line (58) is usual here
        DarkLinesConfig c = new DarkLinesConfig(true, 3, 0.9, 4, 0, 0, 1, 100);
        assertThat(DarkLines.score(withColumn(20, 20, 100, 10, 40), c, new float[] {60, 70}).map().size()).isZero();
    }

    @Test
    void smoothingSpreadsTheLineWithTheBlursWeights() {
        // sigma 0.05 x 20 = 1 px: the blur's kernel (GaussianBlur) applied along x to a line of (58 - 20) / 20 = 1.9:
        // the centre keeps k[3] · 1.9, its neighbours k[4] · 1.9, columns 4 px or more away (beyond 3 sigma) nothing.
        DarkLinesConfig c = new DarkLinesConfig(true, 3, 0.9, 4, 0, 0.05, 1, 100);
        SparseMap m = DarkLines.score(withColumn(20, 20, 100, 10, 40), c, new float[] {20}).map();
        double[] k = dev.saaflink.operators.saa.GaussianBlur.kernel(1.0); // 7 taps, k[3] the centre
        double[] dense = new double[400];
        m.addTo(dense, 20, 20);
        assertThat(dense[5 * 20 + 10]).isCloseTo(1.9 * k[3], within(1e-6));
        assertThat(dense[5 * 20 + 11]).isCloseTo(1.9 * k[4], within(1e-6));
        assertThat(dense[5 * 20 + 14]).isZero();
    }
}
