package dev.saaflink.operators.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SparseMapTest {

    @Test
    void addsItsPixelsInPlace() {
        double[] map = {1, 1, 1, 1, 1, 1};
        new SparseMap(3, 2, new int[] {1, 5}, new float[] {0.5f, 2f}).addTo(map, 3, 2);
        assertThat(map).containsExactly(1, 1.5, 1, 1, 1, 3);
    }

    @Test
    void refusesAMapOfAnotherSize() {
        SparseMap m = new SparseMap(3, 2, new int[0], new float[0]);
        assertThatThrownBy(() -> m.addTo(new double[6], 2, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3x2");
        assertThatThrownBy(() -> new SparseMap(1, 1, new int[1], new float[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
