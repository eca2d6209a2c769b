package dev.saaflink.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.jobs.InspectionJobMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** The live-config options of inspect (and the cluster main) and the checks 'saa config publish' makes offline. */
class LiveConfigOptionsTest {

    private static final String[] INSPECT = {"--bootstrap-servers", "localhost:1", "--frames-topic", "f",
            "--events-topic", "e", "--dead-letter-topic", "d"};

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

    private static String[] inspect(String... more) {
        String[] all = new String[INSPECT.length + more.length];
        System.arraycopy(INSPECT, 0, all, 0, INSPECT.length);
        System.arraycopy(more, 0, all, INSPECT.length, more.length);
        return all;
    }

    @Test
    void theClusterMainTakesTheConfigTopics() {
        InspectCommand none = InspectionJobMain.parse(inspect()).getCommand();
        assertThat(none.liveConfig).isNull();

        InspectCommand live = InspectionJobMain.parse(inspect("--config-topic", "cfg")).getCommand();
        assertThat(live.liveConfig.topic).isEqualTo("cfg");
        assertThat(live.liveConfig.errorsTopic).as("defaults to the dead-letter topic when the job is built").isNull();

        InspectCommand both = InspectionJobMain.parse(inspect("--config-topic", "cfg", "--config-errors-topic", "ce"))
                .getCommand();
        assertThat(both.liveConfig.errorsTopic).isEqualTo("ce");
    }

    @Test
    void aConfigErrorsTopicWithoutAConfigTopicIsAUsageError() {
        String[] args = new String[INSPECT.length + 3];
        args[0] = "inspect";
        System.arraycopy(inspect("--config-errors-topic", "ce"), 0, args, 1, INSPECT.length + 2);
        assertThat(run(args)).isEqualTo(2);
        assertThat(err.toString()).contains("--config-topic");
    }

    @Test
    void publishNeedsExactlyOneOfFileAndDelete() {
        assertThat(run("config", "publish", "--bootstrap-servers", "localhost:1", "--topic", "t", "--category", "mtd"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--file", "--delete");
        assertThat(run("config", "publish", "--bootstrap-servers", "localhost:1", "--topic", "t", "--category", "mtd",
                "--file", "x.yaml", "--delete")).isEqualTo(2);
        assertThat(run("config")).isEqualTo(2);
        assertThat(err.toString()).contains("missing command");
    }

    @Test
    void aBadFileIsRefusedBeforeAnythingIsSent() throws Exception {
        // No broker at localhost:1: the command must stop at the local validation.
        Path bad = Files.writeString(dir.resolve("mtd.yaml"), """
                version: v9
                objectPrompt: mtd
                topK: 5
                areaRatio: 1.2
                anomalyThreshold: 0.5
                """);
        assertThat(run("config", "publish", "--bootstrap-servers", "localhost:1", "--topic", "t", "--category", "mtd",
                "--value-file", bad.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("categories.mtd.areaRatio: must be in (0, 1], got 1.2");

        Path noVersion = Files.writeString(dir.resolve("v.yaml"), "objectPrompt: mtd\ntopK: 5\nareaRatio: 0.5\n"
                + "anomalyThreshold: 0.5\n");
        assertThat(run("config", "publish", "--bootstrap-servers", "localhost:1", "--topic", "t", "--category", "mtd",
                "--file", noVersion.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("categories.mtd.version: is required");

        assertThat(run("config", "publish", "--bootstrap-servers", "localhost:1", "--topic", "t", "--category", "mtd",
                "--file", dir.resolve("absent.yaml").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("cannot read");
    }
}
