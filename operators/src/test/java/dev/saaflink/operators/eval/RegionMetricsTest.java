package dev.saaflink.operators.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

class RegionMetricsTest {

    private static final double EPS = 1e-9;

    /*
     * Maps of 0s and 1s: range [0, 1], t_s = 1 - s/200. A 1 is above t_s for s >= 1, a 0 never (t_199 = 0.005), so
     * at steps 1..199 the prediction is exactly the 1-pixels and at step 0 nothing: max F1 = F1 of the 1-pixels.
     */
    private static float[] binaryMap(String row) {
        float[] m = new float[row.length()];
        for (int i = 0; i < m.length; i++) {
            m[i] = row.charAt(i) == '1' ? 1f : 0f;
        }
        return m;
    }

    private static boolean[] mask(String row) {
        boolean[] m = new boolean[row.length()];
        for (int i = 0; i < m.length; i++) {
            m[i] = row.charAt(i) == 'X';
        }
        return m;
    }

    /*
     * One row of 7:   pred 1 1 1 0 1 0 0  -> A = cols 0..2 (3 px), B = col 4 (1 px)
     *                 gt   X X X X X . .  -> G = cols 0..4 (5 px)
     * Reference: crop of A with G = cols 0..4, holding pred {0,1,2,4} (B counts too) = 4, gt 5, both 4:
     *   IoU 4/5 = .8; B with G: same crop, .8. TP = 2 of 2 predictions, 1 GT region:
     *   R = 2/1, P = 2/2, F1 = 2*1*2/3 = 4/3 -> 133.33 % (recall above 1 kept).
     * One-to-one: A vs G = 3/(3+5-3) = 3/5 = .6 (exactly at the level: matched); B vs G = 1/5.
     *   TP = 1: P = 1/2, R = 1, F1 = 2*.5/1.5 = 2/3 -> 66.67 %.
     */
    @Test
    void twoPredictionsOnOneRegion() {
        RegionMetrics r = new RegionMetrics();
        r.add(binaryMap("1110100"), mask("XXXXX.."), 7);
        RegionMetrics.Result res = r.compute();
        assertThat(res.regionMaxF1Reference()).isCloseTo(400.0 / 3, within(EPS));
        assertThat(res.regionMaxF1()).isCloseTo(200.0 / 3, within(EPS));
    }

    /*
     * Same image plus a normal one with one predicted blob (pred 0 1 1 0 0 0 0, no gt): one more prediction.
     * Reference: TP 2, predictions 3, GT 1: P = 2/3, R = 2, F1 = 2*(2/3)*2/(8/3) = 1 -> 100 %.
     * One-to-one: TP 1, predictions 3: P = 1/3, R = 1, F1 = (2/3)/(4/3) = .5 -> 50 %.
     */
    @Test
    void predictionsOnNormalImagesCountAgainstPrecision() {
        RegionMetrics r = new RegionMetrics();
        r.add(binaryMap("1110100"), mask("XXXXX.."), 7);
        r.add(binaryMap("0110000"), mask("......."), 7);
        RegionMetrics.Result res = r.compute();
        assertThat(res.regionMaxF1Reference()).isCloseTo(100.0, within(EPS));
        assertThat(res.regionMaxF1()).isCloseTo(50.0, within(EPS));
    }

    /*
     * One row of 14, one predicted and one GT component; the crop is the prediction's box, which holds everything,
     * so both countings see the same IoU.
     *   above: gt cols 0..7 (8), pred cols 0..12 (13): 8/13 = .615 >= .6 -> 1 TP of 1 and 1 -> F1 100 %
     *   below: gt cols 0..6 (7), pred cols 0..11 (12): 7/12 = .583 <  .6 -> no TP -> F1 0 %
     */
    @Test
    void iouJustAboveAndJustBelowTheMatchLevel() {
        RegionMetrics above = new RegionMetrics();
        above.add(binaryMap("11111111111110"), mask("XXXXXXXX......"), 14);
        assertThat(above.compute().regionMaxF1Reference()).isCloseTo(100.0, within(EPS));
        assertThat(above.compute().regionMaxF1()).isCloseTo(100.0, within(EPS));

        RegionMetrics below = new RegionMetrics();
        below.add(binaryMap("11111111111100"), mask("XXXXXXX......."), 14);
        assertThat(below.compute().regionMaxF1Reference()).isZero();
        assertThat(below.compute().regionMaxF1()).isZero();
    }

    /*
     * PRO on one row of 7, range [0, 1] so t_s = 1 - s/200. A value 1 - (k + .5)/200 sits mid-way between two
     * thresholds and is above t_s exactly for s >= k + 1.
     *   col  value   gt   on from step
     *   0    1       R1   1
     *   1    .8975   R1   21   (k = 20)
     *   2    .6975   -    61   (k = 60)
     *   3    0       -    never
     *   4    .4975   R2   101  (k = 100)
     *   5    0       -    never
     *   6    .2975   -    141  (k = 140)
     * Regions: R1 = cols 0..1, R2 = col 4 (cols 2, 3 apart them). Negatives: cols 2, 3, 5, 6 (4 pixels).
     * PRO = mean(R1 cover, R2 cover): s 0 -> 0; 1..20 -> (.5+0)/2 = .25; 21..100 -> .5; 101.. -> 1.
     * FPR: s < 61 -> 0; 61..140 -> 1/4; 141.. -> 2/4 (past .3).
     * Curve (FPR, PRO): (0,0) (0,.25) (0,.5) (.25,.5) (.25,1) then (.5,1), cut at .3 with PRO 1.
     * Area: .25*.5 + (.3-.25)*1 = .125 + .05 = .175; / .3 = .58333 -> 58.333 %.
     */
    @Test
    void proCurveByHand() {
        RegionMetrics r = new RegionMetrics();
        r.add(new float[] {1f, 0.8975f, 0.6975f, 0f, 0.4975f, 0f, 0.2975f}, mask("XX..X.."), 7);
        assertThat(r.compute().aupro()).isCloseTo(100 * 0.175 / 0.3, within(1e-9));
    }

    /*
     * When the FPR never reaches .3 the curve is closed towards (1, 1). Row of 6: col 0 = 1 (region R, on from
     * step 1), cols 1..5 negatives 0 0 0 0 .4975 (the last on from step 101, FPR 1/5 = .2; the zeros never).
     * Curve: (0,0) (0,1) ... (.2,1), then to (1,1): PRO stays 1 up to .3. Area = .3; / .3 = 100 %.
     */
    @Test
    void proCurveThatStopsBeforeTheLimitIsClosedTowardsEverythingPredicted() {
        RegionMetrics r = new RegionMetrics();
        r.add(new float[] {1f, 0f, 0f, 0f, 0f, 0.4975f}, mask("X....."), 6);
        assertThat(r.compute().aupro()).isCloseTo(100.0, within(1e-9));
    }

    /*
     * A map that finds half of the only region and nothing else: row of 4, region = cols 0..1, col 0 = 1 and the
     * rest 0. PRO is .5 from step 1 on, FPR stays 0; closing towards (1,1): PRO at .3 = .5 + .5 * .3 = .65.
     * Area = .3 * (.5 + .65) / 2 = .1725; / .3 = 57.5 %.
     */
    @Test
    void halfFoundRegionClosesLinearlyTowardsEverythingPredicted() {
        RegionMetrics r = new RegionMetrics();
        r.add(new float[] {1f, 0f, 0f, 0f}, mask("XX.."), 4);
        assertThat(r.compute().aupro()).isCloseTo(57.5, within(1e-9));
    }

    @Test
    void undefinedWithoutImagesOrWithoutRegions() {
        RegionMetrics none = new RegionMetrics();
        assertThat(none.compute().aupro()).isNaN();
        assertThat(none.compute().regionMaxF1Reference()).isNaN();
        assertThat(none.compute().regionMaxF1()).isNaN();

        RegionMetrics normal = new RegionMetrics();
        normal.add(binaryMap("0110"), mask("...."), 2);
        normal.add(binaryMap("1000"), mask("...."), 2);
        RegionMetrics.Result res = normal.compute();
        assertThat(res.aupro()).isNaN();
        assertThat(res.regionMaxF1Reference()).isNaN();
        assertThat(res.regionMaxF1()).isNaN();
    }

    /*
     * Flat maps predict nothing at any of the 200 thresholds, so region F1 is zero; the PRO curve is only the straight
     * closing line from (0,0) to (1,1) (PRO = FPR, the chance level): area to .3 = .3 * .3 / 2 = .045; / .3 = 15 %.
     */
    @Test
    void flatMapsScoreChanceLevel() {
        RegionMetrics r = new RegionMetrics();
        r.add(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, mask("X..."), 2);
        RegionMetrics.Result res = r.compute();
        assertThat(res.aupro()).isCloseTo(15.0, within(1e-9));
        assertThat(res.regionMaxF1Reference()).isZero();
        assertThat(res.regionMaxF1()).isZero();
    }

    /* Width-2 grid, diagonal GT and prediction: one region each under 8-connectivity, IoU 1 -> F1 100 %. */
    @Test
    void diagonalComponentsAreOneRegion() {
        RegionMetrics r = new RegionMetrics();
        r.add(binaryMap("1001"), mask("X..X"), 2);
        assertThat(r.compute().regionMaxF1()).isCloseTo(100.0, within(EPS));
        assertThat(r.compute().regionMaxF1Reference()).isCloseTo(100.0, within(EPS));
    }

    /* Run with -Dsaa.timing=true: 680 synthetic 400x400 images, one blob defect on two thirds of them. */
    @Test
    @EnabledIfSystemProperty(named = "saa.timing", matches = "true")
    void timing680Images() {
        int size = 400;
        Random random = new Random(1);
        RegionMetrics r = new RegionMetrics();
        for (int img = 0; img < 680; img++) {
            float[] map = new float[size * size];
            boolean[] mask = new boolean[size * size];
            boolean defect = img % 3 != 0;
            int cx = 50 + random.nextInt(300);
            int cy = 50 + random.nextInt(300);
            int rad = 5 + random.nextInt(30);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                    float v = (float) (0.3 * random.nextDouble() + 0.2 * Math.sin(x / 17.0) * Math.cos(y / 23.0));
                    if (defect) {
                        v += (float) Math.exp(-d2 / (2.0 * rad * rad));
                        mask[y * size + x] = d2 <= rad * rad;
                    }
                    map[y * size + x] = v;
                }
            }
            r.add(map, mask, size);
        }
        long t0 = System.nanoTime();
        RegionMetrics.Result res = r.compute();
        System.out.printf("680 images 400x400: %.1f s -> %s%n", (System.nanoTime() - t0) / 1e9, res);
    }
}
