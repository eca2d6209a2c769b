package dev.saaflink.jobs.eval;

import dev.saaflink.operators.saa.AnomalyMaps;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Anomaly maps as files, so that maps from any implementation (the Python reference, this job) can be scored alike.
 *
 * <p>Reading understands:
 * <ul>
 *   <li>a single-band grayscale PNG: a sample {@code v} of bit depth {@code b} becomes {@code v / (2^b - 1)}, i.e.
 *       {@code v / 255} for 8-bit and {@code v / 65535} for 16-bit files;</li>
 *   <li>a NumPy {@code .npy} file (format versions 1, 2 and 3) holding little-endian float32 ({@code <f4}) or float64
 *       ({@code <f8}, narrowed to float) with shape {@code (H, W)}, {@code (1, H, W)} or {@code (H, W, 1)}. Both C and
 *       Fortran element order are accepted; the result is always row-major.</li>
 * </ul>
 * Anything else fails with an {@link IOException} that names the file and the reason.
 *
 * <p>Writing produces a 16-bit grayscale PNG holding {@code round(clamp(x / scale, 0, 1) * 65535)}; NaN is written
 * as 0. Reading it back gives {@code x / scale} to within 1/131070. For scoring, every map of a run must be written
 * with the same scale (for example 1 for maps already in [0, 1]): dividing each map by its own maximum would make
 * image scores all 1 and would distort the pooled pixel ranking.
 */
public final class MapFiles {

    /** File extensions {@link #read} understands, lower case. */
    public static final List<String> EXTENSIONS = List.of("png", "npy");

    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private MapFiles() {}

    /** A map of {@code width x height} values, row-major. */
    public record FloatMap(int width, int height, float[] values) {
        public FloatMap {
            if (width <= 0 || height <= 0 || (long) width * height != values.length) {
                throw new IllegalArgumentException(
                        "map " + width + "x" + height + " does not match its " + values.length + " values");
            }
        }
    }

    /** A single-band image on a 0..255 scale, row-major. */
    public record GrayImage(byte[] gray, int width, int height) {}

    /**
     * Reads a ground-truth mask PNG: its first band, scaled to 0..255 (16-bit masks are scaled down), for
     * {@code CategoryMetrics.binarise}. {@code what} names the mask in errors.
     */
    public static GrayImage readGray(byte[] png, String what) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        if (image == null) {
            throw new IOException(what + " is not a readable PNG");
        }
        int w = image.getWidth();
        int h = image.getHeight();
        Raster r = image.getRaster();
        double toByte = 255.0 / ((1 << r.getSampleModel().getSampleSize(0)) - 1);
        byte[] gray = new byte[w * h];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            r.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                gray[y * w + x] = (byte) Math.round(row[x] * toByte);
            }
        }
        return new GrayImage(gray, w, h);
    }

    /** Reads a map file, chosen by its extension ({@code .png} or {@code .npy}, any case). */
    public static FloatMap read(Path file) throws IOException {
        String ext = extension(file);
        if (ext.equals("png")) {
            return readPng(file);
        }
        if (ext.equals("npy")) {
            return readNpy(file);
        }
        throw new IOException(file + ": unsupported map file type '" + ext + "' (expected .png or .npy)");
    }

    /** Reads a grayscale PNG map: each sample divided by the largest value its bit depth can hold. */
    public static FloatMap readPng(Path file) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(file)));
        if (image == null) {
            throw new IOException(file + ": not a readable PNG");
        }
        Raster raster = image.getRaster();
        if (raster.getNumBands() != 1 || image.getColorModel() instanceof IndexColorModel) {
            throw new IOException(file + ": expected a single-band grayscale PNG, got "
                    + (image.getColorModel() instanceof IndexColorModel ? "a palette image" : raster.getNumBands() + " bands"));
        }
        int bits = raster.getSampleModel().getSampleSize(0);
        if (bits < 1 || bits > 16) {
            throw new IOException(file + ": unsupported PNG bit depth " + bits);
        }
        double top = (1 << bits) - 1;
        int w = image.getWidth();
        int h = image.getHeight();
        float[] values = new float[w * h];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                values[y * w + x] = (float) (row[x] / top);
            }
        }
        return new FloatMap(w, h, values);
    }

    /** Reads a 2-D float32/float64 {@code .npy} map; see the class comment for what is accepted. */
    public static FloatMap readNpy(Path file) throws IOException {
        return parseNpy(Files.readAllBytes(file), file.toString());
    }

    /** Parses {@code .npy} bytes; {@code name} only labels error messages. */
    static FloatMap parseNpy(byte[] bytes, String name) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10) {
            throw new IOException(name + ": too short for a .npy file");
        }
        for (int i = 0; i < NPY_MAGIC.length; i++) {
            if (bytes[i] != NPY_MAGIC[i]) {
                throw new IOException(name + ": not a .npy file (bad magic)");
            }
        }
        int major = bytes[6] & 0xFF;
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = buf.getShort(8) & 0xFFFF;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new IOException(name + ": truncated .npy header");
            }
            headerLength = buf.getInt(8) & 0xFFFFFFFFL;
            headerStart = 12;
        } else {
            throw new IOException(name + ": unsupported .npy format version " + major + "." + (bytes[7] & 0xFF));
        }
        if (headerStart + headerLength > bytes.length) {
            throw new IOException(name + ": truncated .npy header");
        }
        // version 1 and 2 headers are latin-1, version 3 UTF-8; the fields read here are ASCII either way
        String header = new String(bytes, headerStart, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int dataStart = (int) (headerStart + headerLength);

        String descr = field(DESCR, header, "descr", name);
        int itemSize;
        if (descr.equals("<f4")) {
            itemSize = 4;
        } else if (descr.equals("<f8")) {
            itemSize = 8;
        } else {
            throw new IOException(name + ": unsupported dtype '" + descr + "' (expected little-endian float32 '<f4' "
                    + "or float64 '<f8'; save with arr.astype('<f4'))");
        }
        boolean fortran = field(FORTRAN, header, "fortran_order", name).equals("True");
        int[] shape = parseShape(field(SHAPE, header, "shape", name), name);
        int h;
        int w;
        if (shape.length == 2) {
            h = shape[0];
            w = shape[1];
        } else if (shape.length == 3 && shape[0] == 1) {
            h = shape[1];
            w = shape[2];
        } else if (shape.length == 3 && shape[2] == 1) {
            h = shape[0];
            w = shape[1];
        } else {
            throw new IOException(name + ": unsupported shape " + shapeText(shape)
                    + " (expected (H, W), (1, H, W) or (H, W, 1))");
        }
        if (h <= 0 || w <= 0) {
            throw new IOException(name + ": empty map, shape " + shapeText(shape));
        }
        long count = (long) h * w;
        if (count > Integer.MAX_VALUE / 8) {
            throw new IOException(name + ": map too large, shape " + shapeText(shape));
        }
        long expected = count * itemSize;
        if (bytes.length - dataStart != expected) {
            throw new IOException(name + ": data holds " + (bytes.length - dataStart) + " bytes, shape "
                    + shapeText(shape) + " of " + descr + " needs " + expected);
        }
        float[] values = new float[(int) count];
        for (int i = 0; i < values.length; i++) {
            int at = dataStart + i * itemSize;
            float v = itemSize == 4 ? buf.getFloat(at) : (float) buf.getDouble(at);
            // with a unit axis dropped, Fortran order over (H, W) is column-major: element i is (i % h, i / h)
            int target = fortran ? (i % h) * w + i / h : i;
            values[target] = v;
        }
        return new FloatMap(w, h, values);
    }

    /**
     * Writes a map as a 16-bit grayscale PNG of {@code round(clamp(value / scale, 0, 1) * 65535)} (NaN as 0), creating
     * the parent folder. Use one {@code scale} for all maps that will be scored together.
     *
     * @param scale the value that maps to 65535; must be positive and finite
     */
    public static void writePng16(Path file, float[] map, int width, int height, double scale) throws IOException {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be positive and finite, got " + scale);
        }
        byte[] png = AnomalyMaps.toPng(map, width, height, 16, scale);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(file, png);
    }

    /** The file name's extension in lower case, or "" when it has none. */
    static String extension(Path file) {
        String fileName = file.getFileName().toString();
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
    }

    private static String field(Pattern pattern, String header, String key, String name) throws IOException {
        Matcher m = pattern.matcher(header);
        if (!m.find()) {
            throw new IOException(name + ": .npy header has no readable '" + key + "': " + header.trim());
        }
        return m.group(1);
    }

    private static int[] parseShape(String text, String name) throws IOException {
        List<Integer> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            try {
                dims.add(Integer.parseInt(p.endsWith("L") ? p.substring(0, p.length() - 1) : p));
            } catch (NumberFormatException e) {
                throw new IOException(name + ": unreadable .npy shape (" + text + ")");
            }
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String shapeText(int[] shape) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return s.append(shape.length == 1 ? ",)" : ")").toString();
    }
}
