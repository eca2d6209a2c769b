package dev.saaflink.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtEnvironment;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Dockerfiles do with ONNX Runtime's jar, done to the jar on this classpath: its linux-x64 natives extracted
 * into one folder, the jar stripped of its natives, and a fresh JVM started with
 * {@code -Donnxruntime.native.path=<folder>}. That JVM must load ONNX Runtime from the folder and write no library
 * into its temporary directory; without the property the stripped jar cannot load at all, so an image where the
 * property is lost fails at once instead of silently extracting again.
 */
class OnnxRuntimeNativePathTest {

    private static final String NATIVES = "ai/onnxruntime/native/linux-x64/";

    @TempDir
    Path temp;

    /** Run in the child JVM: load ONNX Runtime, print its providers, with the loader's log on stderr. */
    public static void main(String[] args) throws Exception {
        Logger loader = Logger.getLogger("ai.onnxruntime");
        loader.setLevel(Level.FINE);
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(Level.FINE);
        loader.addHandler(handler);
        System.out.println("providers " + OrtEnvironment.getAvailableProviders());
    }

    @Test
    void theJvmLoadsTheImagesNativesAndExtractsNothing() throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux")
                && List.of("amd64", "x86_64").contains(System.getProperty("os.arch")),
                "the images are linux-x64; skipping on " + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
        Path jar = Path.of(OrtEnvironment.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path natives = Files.createDirectories(temp.resolve("native"));
        Path stripped = temp.resolve("onnxruntime-stripped.jar");
        split(jar, natives, stripped);
        assertThat(natives.resolve("libonnxruntime.so")).isRegularFile();
        assertThat(natives.resolve("libonnxruntime4j_jni.so")).isRegularFile();

        Path tmp = Files.createDirectories(temp.resolve("tmp"));
        Run withPath = java(stripped, tmp, "-Donnxruntime.native.path=" + natives);
        assertThat(withPath.code()).as(withPath.output()).isZero();
        assertThat(withPath.output()).contains("providers [CPU")
                .contains("Loaded native library 'onnxruntime' from specified path")
                .doesNotContain("Extracted native library");
        try (Stream<Path> files = Files.walk(tmp)) {
            assertThat(files.filter(p -> p.toString().endsWith(".so")).toList()).isEmpty();
        }

        Run withoutPath = java(stripped, tmp);
        assertThat(withoutPath.code()).as(withoutPath.output()).isNotZero();
        assertThat(withoutPath.output()).contains("UnsatisfiedLinkError");
    }

    /** The linux-x64 natives into {@code natives} (unzip -j), everything but the natives into {@code stripped}. */
    private static void split(Path jar, Path natives, Path stripped) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(stripped))) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.getName().startsWith("ai/onnxruntime/native/")) {
                    if (e.getName().startsWith(NATIVES) && !e.isDirectory()) {
                        try (InputStream in = zip.getInputStream(e)) {
                            Files.copy(in, natives.resolve(e.getName().substring(NATIVES.length())));
                        }
                    }
                    continue;
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                try (InputStream in = zip.getInputStream(e)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
    }

    private record Run(int code, String output) {}

    private static Run java(Path ortJar, Path tmp, String... options) throws Exception {
        Path testClasses = Path.of(OnnxRuntimeNativePathTest.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI());
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", ortJar + File.pathSeparator + testClasses));
        command.addAll(List.of(options));
        command.add(OnnxRuntimeNativePathTest.class.getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] output = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
