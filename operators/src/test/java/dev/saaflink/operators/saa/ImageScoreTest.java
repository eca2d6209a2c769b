package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link ImageScore}: the maximum, or the mean of the top share of pixels. */
class ImageScoreTest {

    /** 1 .. 10, shuffled: the order must not matter. */
    private static final double[] MAP = {7, 2, 10, 4, 1, 9, 3, 8, 6, 5};

    @Test
    void fractionZeroIsTheMaximum() {
        assertThat(ImageScore.of(MAP, 0)).isEqualTo(10);
        assertThat(ImageScore.of(new float[] {0.25f, -1f, 0.5f}, 0)).isEqualTo(0.5f);
    }

    @Test
    void topMeanAveragesCeilFractionTimesPixels() {
        assertThat(ImageScore.of(MAP, 0.2)).isEqualTo(9.5);   // 2 pixels: 10, 9
        assertThat(ImageScore.of(MAP, 0.25)).isEqualTo(9.0); // ceil(2.5) = 3 pixels: 10, 9, 8
        assertThat(ImageScore.of(MAP, 0.01)).isEqualTo(10);  // at least one pixel
        assertThat(ImageScore.of(MAP, 1)).isEqualTo(5.5);    // all of them
        float[] floats = {7, 2, 10, 4, 1, 9, 3, 8, 6, 5};
        assertThat(ImageScore.of(floats, 0.25)).isEqualTo(9.0f);
        assertThat(MAP[0]).as("the input is not sorted in place").isEqualTo(7);
        assertThat(ImageScore.count(160_000, 0.01)).isEqualTo(1600);
    }

    @Test
    void aSingleHotPixelCountsLessThanAHotArea() {
        double[] glint = new double[100];
        glint[0] = 1.0;
        double[] defect = new double[100];
        for (int i = 0; i < 5; i++) {
            defect[i] = 0.5;
        }
        assertThat(ImageScore.of(glint, 0)).isGreaterThan(ImageScore.of(defect, 0));
        // top 5 %: the glint averages to 0.2, the defect stays 0.5
        assertThat(ImageScore.of(glint, 0.05)).isEqualTo(0.2);
        assertThat(ImageScore.of(defect, 0.05)).isEqualTo(0.5);
    }

    @Test
    void aFractionOutsideZeroToOneIsRefused() {
        assertThatThrownBy(() -> ImageScore.of(MAP, 1.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> ImageScore.of(MAP, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
