package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RescoringTest {

    @Test
    void multipliesByExponentialOfMeanSaliency() {
        // code: .5 * e^(3 * .2) = .5 * e^.6 = .5 * 1.8221188 = .9110594
        assertThat(Rescoring.rescore(0.5, 0.2, false, Rescoring.GAMMA_CODE)).isCloseTo(0.9110594, within(1e-7));
        // paper: .5 * e^.2 = .5 * 1.2214028 = .6107014
        assertThat(Rescoring.rescore(0.5, 0.2, false, Rescoring.GAMMA_PAPER)).isCloseTo(0.6107014, within(1e-7));
    }

    @Test
    void emptyMaskKeepsTheScore() {
        assertThat(Rescoring.rescore(0.5, 0.2, true, 3)).isEqualTo(0.5);
    }

    @Test
    void meanInsideTheMask() {
        float[] saliency = {0.1f, 0.2f, 0.3f, 0.4f};
        // pixels 0 and 2: (.1 + .3) / 2 = .2
        assertThat(Rescoring.meanInside(saliency, new boolean[] {true, false, true, false})).isCloseTo(0.2, within(1e-7));
        assertThat(Rescoring.meanInside(saliency, new boolean[4])).isEqualTo(0.0);
    }
}
