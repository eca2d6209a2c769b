package dev.saaflink.jobs.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;

import org.junit.jupiter.api.Test;

class WorstCasesTest {

    private static final int SIDE = 20;

    /** A flat grey 40x30 PNG: thumbnails of it are 192x144. */
    private static byte[] greyPng() throws Exception {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                img.setRGB(x, y, 0x808080);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private static float[] flatMap(float peak) {
        float[] map = new float[SIDE * SIDE];
        map[SIDE * SIDE / 2] = peak;
        return map;
    }

    private static boolean[] mask(boolean defect) {
        boolean[] mask = new boolean[SIDE * SIDE];
        if (defect) {
            for (int y = 5; y < 15; y++) {
                for (int x = 5; x < 15; x++) {
                    mask[y * SIDE + x] = true;
                }
            }
        }
        return mask;
    }

    private static List<String> ids(List<WorstCases.Case> cases) {
        return cases.stream().map(WorstCases.Case::frameId).toList();
    }

    @Test
    void keepsTheHighestGoodAndTheLowestDefectFramesBounded() throws Exception {
        byte[] png = greyPng();
        WorstCases worst = new WorstCases(3, 1.0);
        // 50 good frames scored g/50 and 50 defect frames scored d/50, offered in a shuffled order
        for (int i = 0; i < 100; i++) {
            int k = (i * 37) % 100;
            boolean defect = k >= 50;
            int score = k % 50;
            worst.offer((defect ? "bad-" : "good-") + score, defect ? "MT_Crack" : "MT_Free", png,
                    flatMap(score / 50f), mask(defect), SIDE);
        }
        assertThat(ids(worst.falsePositives())).containsExactly("good-49", "good-48", "good-47");
        assertThat(ids(worst.falseNegatives())).containsExactly("bad-0", "bad-1", "bad-2");
        WorstCases.Case fp = worst.falsePositives().get(0);
        assertThat(fp.imageScore()).isEqualTo(49 / 50f);
        assertThat(fp.defect()).isFalse();
        assertThat(fp.subset()).isEqualTo("MT_Free");
        assertThat(worst.falseNegatives().get(0).defect()).isTrue();
    }

    @Test
    void aGivenImageLabelDecidesTheSideWithoutAMask() throws Exception {
        byte[] png = greyPng();
        WorstCases worst = new WorstCases(2, 1.0);
        // folder-labelled frames: no mask at all, the label says which side they belong to
        worst.offer("broken-low", "broken_large", png, flatMap(0.1f), mask(false), SIDE, true);
        worst.offer("broken-high", "broken_large", png, flatMap(0.9f), mask(false), SIDE, true);
        worst.offer("good-high", "good", png, flatMap(0.7f), mask(false), SIDE, false);
        assertThat(ids(worst.falseNegatives())).containsExactly("broken-low", "broken-high");
        assertThat(ids(worst.falsePositives())).containsExactly("good-high");
        assertThat(worst.falseNegatives().get(0).defect()).isTrue();
    }

    @Test
    void tiesAreBrokenByFrameIdWhateverTheArrivalOrder() throws Exception {
        byte[] png = greyPng();
        WorstCases ab = new WorstCases(1, 1.0);
        ab.offer("a", "", png, flatMap(0.5f), mask(false), SIDE);
        ab.offer("b", "", png, flatMap(0.5f), mask(false), SIDE);
        WorstCases ba = new WorstCases(1, 1.0);
        ba.offer("b", "", png, flatMap(0.5f), mask(false), SIDE);
        ba.offer("a", "", png, flatMap(0.5f), mask(false), SIDE);
        assertThat(ids(ab.falsePositives())).isEqualTo(ids(ba.falsePositives()));
        assertThat(ab.falseNegatives()).isEmpty();
    }

    @Test
    void thumbnailIsTheScaledFrameWithHeatAndGroundTruthOutline() throws Exception {
        WorstCases worst = new WorstCases(1, 1.0);
        float[] map = new float[SIDE * SIDE];
        // full heat on the mask's left half
        for (int y = 5; y < 15; y++) {
            for (int x = 5; x < 10; x++) {
                map[y * SIDE + x] = 2f;
            }
        }
        worst.offer("f", "MT_Crack", greyPng(), map, mask(true), SIDE);
        byte[] thumb = worst.falseNegatives().get(0).thumbnailPng();
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(thumb));
        assertThat(img.getWidth()).isEqualTo(WorstCases.THUMBNAIL_WIDTH);
        assertThat(img.getHeight()).isEqualTo(144);
        // map and mask stretch over the whole frame: map pixel (x, y) covers thumbnail x * 9.6, y * 7.2
        int heat = img.getRGB((int) (7.5 * 9.6), (int) (10 * 7.2)) & 0xFFFFFF;
        assertThat((heat >> 16) & 0xFF).as("red, 0.6 of 255 over grey").isGreaterThan(200);
        assertThat(heat & 0xFF).as("blue fades").isLessThan(80);
        assertThat(img.getRGB(5, 5) & 0xFFFFFF).as("untouched frame").isEqualTo(0x808080);
        int greens = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) == 0x00FF00) {
                    greens++;
                }
            }
        }
        // the outline of a 96x72 rectangle: about 2 * (96 + 72) pixels
        assertThat(greens).isBetween(300, 400);
        // rendered once and kept
        assertThat(worst.falseNegatives().get(0).thumbnailPng()).isSameAs(thumb);
    }

    @Test
    void undrawableFrameKeepsItsPlaceWithoutThumbnail() {
        WorstCases worst = new WorstCases(2, 1.0);
        worst.offer("broken", "", new byte[] {1, 2, 3}, flatMap(0.9f), mask(false), SIDE);
        assertThat(worst.falsePositives()).singleElement()
                .satisfies(c -> assertThat(c.thumbnailPng()).isNull());
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new WorstCases(0, 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WorstCases(3, 0.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WorstCases(3, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        WorstCases worst = new WorstCases(3, 1.0);
        assertThatThrownBy(() -> worst.offer("f", "", new byte[0], new float[10], new boolean[10], SIDE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
