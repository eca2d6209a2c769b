package dev.saaflink.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import picocli.CommandLine;

/**
 * Values the job cannot run with are usage errors (exit 2) at start, naming the option, before any broker is
 * contacted or model read. (The inspection config's own values are checked by its loader: see operators' config
 * tests.)
 */
class StartupValidationTest {

    private final StringWriter err = new StringWriter();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--parallelism|0|--parallelism must be 1 or more, got 0",
            "--async-capacity|0|--async-capacity must be 1 or more, got 0",
            "--model-timeout-ms|0|--model-timeout-ms must be 1 or more, got 0",
            "--stream-context-timeout-ms|0|--stream-context-timeout-ms must be 1 or more, got 0",
            "--model-retries|-1|--model-retries must be 0 or more, got -1",
            "--ort-threads|-2|--ort-threads must be 0 (half the cores) or more, got -2",
            "--device-id|-1|--device-id must be 0 or more, got -1",
            "--max-batch|0|--max-batch must be in [1, 256], got 0",
            "--max-batch|257|--max-batch must be in [1, 256], got 257",
            "--max-batch-wait-ms|-1|--max-batch-wait-ms must be 0 or more, got -1",
            "--config|' '|--config must not be empty",
            "--checkpoint-interval-ms|9|--checkpoint-interval-ms must be 10 or more, got 9",
            "--checkpoint-interval-ms|0|--checkpoint-interval-ms must be 10 or more, got 0",
            "--dead-letter-topic|' '|--dead-letter-topic must not be empty",
            "--group-id|' '|--group-id must not be empty",
            "--transactional-id-prefix|' '|--transactional-id-prefix must not be empty",
            "--checkpoint-dir|' '|--checkpoint-dir must not be empty",
            "--dead-letter-payload-max-bytes|-1|--dead-letter-payload-max-bytes must be in [0, 15728640], got -1",
            "--dead-letter-payload-max-bytes|16777216|--dead-letter-payload-max-bytes must be in [0, 15728640], got 16777216",
            "--job-name|' '|--job-name must not be empty",
            "--resume|' '|--resume must not be empty",
            "--transaction-timeout-ms|0|--transaction-timeout-ms must be 1 or more, got 0",
            "--transaction-timeout-ms|10000|the sinks' transaction timeout of 10000 ms must be more than twice the "
                    + "checkpoint interval (5000 ms)",
            "--kafka-property|transaction.timeout.ms=ten|Kafka client setting transaction.timeout.ms must be a "
                    + "positive number of milliseconds, got 'ten'",
    })
    void inspectRefusesAnOutOfRangeValueNamingTheOption(String option, String value, String message) {
        List<String> args = new ArrayList<>(List.of("inspect", "--bootstrap-servers", "localhost:1",
                "--frames-topic", "f", "--events-topic", "e", "--dead-letter-topic", "d"));
        int given = args.indexOf(option);
        if (given >= 0) { // a required topic option: replace its value
            args.subList(given, given + 2).clear();
        }
        args.add(option);
        args.add(value);
        assertThat(run(args.toArray(String[]::new))).as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).contains("saa inspect: " + message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--async-capacity|0|--async-capacity must be 1 or more, got 0",
            "--max-batch|0|--max-batch must be in [1, 256], got 0",
    })
    void evalChecksThePipelineOptionsToo(String option, String value, String message) {
        assertThat(run("eval", "--dataset", ".", "--out", "x", option, value)).as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).contains("saa eval: " + message);
    }

    @org.junit.jupiter.api.Test
    void aBoundedRunCannotResumeFromACheckpoint(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path chk = java.nio.file.Files.createDirectories(dir.resolve("job/chk-7"));
        java.nio.file.Files.writeString(chk.resolve("_metadata"), "x");
        assertThat(run("inspect", "--bootstrap-servers", "localhost:1", "--frames-topic", "f", "--events-topic", "e",
                "--dead-letter-topic", "d", "--checkpoint-dir", dir.toString(), "--bounded", "--resume", "latest"))
                .as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).contains("--bounded cannot resume from a checkpoint (" + chk + ")")
                .contains("FLINK-31006");
    }

    @org.junit.jupiter.api.Test
    void theJobOnAClusterRefusesResume() {
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> dev.saaflink.jobs.InspectionJobMain.main(
                new String[] {"--bootstrap-servers", "localhost:1", "--frames-topic", "f", "--events-topic", "e",
                        "--dead-letter-topic", "d", "--resume", "latest"})))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--resume is for saa inspect");
    }

    @org.junit.jupiter.api.Test
    void inspectRefusesAnEmptyConfigTopic() {
        assertThat(run("inspect", "--bootstrap-servers", "localhost:1", "--frames-topic", "f", "--events-topic", "e",
                "--dead-letter-topic", "d", "--config-topic", " ")).isEqualTo(2);
        assertThat(err.toString()).contains("--config-topic must not be empty");
    }

    private int run(String... args) {
        CommandLine cli = SaaCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
