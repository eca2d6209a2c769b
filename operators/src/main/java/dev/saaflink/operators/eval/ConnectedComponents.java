package dev.saaflink.operators.eval;

import java.util.Arrays;

/**
 * 8-connected component labelling of a binary grid (skimage's {@code label} with connectivity 2): two foreground
 * pixels belong to the same component when a chain of foreground pixels joins them through edges or corners.
 *
 * <p>An instance owns its buffers and can be reused for many grids of the same size, which matters when the region
 * metrics label every image at every threshold. After {@link #label} the results stay valid until the next call:
 * {@link #labels()} (0 = background, 1..{@link #count()} = component) and per component its area and inclusive
 * bounding box.
 */
public final class ConnectedComponents {

    private final int width;
    private final int height;
    private final int[] labels;
    private final int[] stack;
    private int count;
    private int[] area = new int[16];
    private int[] minX = new int[16];
    private int[] minY = new int[16];
    private int[] maxX = new int[16];
    private int[] maxY = new int[16];

    public ConnectedComponents(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("grid must be non-empty: " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.labels = new int[width * height];
        this.stack = new int[width * height];
    }

    /** Labels {@code foreground} ({@code width x height}, row-major) into a fresh instance. */
    public static ConnectedComponents of(boolean[] foreground, int width, int height) {
        ConnectedComponents c = new ConnectedComponents(width, height);
        c.label(foreground);
        return c;
    }

    /** Labels a grid of this instance's size, replacing the previous result; returns the component count. */
    public int label(boolean[] foreground) {
        if (foreground.length != labels.length) {
            throw new IllegalArgumentException("expected " + labels.length + " pixels, got " + foreground.length);
        }
        Arrays.fill(labels, 0);
        count = 0;
        for (int start = 0; start < foreground.length; start++) {
            if (foreground[start] && labels[start] == 0) {
                flood(foreground, start, ++count);
            }
        }
        return count;
    }

    /** Depth-first fill from {@code start}; every pixel is labelled when pushed, so the stack never exceeds the grid. */
    private void flood(boolean[] fg, int start, int id) {
        ensureCapacity(id);
        int sx = start % width;
        int sy = start / width;
        int a = 0;
        int x0 = sx;
        int x1 = sx;
        int y0 = sy;
        int y1 = sy;
        int top = 0;
        labels[start] = id;
        stack[top++] = start;
        while (top > 0) {
            int p = stack[--top];
            int x = p % width;
            int y = p / width;
            a++;
            if (x < x0) x0 = x;
            if (x > x1) x1 = x;
            if (y < y0) y0 = y;
            if (y > y1) y1 = y;
            int yFrom = Math.max(0, y - 1);
            int yTo = Math.min(height - 1, y + 1);
            int xFrom = Math.max(0, x - 1);
            int xTo = Math.min(width - 1, x + 1);
            for (int ny = yFrom; ny <= yTo; ny++) {
                int row = ny * width;
                for (int nx = xFrom; nx <= xTo; nx++) {
                    int q = row + nx;
                    if (fg[q] && labels[q] == 0) {
                        labels[q] = id;
                        stack[top++] = q;
                    }
                }
            }
        }
        area[id] = a;
        minX[id] = x0;
        maxX[id] = x1;
        minY[id] = y0;
        maxY[id] = y1;
    }

    private void ensureCapacity(int id) {
        if (id >= area.length) {
            int n = Math.max(id + 1, area.length * 2);
            area = Arrays.copyOf(area, n);
            minX = Arrays.copyOf(minX, n);
            minY = Arrays.copyOf(minY, n);
            maxX = Arrays.copyOf(maxX, n);
            maxY = Arrays.copyOf(maxY, n);
        }
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int count() {
        return count;
    }

    /** Per pixel, row-major: 0 for background, else the component id 1..count. Owned by this instance. */
    public int[] labels() {
        return labels;
    }

    /** Pixels of component {@code id} (1..count). */
    public int area(int id) {
        return area[checked(id)];
    }

    /** Inclusive bounding box of component {@code id}. */
    public int minX(int id) {
        return minX[checked(id)];
    }

    public int maxX(int id) {
        return maxX[checked(id)];
    }

    public int minY(int id) {
        return minY[checked(id)];
    }

    public int maxY(int id) {
        return maxY[checked(id)];
    }

    private int checked(int id) {
        if (id < 1 || id > count) {
            throw new IndexOutOfBoundsException("component " + id + " of " + count);
        }
        return id;
    }

    /**
     * Component counts of a growing foreground without labelling each step: pixel {@code i} is foreground at step
     * {@code s} when {@code level[i] <= s}, for s = 0..steps-1 (levels at or above {@code steps} never switch on).
     * Pixels are switched on in level order and merged with switched-on neighbours through a union-find, so the whole
     * sequence costs about one pass over the grid. Used for images without ground truth, where only the number of
     * predicted components matters.
     */
    public static int[] countByLevel(int[] level, int width, int height, int steps) {
        int n = width * height;
        if (level.length != n) {
            throw new IllegalArgumentException("expected " + n + " levels, got " + level.length);
        }
        // counting sort of pixel indices by level
        int[] start = new int[steps + 1];
        for (int v : level) {
            if (v < steps) {
                start[v + 1]++;
            }
        }
        for (int s = 0; s < steps; s++) {
            start[s + 1] += start[s];
        }
        int[] order = new int[start[steps]];
        int[] fill = Arrays.copyOf(start, steps);
        for (int i = 0; i < n; i++) {
            if (level[i] < steps) {
                order[fill[level[i]]++] = i;
            }
        }
        int[] parent = new int[n];
        Arrays.fill(parent, -1);
        int[] counts = new int[steps];
        int components = 0;
        for (int s = 0; s < steps; s++) {
            for (int k = start[s]; k < start[s + 1]; k++) {
                int p = order[k];
                parent[p] = p;
                components++;
                int x = p % width;
                int y = p / width;
                for (int ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
                    for (int nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
                        int q = ny * width + nx;
                        if (q != p && parent[q] >= 0) {
                            int rp = find(parent, p);
                            int rq = find(parent, q);
                            if (rp != rq) {
                                parent[rq] = rp;
                                components--;
                            }
                        }
                    }
                }
            }
            counts[s] = components;
        }
        return counts;
    }

    private static int find(int[] parent, int p) {
        int root = p;
        while (parent[root] != root) {
            root = parent[root];
        }
        while (parent[p] != root) {
            int next = parent[p];
            parent[p] = root;
            p = next;
        }
        return root;
    }
}
