package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SaliencyProposerTest {

    private static float[] map(int w, int h) {
        return new float[w * h];
    }

    private static void set(float[] m, int w, int x, int y, float v) {
        m[y * w + x] = v;
    }

    @Test
    void oneBrightBlobGivesOneBoxExactlyAroundIt() {
        // 20x10 map, 3x3 block of 1.0 at x 5..7, y 2..4.
        // mean = 9/200 = .045; E[x^2] = .045; var = .045 - .045^2 = .042975; std = .2073
        // thresholds .252, .460, .667 are all below 1, so every level finds the same 9-pixel component.
        int w = 20;
        float[] m = map(w, 10);
        for (int y = 2; y <= 4; y++) {
            for (int x = 5; x <= 7; x++) {
                set(m, w, x, y, 1f);
            }
        }
        List<RegionCandidate> boxes = SaliencyProposer.propose(m, w, 10, new StandInSettings());
        assertThat(boxes).hasSize(1);
        RegionCandidate b = boxes.get(0);
        assertThat(new int[] {b.x1, b.y1, b.x2, b.y2}).containsExactly(5, 2, 8, 5);
        assertThat(b.score).isEqualTo(1.0);
        // the same box at levels 1, 2 and 3 is reported once, under the highest level
        assertThat(b.label).isEqualTo("saliency>mean+3sd");
    }

    @Test
    void levelsThatCutDifferentBoxesGiveSeparateProposals() {
        // 10x10 map, a horizontal strip at y=5: x=3 -> .4, x=4 -> 1.0, x=5 -> .4.
        // mean = 1.8/100 = .018; E[x^2] = 1.32/100 = .0132; var = .0132 - .000324 = .012876; std = .113472
        // level 1: t = .1315 -> all three pixels, box [3,5,6,6]
        // level 4: t = .4719 -> only the 1.0 pixel, box [4,5,5,6]
        int w = 10;
        float[] m = map(w, 10);
        set(m, w, 3, 5, 0.4f);
        set(m, w, 4, 5, 1.0f);
        set(m, w, 5, 5, 0.4f);
        StandInSettings s = new StandInSettings(new double[] {1, 4}, 0.0, 8);
        List<RegionCandidate> boxes = SaliencyProposer.propose(m, w, 10, s);
        assertThat(boxes).hasSize(2);
        // equal peak scores (1.0): discovery order, level 1 first
        assertThat(boxes.get(0).label).isEqualTo("saliency>mean+1sd");
        assertThat(new int[] {boxes.get(0).x1, boxes.get(0).y1, boxes.get(0).x2, boxes.get(0).y2})
                .containsExactly(3, 5, 6, 6);
        assertThat(boxes.get(1).label).isEqualTo("saliency>mean+4sd");
        assertThat(new int[] {boxes.get(1).x1, boxes.get(1).y1, boxes.get(1).x2, boxes.get(1).y2})
                .containsExactly(4, 5, 5, 6);
        // level 3: t = .018 + .3404 = .3584 < .4 keeps all three pixels: the same box as level 1, merged
        List<RegionCandidate> merged = SaliencyProposer.propose(m, w, 10, new StandInSettings());
        assertThat(merged).hasSize(1);
        assertThat(merged.get(0).label).isEqualTo("saliency>mean+3sd");
    }

    @Test
    void diagonalNeighboursJoinOneComponent() {
        // (2,2) and (3,3) touch only at a corner: 8-connectivity makes them one box [2,2,4,4]
        int w = 10;
        float[] m = map(w, 10);
        set(m, w, 2, 2, 1f);
        set(m, w, 3, 3, 1f);
        List<RegionCandidate> boxes = SaliencyProposer.propose(m, w, 10, new StandInSettings(new double[] {1}, 0, 8));
        assertThat(boxes).hasSize(1);
        assertThat(new int[] {boxes.get(0).x1, boxes.get(0).y1, boxes.get(0).x2, boxes.get(0).y2})
                .containsExactly(2, 2, 4, 4);
    }

    @Test
    void ranksByRawPeakAndKeepsAtMostMaxProposals() {
        // three isolated pixels .9, .7, .8 on a 10x10 zero map; level 0 means "above the mean" (.024)
        int w = 10;
        float[] m = map(w, 10);
        set(m, w, 1, 1, 0.9f);
        set(m, w, 5, 1, 0.7f);
        set(m, w, 1, 7, 0.8f);
        List<RegionCandidate> boxes = SaliencyProposer.propose(m, w, 10, new StandInSettings(new double[] {0}, 0, 2));
        assertThat(boxes).extracting(b -> b.score).containsExactly((double) 0.9f, (double) 0.8f);
        assertThat(boxes.get(0).x1).isEqualTo(1);
        assertThat(boxes.get(0).y1).isEqualTo(1);
        assertThat(boxes.get(1).y1).isEqualTo(7);
    }

    @Test
    void scoresAreNotNormalisedPerImage() {
        // the same picture at a tenth of the brightness: same box, score .1 instead of 1
        int w = 20;
        float[] m = map(w, 10);
        for (int x = 5; x <= 7; x++) {
            set(m, w, x, 4, 0.1f);
        }
        List<RegionCandidate> boxes = SaliencyProposer.propose(m, w, 10, new StandInSettings());
        assertThat(boxes).hasSize(1);
        assertThat(boxes.get(0).score).isEqualTo((double) 0.1f);
    }

    @Test
    void dropsComponentsBelowTheMinimumFraction() {
        // 10x10 = 100 px; fraction .03 -> at least 3 pixels. A 1-pixel and a 4-pixel blob: only the latter stays.
        int w = 10;
        float[] m = map(w, 10);
        set(m, w, 0, 0, 1f);
        set(m, w, 5, 5, 1f);
        set(m, w, 6, 5, 1f);
        set(m, w, 5, 6, 1f);
        set(m, w, 6, 6, 1f);
        List<RegionCandidate> boxes = SaliencyProposer.propose(m, w, 10, new StandInSettings(new double[] {1}, 0.03, 8));
        assertThat(boxes).hasSize(1);
        assertThat(boxes.get(0).x1).isEqualTo(5);
    }

    @Test
    void flatMapHasNoProposals() {
        float[] m = new float[50];
        java.util.Arrays.fill(m, 0.3f);
        assertThat(SaliencyProposer.propose(m, 10, 5, new StandInSettings())).isEmpty();
    }

    @Test
    void labelsUseCompactNumbers() {
        assertThat(SaliencyProposer.label(2.0)).isEqualTo("saliency>mean+2sd");
        assertThat(SaliencyProposer.label(2.5)).isEqualTo("saliency>mean+2.5sd");
    }

    @Test
    void settingsDefaultsAndValidation() {
        StandInSettings s = new StandInSettings();
        assertThat(s.sigmaLevels).containsExactly(1.0, 2.0, 3.0);
        assertThat(s.minComponentFraction).isEqualTo(0.0005);
        assertThat(s.maxProposals).isEqualTo(8);
        assertThatThrownBy(() -> SaliencyProposer.propose(new float[4], 2, 2, new StandInSettings(new double[0], 0, 8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sigmaLevels");
        assertThatThrownBy(() -> SaliencyProposer.propose(new float[3], 2, 2, s))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
