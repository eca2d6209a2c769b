package dev.saaflink.models.image;

import java.util.Objects;

/**
 * A decoded frame as 8-bit RGB, interleaved, row-major: pixel (x, y) channel c is at {@code rgb[(y * width + x) * 3 + c]}.
 * Decoded once per frame and shared by every model's pre-processing.
 *
 * <p>A Flink POJO (public fields, no-arg constructor) so it can sit in async-operator state.
 */
public final class RgbImage {
    public int width;
    public int height;
    public byte[] rgb;

    public RgbImage() {}

    public RgbImage(int width, int height, byte[] rgb) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        Objects.requireNonNull(rgb, "rgb");
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException(
                    "expected " + ((long) width * height * 3) + " bytes for " + width + "x" + height + " RGB, got " + rgb.length);
        }
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    /** Expands an 8-bit grayscale buffer (row-major) to RGB. */
    public static RgbImage fromGray(int width, int height, byte[] gray) {
        if ((long) width * height != gray.length) {
            throw new IllegalArgumentException(
                    "expected " + ((long) width * height) + " bytes for " + width + "x" + height + " GRAY8, got " + gray.length);
        }
        byte[] rgb = new byte[gray.length * 3];
        for (int i = 0, j = 0; i < gray.length; i++, j += 3) {
            rgb[j] = gray[i];
            rgb[j + 1] = gray[i];
            rgb[j + 2] = gray[i];
        }
        return new RgbImage(width, height, rgb);
    }

    /** Channel value 0..255 of pixel (x, y); c = 0 red, 1 green, 2 blue. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    public int pixelCount() {
        return width * height;
    }
}
