package dev.saaflink.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.ParameterException;

/**
 * The shaded job jar that {@code package} attaches (classifier {@code job}) holds what a cluster does not have and
 * nothing that it has: no Flink runtime, no ONNX Runtime (the cluster's lib/, parent-first), no logging backend,
 * no test classes, no signature files, none of the client-side camera tool's JavaCV and FFmpeg natives; and it
 * names {@link InspectionJobMain} as its main class. Runs after {@code package} (failsafe), so it opens the very jar
 * that deploy/ ships.
 */
class ShadedJobJarITCase {

    private static List<String> entries;
    private static String mainClass;

    @BeforeAll
    static void openJar() throws IOException {
        Path jar;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("saa-jobs-.*-job\\.jar"))
                    .findFirst().orElseThrow(() -> new AssertionError("no target/saa-jobs-*-job.jar; run package"));
        }
        try (JarFile jarFile = new JarFile(jar.toFile())) {
            entries = jarFile.stream().map(ZipEntry::getName).collect(Collectors.toList());
            mainClass = jarFile.getManifest().getMainAttributes().getValue("Main-Class");
        }
    }

    @Test
    void namesTheClusterMain() {
        assertThat(mainClass).isEqualTo(InspectionJobMain.class.getName());
        assertThat(entries).contains("dev/saaflink/jobs/InspectionJobMain.class");
    }

    @Test
    void holdsTheJobAndWhatTheClusterLacks() {
        assertThat(entries).anyMatch(e -> e.startsWith("dev/saaflink/operators/"))
                .anyMatch(e -> e.startsWith("dev/saaflink/models/"))
                .anyMatch(e -> e.startsWith("dev/saaflink/schemas/"))
                .anyMatch(e -> e.startsWith("org/apache/flink/connector/kafka/"))
                .anyMatch(e -> e.startsWith("org/apache/flink/connector/base/"))
                .anyMatch(e -> e.startsWith("org/apache/flink/formats/avro/"))
                .anyMatch(e -> e.startsWith("org/apache/kafka/clients/"))
                .anyMatch(e -> e.startsWith("org/apache/avro/"))
                .anyMatch(e -> e.startsWith("org/yaml/snakeyaml/"))
                .anyMatch(e -> e.startsWith("picocli/"));
        // the connectors register their factories as services: the transformer must keep those files
        assertThat(entries).anyMatch(e -> e.startsWith("META-INF/services/"));
    }

    @Test
    void leavesOutWhatTheClusterProvides() {
        assertThat(entries).noneMatch(e -> e.startsWith("org/apache/flink/streaming/api/"))   // flink-streaming-java
                .noneMatch(e -> e.startsWith("org/apache/flink/streaming/runtime/"))
                .noneMatch(e -> e.startsWith("org/apache/flink/runtime/"))                   // flink-runtime
                .noneMatch(e -> e.startsWith("org/apache/flink/api/common/"))                // flink-core
                .noneMatch(e -> e.startsWith("org/apache/flink/client/"))                    // flink-clients
                .noneMatch(e -> e.startsWith("ai/onnxruntime/"))                             // lib/, parent-first
                .noneMatch(e -> e.startsWith("org/apache/logging/log4j/"))
                .noneMatch(e -> e.startsWith("org/slf4j/"))
                .noneMatch(e -> e.startsWith("ch/qos/logback/"))
                .noneMatch(e -> e.startsWith("org/junit/"))
                .noneMatch(e -> e.startsWith("org/apache/kafka/common/test/"))               // the test broker kit
                .noneMatch(e -> e.startsWith("kafka/server/"))
                .noneMatch(e -> e.startsWith("org/bytedeco/"))     // saa camera: JavaCV, FFmpeg and its natives
                .noneMatch(e -> e.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)"));
    }

    @Test
    void mainTakesTheInspectOptions() {
        assertThatThrownBy(() -> InspectionJobMain.main(new String[] {"--frames-topic", "f"}))
                .isInstanceOf(ParameterException.class)
                .hasMessageContaining("--events-topic");
    }
}
