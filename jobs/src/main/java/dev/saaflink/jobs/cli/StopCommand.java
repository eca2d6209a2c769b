package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.cluster.FlinkRestClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code saa stop}: stops a job on a Flink cluster with a savepoint (the upgrade path: stop, then
 * {@code saa submit --from-savepoint} with the new jar or config), or cancels it without one.
 */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = {"Stop a job on a Flink cluster with a savepoint and print the savepoint's path; resume it "
                + "with 'saa submit --from-savepoint PATH ...'. Events committed up to the savepoint stay; nothing "
                + "after it is emitted twice."})
public final class StopCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "JOB_ID", description = "The job id ('saa submit' printed it).")
    String jobId;

    @Mixin
    FlinkRestOptions rest;

    @Option(names = "--savepoint-dir", paramLabel = "DIR|URI",
            description = "Where the savepoint goes (default: the cluster's execution.checkpointing.savepoint-dir).")
    String savepointDir;

    @Option(names = "--drain", description = "Flush all timers and windows first (for a job that will not resume).")
    boolean drain;

    @Option(names = "--no-savepoint", description = "Cancel the job without a savepoint.")
    boolean noSavepoint;

    @Option(names = "--timeout-seconds", defaultValue = "300",
            description = "How long to wait for the savepoint (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        FlinkRestClient flink = rest.client();
        if (noSavepoint) {
            flink.cancel(jobId);
            flink.awaitState(jobId, "CANCELED", Duration.ofSeconds(timeoutSeconds));
            out.printf("job %s canceled%n", jobId);
        } else {
            String path = flink.stopWithSavepoint(jobId, savepointDir, drain, Duration.ofSeconds(timeoutSeconds));
            // Flink reports the savepoint as soon as it is written; the job ends a moment later, after its sinks
            // committed. Only then is it safe to start the next version from the savepoint.
            flink.awaitState(jobId, "FINISHED", Duration.ofSeconds(timeoutSeconds));
            out.printf("job %s stopped with savepoint %s%n", jobId, path);
            out.printf("resume: saa submit --from-savepoint %s [job options]%n", path);
        }
        out.flush();
        return 0;
    }
}
