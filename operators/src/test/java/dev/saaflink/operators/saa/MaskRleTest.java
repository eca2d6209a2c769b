package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MaskRleTest {

    private static final boolean T = true;
    private static final boolean F = false;

    @Test
    void encodesRowMajorStartingWithBackground() {
        // 3x3     . X X
        //         X . .
        //         . . X   -> F | T T T | F F F F | T  -> [1, 3, 4, 1]
        boolean[] mask = {F, T, T, T, F, F, F, F, T};
        assertThat(MaskRle.encode(mask)).containsExactly(1, 3, 4, 1);
        assertThat(MaskRle.area(new int[] {1, 3, 4, 1})).isEqualTo(4);
        // foreground at (1,0), (2,0), (0,1), (2,2)
        assertThat(MaskRle.boundingBox(new int[] {1, 3, 4, 1}, 3)).containsExactly(0, 0, 3, 3);
    }

    @Test
    void edgeCases() {
        assertThat(MaskRle.encode(new boolean[] {T, T, F})).containsExactly(0, 2, 1);
        assertThat(MaskRle.encode(new boolean[] {F, F, F, F})).containsExactly(4);
        assertThat(MaskRle.encode(new boolean[] {T, T, T})).containsExactly(0, 3);
        assertThat(MaskRle.encode(new boolean[0])).containsExactly(0);
    }

    @Test
    void boundingBoxOfAnInteriorRun() {
        // 4 wide x 3 tall, pixels (1,1) and (2,1): 5 background, 2 foreground, 5 background
        assertThat(MaskRle.boundingBox(new int[] {5, 2, 5}, 4)).containsExactly(1, 1, 3, 2);
    }

    @Test
    void boundingBoxOfARunThatWrapsARow() {
        // 3 wide: run of 2 from index 2 covers (2,0) and (0,1) -> x 0..2, y 0..1
        assertThat(MaskRle.boundingBox(new int[] {2, 2, 2}, 3)).containsExactly(0, 0, 3, 2);
    }

    @Test
    void boundingBoxOfEmptyMask() {
        assertThat(MaskRle.boundingBox(new int[] {9}, 3)).containsExactly(0, 0, 0, 0);
    }

    @Test
    void decodesHandWrittenCounts() {
        assertThat(MaskRle.decode(new int[] {0, 2, 1, 1}, 4)).containsExactly(T, T, F, T);
    }

    @Test
    void roundTrips() {
        Random random = new Random(3);
        for (int trial = 0; trial < 100; trial++) {
            boolean[] mask = new boolean[random.nextInt(200)];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = random.nextInt(3) == 0;
            }
            int[] counts = MaskRle.encode(mask);
            assertThat(MaskRle.decode(counts, mask.length)).containsExactly(mask);
            int area = 0;
            for (boolean b : mask) {
                area += b ? 1 : 0;
            }
            assertThat(MaskRle.area(counts)).isEqualTo(area);
        }
    }

    @Test
    void decodeValidatesCounts() {
        assertThatThrownBy(() -> MaskRle.decode(new int[] {1, 2}, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("add up to 3");
        assertThatThrownBy(() -> MaskRle.decode(new int[] {5, -1}, 4))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
