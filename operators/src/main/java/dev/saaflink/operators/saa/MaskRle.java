package dev.saaflink.operators.saa;

import java.util.Arrays;

/**
 * Run-length encoding of a boolean mask in row-major order. The counts alternate background, foreground,
 * background, ... and always start with a background run, which is 0 when the mask starts with foreground; runs are
 * never empty otherwise. An all-background mask of n pixels is {@code [n]}, an all-foreground one {@code [0, n]}, and
 * an empty mask {@code [0]}.
 *
 * <p>Note the order: row-major, unlike COCO's column-major RLE.
 */
public final class MaskRle {

    private MaskRle() {}

    public static int[] encode(boolean[] mask) {
        int[] counts = new int[8];
        int n = 0;
        boolean current = false;
        int run = 0;
        for (boolean v : mask) {
            if (v == current) {
                run++;
            } else {
                counts = append(counts, n++, run);
                current = v;
                run = 1;
            }
        }
        counts = append(counts, n++, run);
        return Arrays.copyOf(counts, n);
    }

    private static int[] append(int[] counts, int at, int value) {
        int[] out = at < counts.length ? counts : Arrays.copyOf(counts, counts.length * 2);
        out[at] = value;
        return out;
    }

    /**
     * @throws IllegalArgumentException when a count is negative or the counts do not add up to {@code length}
     */
    public static boolean[] decode(int[] counts, int length) {
        long total = 0;
        for (int c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("negative run length " + c);
            }
            total += c;
        }
        if (total != length) {
            throw new IllegalArgumentException("run lengths add up to " + total + ", expected " + length);
        }
        boolean[] mask = new boolean[length];
        int p = 0;
        for (int i = 0; i < counts.length; i++) {
            if ((i & 1) == 1) {
                Arrays.fill(mask, p, p + counts[i], true);
            }
            p += counts[i];
        }
        return mask;
    }

    /** Number of foreground pixels: the sum of the odd-position counts. */
    public static int area(int[] counts) {
        int area = 0;
        for (int i = 1; i < counts.length; i += 2) {
            area += counts[i];
        }
        return area;
    }

    /**
     * Bounding box of the foreground as {@code {x1, y1, x2, y2}} with exclusive ends, like {@link RegionCandidate};
     * {@code {0, 0, 0, 0}} when there is no foreground.
     */
    public static int[] boundingBox(int[] counts, int width) {
        if (width <= 0) {
            throw new IllegalArgumentException("width must be positive: " + width);
        }
        int x1 = Integer.MAX_VALUE;
        int y1 = Integer.MAX_VALUE;
        int x2 = Integer.MIN_VALUE;
        int y2 = Integer.MIN_VALUE;
        long start = 0;
        for (int i = 0; i < counts.length; i++) {
            long end = start + counts[i];
            if ((i & 1) == 1 && counts[i] > 0) {
                int firstRow = (int) (start / width);
                int lastRow = (int) ((end - 1) / width);
                y1 = Math.min(y1, firstRow);
                y2 = Math.max(y2, lastRow + 1);
                if (firstRow == lastRow) {
                    x1 = Math.min(x1, (int) (start % width));
                    x2 = Math.max(x2, (int) ((end - 1) % width) + 1);
                } else {
                    // A run that wraps reaches the last column of its first row and column 0 of its last row.
                    x1 = 0;
                    x2 = width;
                }
            }
            start = end;
        }
        if (x1 == Integer.MAX_VALUE) {
            return new int[] {0, 0, 0, 0};
        }
        return new int[] {x1, y1, x2, y2};
    }
}
