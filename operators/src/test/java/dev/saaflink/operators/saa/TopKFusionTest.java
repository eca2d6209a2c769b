package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopKFusionTest {

    @Test
    void topKOrdersByScoreThenLowerIndex() {
        double[] scores = {0.3, 0.9, 0.3, 0.5};
        // .9 (1), .5 (3), then the tie at .3: index 0 before 2
        assertThat(TopKFusion.topK(scores, 3)).containsExactly(1, 3, 0);
        assertThat(TopKFusion.topK(scores, 10)).containsExactly(1, 3, 0, 2);
        assertThat(TopKFusion.topK(scores, 0)).isEmpty();
        assertThat(TopKFusion.topK(new double[0], 5)).isEmpty();
    }

    @Test
    void nanRanksLast() {
        assertThat(TopKFusion.topK(new double[] {Double.NaN, 0.1, 0.2}, 2)).containsExactly(2, 1);
    }

    @Test
    void codeFusionDividesByOnePlusCoverage() {
        // 2x2: mask A covers p0,p1 with s=.6; mask B covers p1,p2 with s=.9
        // p0 = .6/(1+1) = .3; p1 = (.6+.9)/(1+2) = .5; p2 = .9/2 = .45; p3 uncovered = 0
        List<boolean[]> masks = List.of(new boolean[] {true, true, false, false}, new boolean[] {false, true, true, false});
        double[] fused = TopKFusion.fuse(masks, new double[] {0.6, 0.9}, 2, 2, true);
        assertThat(fused).containsExactly(new double[] {0.3, 0.5, 0.45, 0.0}, within(1e-12));
    }

    @Test
    void paperFusionIsTheCoverageWeightedMean() {
        // p0 = .6/1; p1 = (.6+.9)/2 = .75; p2 = .9; p3 = 0
        List<boolean[]> masks = List.of(new boolean[] {true, true, false, false}, new boolean[] {false, true, true, false});
        double[] fused = TopKFusion.fuse(masks, new double[] {0.6, 0.9}, 2, 2, false);
        assertThat(fused).containsExactly(new double[] {0.6, 0.75, 0.9, 0.0}, within(1e-12));
    }

    @Test
    void oneMaskGivesHalfItsScore() {
        double[] fused = TopKFusion.fuse(List.of(new boolean[] {true, false}), new double[] {0.8}, 2, 1, true);
        assertThat(fused).containsExactly(0.4, 0.0);
    }

    @Test
    void noMasksGiveAnAllZeroMap() {
        assertThat(TopKFusion.fuse(List.of(), new double[0], 3, 1, true)).containsExactly(0.0, 0.0, 0.0);
    }

    @Test
    void rejectsMismatchedInputs() {
        assertThatThrownBy(() -> TopKFusion.fuse(List.of(new boolean[4]), new double[2], 2, 2, true))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TopKFusion.fuse(List.of(new boolean[3]), new double[1], 2, 2, true))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
