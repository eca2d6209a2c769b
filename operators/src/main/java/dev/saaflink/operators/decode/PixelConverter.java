package dev.saaflink.operators.decode;

import dev.saaflink.models.image.RgbImage;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Turns whatever {@link BufferedImage} layout ImageIO produced into interleaved 8-bit RGB.
 *
 * <p>Works on the stored samples, never through {@code getRGB()}: that call colour-converts (a grayscale
 * image would come out brighter, because Java treats its gray space as linear) while the reference pipeline
 * reads the file's values as they are, like OpenCV does. Embedded ICC profiles are ignored for the same
 * reason. Alpha is dropped, samples wider than 8 bits keep their high byte, narrower ones are stretched to
 * 0..255.
 */
final class PixelConverter {
    private PixelConverter() {}

    static RgbImage toRgb(BufferedImage img) throws FrameRejectedException {
        int w = img.getWidth();
        int h = img.getHeight();
        Raster raster = img.getRaster();
        ColorModel cm = img.getColorModel();
        int dataType = raster.getDataBuffer().getDataType();
        if (dataType == DataBuffer.TYPE_FLOAT || dataType == DataBuffer.TYPE_DOUBLE) {
            throw unsupported("floating-point samples are not supported");
        }
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        if (cm instanceof IndexColorModel icm) {
            fromPalette(raster, icm, out);
        } else {
            int space = cm.getColorSpace().getType();
            int colours = cm.getNumColorComponents();
            if (space == ColorSpace.TYPE_GRAY && colours == 1) {
                copyBands(raster, new int[] {0, 0, 0}, out);
            } else if (space == ColorSpace.TYPE_RGB && colours == 3) {
                // For component and packed colour models alike, raster bands come in R, G, B(, A) order.
                copyBands(raster, new int[] {0, 1, 2}, out);
            } else {
                throw unsupported("colour space " + spaceName(space) + " with " + colours
                        + " colour components is not supported (only grayscale, RGB and palette images are);"
                        + " CMYK/YCCK JPEGs must be converted to RGB before publishing");
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Copies source band {@code bands[c]} to output channel c. */
    private static void copyBands(Raster raster, int[] bands, byte[] out) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        if (raster.getDataBuffer() instanceof DataBufferByte bytes
                && raster.getSampleModel() instanceof ComponentSampleModel csm
                && raster.getSampleModelTranslateX() == 0
                && raster.getSampleModelTranslateY() == 0) {
            // Fast path for the usual 8-bit layouts (JPEG and most PNGs): index the backing array directly.
            int pixelStride = csm.getPixelStride();
            int scanline = csm.getScanlineStride();
            for (int c = 0; c < 3; c++) {
                int band = bands[c];
                int bank = csm.getBankIndices()[band];
                byte[] data = bytes.getData(bank);
                int base = csm.getBandOffsets()[band] + bytes.getOffsets()[bank];
                for (int y = 0; y < h; y++) {
                    int src = base + y * scanline;
                    int dst = y * w * 3 + c;
                    for (int x = 0; x < w; x++, src += pixelStride, dst += 3) {
                        out[dst] = data[src];
                    }
                }
            }
            return;
        }
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            int band = bands[c];
            int bits = raster.getSampleModel().getSampleSize(band);
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, band, row);
                int dst = y * w * 3 + c;
                for (int x = 0; x < w; x++, dst += 3) {
                    out[dst] = (byte) to8Bit(row[x], bits);
                }
            }
        }
    }

    private static void fromPalette(Raster raster, IndexColorModel icm, byte[] out) {
        int size = icm.getMapSize();
        byte[] r = new byte[size];
        byte[] g = new byte[size];
        byte[] b = new byte[size];
        icm.getReds(r);
        icm.getGreens(g);
        icm.getBlues(b);
        int w = raster.getWidth();
        int h = raster.getHeight();
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            int dst = y * w * 3;
            for (int x = 0; x < w; x++, dst += 3) {
                int i = row[x];
                if (i >= 0 && i < size) { // an index past the palette stays black
                    out[dst] = r[i];
                    out[dst + 1] = g[i];
                    out[dst + 2] = b[i];
                }
            }
        }
    }

    private static int to8Bit(int sample, int bits) {
        if (bits == 8) {
            return sample & 0xFF;
        }
        if (bits > 8) {
            return (sample >>> (bits - 8)) & 0xFF;
        }
        int max = (1 << bits) - 1;
        return (sample * 255 + max / 2) / max;
    }

    private static String spaceName(int type) {
        return switch (type) {
            case ColorSpace.TYPE_CMYK -> "CMYK";
            case ColorSpace.TYPE_CMY -> "CMY";
            case ColorSpace.TYPE_YCbCr -> "YCbCr";
            case ColorSpace.TYPE_GRAY -> "GRAY";
            case ColorSpace.TYPE_RGB -> "RGB";
            default -> "type " + type;
        };
    }

    private static FrameRejectedException unsupported(String detail) {
        return new FrameRejectedException(
                FrameRejectedException.STAGE_IMAGE_DECODE, RejectReason.UNSUPPORTED_IMAGE, detail);
    }
}
