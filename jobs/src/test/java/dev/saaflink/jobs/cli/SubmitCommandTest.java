package dev.saaflink.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code saa submit} checks the job options as the JobManager would, before it contacts the cluster: a usage error
 * (exit 2) names the job option; a cluster that does not answer is a one-line failure (exit 1). The real submission
 * runs in {@code StandaloneClusterITCase}.
 */
class SubmitCommandTest {

    @TempDir
    Path temp;

    private record Result(int code, String err) {}

    private Result submit(String... jobArgs) throws IOException {
        Path jar = Files.writeString(temp.resolve("saa-jobs-test-job.jar"), "not used before the cluster answers");
        List<String> args = new ArrayList<>(List.of("submit", "--rest-url", "http://localhost:" + closedPort(),
                "--jar", jar.toString(), "--wait-seconds", "0"));
        args.addAll(List.of(jobArgs));
        StringWriter err = new StringWriter();
        int code = SaaCli.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err))
                .execute(args.toArray(String[]::new));
        return new Result(code, err.toString());
    }

    private static final String[] TOPICS = {"--frames-topic", "f", "--events-topic", "e", "--dead-letter-topic", "d"};

    @Test
    void aMissingBootstrapServerIsAUsageErrorBeforeAnyCall() throws IOException {
        Result r = submit(TOPICS);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("job option: Missing required option: '--bootstrap-servers'");
    }

    @Test
    void anOutOfRangeJobOptionIsAUsageError() throws IOException {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", "k:9092", "--async-capacity", "0"));
        args.addAll(List.of(TOPICS));
        Result r = submit(args.toArray(String[]::new));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("job option: --async-capacity must be 1 or more, got 0");
    }

    @Test
    void anUnknownJobOptionIsAUsageError() throws IOException {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", "k:9092", "--frame-topic", "x"));
        args.addAll(List.of(TOPICS));
        Result r = submit(args.toArray(String[]::new));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("job option: Unknown options: '--frame-topic', 'x'");
    }

    @Test
    void aClusterThatDoesNotAnswerIsAOneLineFailure() throws IOException {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", "k:9092"));
        args.addAll(List.of(TOPICS));
        Result r = submit(args.toArray(String[]::new));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no Flink JobManager answers at http://localhost:")
                .contains("./saa cluster status");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
