package dev.saaflink.jobs.ingest;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

/**
 * Turns a {@link DatasetItem} into the {@link Frame} a camera would have sent. JPEG and PNG files travel
 * byte for byte as they are on disk, so what the job decodes is exactly the published file; only BMP, which
 * the schema has no encoding for, is converted (losslessly) to PNG.
 *
 * <p>A file that is none of these (zero bytes, text, SVG, a damaged BMP) is not refused here: it goes out byte for
 * byte as well, with the encoding its extension suggests (JPEG for .jpg/.jpeg, PNG otherwise) and an
 * {@value #ATTR_NOT_AN_IMAGE} attribute, so the job dead-letters it like any corrupt frame and a replayed folder
 * adds up to events plus dead letters.
 */
public final class FrameFactory {

    public static final String DEFAULT_CAMERA_ID = "cam-0";

    /** Attribute holding the folder the image came from (a defect type for MTD). */
    public static final String ATTR_SUBSET = "subset";
    /** Attribute holding the image path relative to the dataset folder. */
    public static final String ATTR_SOURCE = "source";
    /** Attribute set on a file published although it is not a JPEG, PNG or BMP image: why it is not. */
    public static final String ATTR_NOT_AN_IMAGE = "notAnImage";

    private final String cameraId;
    private final boolean withGroundTruth;
    private final Clock clock;

    public FrameFactory(String cameraId, boolean withGroundTruth) {
        this(cameraId, withGroundTruth, Clock.systemUTC());
    }

    public FrameFactory(String cameraId, boolean withGroundTruth, Clock clock) {
        this.cameraId = Objects.requireNonNull(cameraId, "cameraId");
        this.withGroundTruth = withGroundTruth;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Reads the item's files and builds its frame. The mask is attached only when ground truth was asked for
     * and the item has one; a missing mask stays null, which consumers read as "no defect pixels".
     *
     * @throws IllegalArgumentException when the item's mask is not a PNG file
     * @throws UncheckedIOException when a file cannot be read
     */
    public Frame create(DatasetItem item) {
        byte[] bytes = readAll(item);
        ImageEncoding encoding;
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(ATTR_SUBSET, item.subset());
        attributes.put(ATTR_SOURCE, item.source());
        switch (sniff(bytes)) {
            case JPEG -> encoding = ImageEncoding.JPEG;
            case PNG -> encoding = ImageEncoding.PNG;
            case BMP -> {
                byte[] png = bmpToPng(bytes);
                if (png != null) {
                    bytes = png;
                    encoding = ImageEncoding.PNG;
                    attributes.put("transcoded", "bmp->png");
                } else {
                    encoding = guessEncoding(item);
                    attributes.put(ATTR_NOT_AN_IMAGE, "unreadable BMP file");
                }
            }
            default -> {
                encoding = guessEncoding(item);
                attributes.put(ATTR_NOT_AN_IMAGE, bytes.length == 0 ? "empty file"
                        : "not a JPEG, PNG or BMP file (unknown leading bytes)");
            }
        }
        int[] size = headerSize(bytes);

        Frame.Builder frame = Frame.newBuilder()
                .setCameraId(cameraId)
                .setFrameId(item.frameId())
                .setCategory(item.category())
                .setCaptureTimeMillis(clock.millis())
                .setEncoding(encoding)
                .setWidth(size == null ? null : size[0])
                .setHeight(size == null ? null : size[1])
                .setImage(ByteBuffer.wrap(bytes))
                .setGroundTruthMask(null)
                .setAttributes(new LinkedHashMap<>(attributes));
        if (withGroundTruth && item.hasMask()) {
            frame.setGroundTruthMask(ByteBuffer.wrap(readMask(item)));
        }
        return frame.build();
    }

    /** The container format, recognised by the file's first bytes rather than by its name. */
    enum FileType { JPEG, PNG, BMP, UNKNOWN }

    static FileType sniff(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return FileType.JPEG;
        }
        if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
                && b[4] == 0x0D && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A) {
            return FileType.PNG;
        }
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
            return FileType.BMP;
        }
        return FileType.UNKNOWN;
    }

    /**
     * Width and height from the image header without decoding the pixels; null when no reader understands
     * the header (a damaged file still goes out, so the job's error path can be exercised with it).
     */
    static int[] headerSize(byte[] bytes) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The BMP re-encoded as PNG, or null when it does not read as a BMP after all. */
    private static byte[] bmpToPng(byte[] bmp) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(bmp));
            if (image == null) {
                return null;
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream(bmp.length / 2);
            ImageIO.write(image, "png", png);
            return png.toByteArray();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** For a file that is not an image: the encoding its name claims, so the job's rejection says the expected. */
    private static ImageEncoding guessEncoding(DatasetItem item) {
        String name = item.image().getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return name.endsWith(".jpg") || name.endsWith(".jpeg") ? ImageEncoding.JPEG : ImageEncoding.PNG;
    }

    private static byte[] readAll(DatasetItem item) {
        try {
            return Files.readAllBytes(item.image());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read image " + item.image(), e);
        }
    }

    private static byte[] readMask(DatasetItem item) {
        try {
            byte[] mask = Files.readAllBytes(item.mask());
            if (sniff(mask) != FileType.PNG) {
                throw new IllegalArgumentException("ground-truth mask is not a PNG file: " + item.mask());
            }
            return mask;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read mask " + item.mask(), e);
        }
    }
}
