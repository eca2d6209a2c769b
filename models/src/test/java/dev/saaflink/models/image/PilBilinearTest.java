package dev.saaflink.models.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Expected values worked out by hand from Pillow's resampling rule (half-pixel centres, triangle filter stretched by
 * in/out when shrinking, weights renormalised inside the image, 8-bit rounding after each pass).
 */
class PilBilinearTest {

    private static int[] gray(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xFF;
        }
        return out;
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void upscalingIsPlainBilinearWithHalfPixelCentresAndClampedEdges() {
        // out x=0 centre 0.25 -> only input 0 in reach -> 0; x=1 centre 0.75 -> 0.75*0 + 0.25*100 = 25;
        // x=2 centre 1.25 -> 0.25*0 + 0.75*100 = 75; x=3 centre 1.75 -> only input 1 -> 100
        assertThat(gray(PilBilinear.resize(bytes(0, 100), 2, 1, 1, 4, 1))).containsExactly(0, 25, 75, 100);
    }

    @Test
    void downscalingByTwoWidensTheFilter() {
        // scale 2: support 2, distances halved. out 0, centre 1: inputs 0,1,2 weigh 0.75,0.75,0.25 (sum 1.75)
        //   -> (0*0.75 + 100*0.75 + 200*0.25) / 1.75 = 71.43 -> 71
        // out 1, centre 3: inputs 1,2,3 weigh 0.25,0.75,0.75 -> (25 + 150 + 30) / 1.75 = 117.14 -> 117
        // (sampling at the centres without widening would give 50 and 120)
        assertThat(gray(PilBilinear.resize(bytes(0, 100, 200, 40), 4, 1, 1, 2, 1))).containsExactly(71, 117);
    }

    @Test
    void downscalingByThreeAveragesAWideFootprint() {
        // scale 3: out 0 centre 1.5 reads inputs 0..3 with weights 2/3,1,2/3,1/3 (sum 8/3) = .25,.375,.25,.125
        //   -> 0 + 30 + 40 + 30 = 100
        // out 1 centre 4.5 reads inputs 2..5 with weights 1/3,2/3,1,2/3 = .125,.25,.375,.25 -> 20+60+15+30 = 125
        assertThat(gray(PilBilinear.resize(bytes(0, 80, 160, 240, 40, 120), 6, 1, 1, 2, 1)))
                .containsExactly(100, 125);
    }

    @Test
    void twoDimensionsGoHorizontalThenVerticalWithEightBitIntermediate() {
        // 2x2 [[0,100],[100,255]] -> 4x4. Horizontal pass: row0 [0,25,75,100], row1 [100,138.75->139,216.25->216,255]
        // Vertical pass, out row 1 (centre 0.75): 0.75*row0 + 0.25*row1:
        //   [25, 18.75+34.75=53.5 -> 54, 56.25+54=110.25 -> 110, 75+63.75=138.75 -> 139]
        //   (53.5 only because the intermediate 138.75 was rounded to 139; exact arithmetic gives 53.4375 -> 53)
        // out row 2 (centre 1.25): 0.25*row0 + 0.75*row1: [75, 6.25+104.25=110.5 -> 111, 18.75+162=180.75 -> 181,
        //   25+191.25=216.25 -> 216]
        int[] out = gray(PilBilinear.resize(bytes(0, 100, 100, 255), 2, 2, 1, 4, 4));
        assertThat(out).containsExactly(
                0, 25, 75, 100,
                25, 54, 110, 139,
                75, 111, 181, 216,
                100, 139, 216, 255);
    }

    @Test
    void channelsAreResampledIndependently() {
        RgbImage img = new RgbImage(2, 1, bytes(0, 10, 200, 100, 50, 0));
        RgbImage out = PilBilinear.resize(img, 4, 1);
        assertThat(out.width).isEqualTo(4);
        assertThat(out.height).isEqualTo(1);
        // red [0,100] -> [0,25,75,100]; green [10,50] -> [10,20,40,50]; blue [200,0] -> [200,150,50,0]
        assertThat(gray(out.rgb)).containsExactly(0, 10, 200, 25, 20, 150, 75, 40, 50, 100, 50, 0);
    }

    @Test
    void sameSizeIsUnchanged() {
        byte[] src = bytes(1, 2, 3, 4);
        assertThat(PilBilinear.resize(src, 2, 2, 1, 2, 2)).isSameAs(src);
    }
}
