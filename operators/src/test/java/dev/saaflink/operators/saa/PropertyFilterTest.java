package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PropertyFilterTest {

    @Test
    void areaIsNormalisedBoxAreaWithStrictBounds() {
        // 100x50 image; a 50x25 box has normalised area .5 * .5 = .25 (exact in binary)
        RegionCandidate box = new RegionCandidate(10, 10, 60, 35, 0.4, "crack");
        // cap .3 * 1 = .3 > .25: keep
        assertThat(PropertyFilter.keepByArea(box, 100, 50, 0.3, 1.0)).isTrue();
        // cap .5 * .5 = .25 = area: strict '<' drops it
        assertThat(PropertyFilter.keepByArea(box, 100, 50, 0.5, 0.5)).isFalse();
        // cap .5 * .25 = .125 < .25: drop
        assertThat(PropertyFilter.keepByArea(box, 100, 50, 0.5, 0.25)).isFalse();
    }

    @Test
    void zeroAreaBoxIsDropped() {
        RegionCandidate line = new RegionCandidate(10, 10, 10, 40, 0.9, "scratch");
        assertThat(PropertyFilter.keepByArea(line, 100, 50, 1.0, 1.0)).isFalse();
    }

    @Test
    void phraseFilterIsASubstringTest() {
        assertThat(PropertyFilter.keepByPhrase("[CLS] defect on carpet [SEP]", "carpet")).isFalse();
        assertThat(PropertyFilter.keepByPhrase("crack", "carpet")).isTrue();
        assertThat(PropertyFilter.keepByPhrase("walnut", "nut")).isFalse();
        // the tokenizer splits '_' off, so the general-prompt filter word "metal_nut" never matches (quirk Q10)
        assertThat(PropertyFilter.keepByPhrase("metal _ nut", "metal_nut")).isTrue();
        assertThat(PropertyFilter.keepByPhrase("carpet", null)).isTrue();
        assertThat(PropertyFilter.keepByPhrase("carpet", "")).isTrue();
    }

    @Test
    void filterKeepsOrderAndLeavesInputAlone() {
        // 100x100 image, cap .1 * 1 = .1
        RegionCandidate small1 = new RegionCandidate(0, 0, 10, 10, 0.5, "a");   // .01
        RegionCandidate big = new RegionCandidate(0, 0, 50, 50, 0.9, "b");      // .25
        RegionCandidate small2 = new RegionCandidate(5, 5, 25, 25, 0.2, "c");   // .04
        List<RegionCandidate> in = List.of(small1, big, small2);
        assertThat(PropertyFilter.filter(in, 100, 100, 0.1, 1.0)).containsExactly(small1, small2);
        assertThat(in).hasSize(3);
    }
}
