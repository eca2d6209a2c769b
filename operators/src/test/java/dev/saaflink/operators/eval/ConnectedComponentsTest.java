package dev.saaflink.operators.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ConnectedComponentsTest {

    /*
     * 4x4 grid (X = foreground), raster order:
     *   X . . .
     *   . X . X
     *   . . . X
     *   X X . .
     * (0,0)-(1,1) touch only at a corner: one component under 8-connectivity (two under 4).
     * (3,1)-(3,2) share an edge; (0,3)-(1,3) share an edge and are two rows below (1,1), so apart.
     * Components in scan order: 1 = {(0,0),(1,1)} box x0..1 y0..1; 2 = {(3,1),(3,2)} box x3 y1..2;
     * 3 = {(0,3),(1,3)} box x0..1 y3.
     */
    @Test
    void diagonalNeighboursJoin() {
        boolean[] fg = grid(
                "X...",
                ".X.X",
                "...X",
                "XX..");
        ConnectedComponents c = ConnectedComponents.of(fg, 4, 4);
        assertThat(c.count()).isEqualTo(3);
        assertThat(c.labels()).containsExactly(
                1, 0, 0, 0,
                0, 1, 0, 2,
                0, 0, 0, 2,
                3, 3, 0, 0);
        assertThat(new int[] {c.area(1), c.minX(1), c.minY(1), c.maxX(1), c.maxY(1)}).containsExactly(2, 0, 0, 1, 1);
        assertThat(new int[] {c.area(2), c.minX(2), c.minY(2), c.maxX(2), c.maxY(2)}).containsExactly(2, 3, 1, 3, 2);
        assertThat(new int[] {c.area(3), c.minX(3), c.minY(3), c.maxX(3), c.maxY(3)}).containsExactly(2, 0, 3, 1, 3);
    }

    @Test
    void emptyAndFullGrids() {
        ConnectedComponents c = new ConnectedComponents(3, 2);
        assertThat(c.label(new boolean[6])).isZero();
        boolean[] all = {true, true, true, true, true, true};
        assertThat(c.label(all)).isEqualTo(1);
        assertThat(c.area(1)).isEqualTo(6);
        assertThat(c.maxX(1)).isEqualTo(2);
        assertThat(c.maxY(1)).isEqualTo(1);
    }

    /* The incremental union-find count must agree with labelling each step from scratch. */
    @Test
    void countByLevelMatchesLabelling() {
        Random random = new Random(7);
        int w = 23;
        int h = 17;
        int steps = 6;
        for (int trial = 0; trial < 20; trial++) {
            int[] level = new int[w * h];
            for (int i = 0; i < level.length; i++) {
                level[i] = random.nextInt(steps + 3); // some levels never switch on
            }
            int[] counts = ConnectedComponents.countByLevel(level, w, h, steps);
            ConnectedComponents c = new ConnectedComponents(w, h);
            for (int s = 0; s < steps; s++) {
                boolean[] fg = new boolean[w * h];
                for (int i = 0; i < fg.length; i++) {
                    fg[i] = level[i] <= s;
                }
                assertThat(counts[s]).as("trial %d step %d", trial, s).isEqualTo(c.label(fg));
            }
        }
    }

    static boolean[] grid(String... rows) {
        int w = rows[0].length();
        boolean[] out = new boolean[w * rows.length];
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < w; x++) {
                out[y * w + x] = rows[y].charAt(x) == 'X';
            }
        }
        return out;
    }
}
