package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.InspectionJobMain;
import dev.saaflink.jobs.cluster.FlinkRestClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code saa submit}: uploads the shaded job jar to a running Flink cluster through its REST API and runs the
 * inspection job there, optionally from a savepoint. The job options are those of {@code saa inspect}; they are
 * parsed here first, so a typo is a usage error on this machine rather than a failed job in the JobManager's log.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Submit the inspection job to a running Flink cluster (REST API) and print its job id and web "
                + "UI address. Every option not listed here is a job option, as for 'saa inspect' "
                + "(see 'saa inspect --help'); --bootstrap-servers and the three topics are required.",
                "Example: saa submit --bootstrap-servers localhost:9092 --frames-topic frames "
                        + "--events-topic events --dead-letter-topic dead-letters"})
public final class SubmitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    FlinkRestOptions rest;

    @Option(names = "--jar", paramLabel = "FILE",
            description = "The job jar (default: jobs/target/saa-jobs-*-job.jar of this checkout).")
    Path jar;

    @Option(names = "--from-savepoint", paramLabel = "PATH",
            description = "Start from this savepoint or retained checkpoint (what 'saa stop' printed).")
    String savepoint;

    @Option(names = "--allow-non-restored-state",
            description = "With --from-savepoint: skip state of operators that no longer exist.")
    boolean allowNonRestoredState;

    @Option(names = "--wait-seconds", defaultValue = "120",
            description = "How long to wait for the job to be RUNNING (default: ${DEFAULT-VALUE}; 0: do not wait).")
    int waitSeconds;

    @Unmatched
    List<String> jobArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        checkJobArgs();
        Path jobJar = jar != null ? jar : defaultJar();
        if (!Files.isRegularFile(jobJar)) {
            throw new ParameterException(spec.commandLine(), "no job jar at " + jobJar);
        }
        if (savepoint == null && allowNonRestoredState) {
            throw new ParameterException(spec.commandLine(), "--allow-non-restored-state needs --from-savepoint");
        }
        PrintWriter out = spec.commandLine().getOut();
        FlinkRestClient flink = rest.client();
        String version = flink.overview().path("flink-version").asText("?");
        String jarId = flink.uploadJar(jobJar);
        String jobId;
        try {
            jobId = flink.runJar(jarId, new FlinkRestClient.RunRequest(InspectionJobMain.class.getName(), jobArgs,
                    null, savepoint, allowNonRestoredState));
        } finally {
            flink.deleteJar(jarId);
        }
        out.printf("submitted job %s to Flink %s at %s%s%n", jobId, version, flink.address(),
                savepoint == null ? "" : ", from " + savepoint);
        out.printf("web UI: %s%n", flink.jobPage(jobId));
        out.flush();
        if (waitSeconds > 0) {
            flink.awaitState(jobId, "RUNNING", Duration.ofSeconds(waitSeconds));
            out.printf("state: RUNNING%n");
        }
        out.printf("stop it with a savepoint: saa stop %s%s%n", jobId,
                rest.asArgument());
        out.flush();
        return 0;
    }

    /**
     * Parses and checks the job options exactly as the cluster will (the config file itself is read there: its path
     * may exist only on the cluster's machines).
     */
    private void checkJobArgs() {
        CommandLine job;
        try {
            job = InspectionJobMain.parse(jobArgs.toArray(String[]::new));
        } catch (ParameterException e) {
            throw new ParameterException(spec.commandLine(), "job option: " + e.getMessage(), e);
        }
        if (job.isUsageHelpRequested() || job.isVersionHelpRequested()) {
            throw new ParameterException(spec.commandLine(), "for the job options see 'saa inspect --help'");
        }
        InspectCommand inspect = job.getCommand();
        try {
            inspect.validate();
            inspect.pipeline.validate();
        } catch (ParameterException e) {
            throw new ParameterException(spec.commandLine(), "job option: " + e.getMessage(), e);
        }
    }

    /** The shaded jar the build of this checkout attaches. */
    private static Path defaultJar() throws IOException {
        Path target = Path.of(System.getProperty("saa.home", "."), "jobs", "target");
        if (!Files.isDirectory(target)) {
            return target.resolve("saa-jobs-<version>-job.jar");
        }
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(p -> p.getFileName().toString().matches("saa-jobs-.*-job\\.jar"))
                    .findFirst().orElse(target.resolve("saa-jobs-<version>-job.jar"));
        }
    }
}
