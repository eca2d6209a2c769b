package dev.saaflink.jobs;

import dev.saaflink.jobs.cli.InspectCommand;
import picocli.CommandLine;

/**
 * The shaded job jar's main class: the inspection job on the Flink cluster it is submitted to ({@code saa submit},
 * {@code flink run}, application mode, the Kubernetes operator's {@code FlinkDeployment}). It takes exactly the
 * options of {@code saa inspect} (same class, {@link InspectCommand}); only the execution environment is the
 * cluster's.
 *
 * <p>No {@code System.exit}: in application mode and for REST submissions this runs inside the JobManager. A usage
 * error or a failure is thrown, so that Flink reports it as the job's failure.
 */
public final class InspectionJobMain {

    private InspectionJobMain() {}

    public static void main(String[] args) throws Exception {
        CommandLine commandLine = parse(args);
        if (commandLine.isUsageHelpRequested()) {
            commandLine.usage(System.out);
            return;
        }
        if (commandLine.isVersionHelpRequested()) {
            commandLine.printVersionHelp(System.out);
            return;
        }
        InspectCommand command = commandLine.getCommand();
        command.call();
    }

    /**
     * Parses the job's arguments as the cluster will; {@code saa submit} calls this first, so that a usage error
     * shows on the submitting machine instead of in the JobManager's log.
     *
     * @throws CommandLine.ParameterException on a usage error
     */
    public static CommandLine parse(String... args) {
        CommandLine commandLine = new CommandLine(InspectCommand.onCluster())
                .setCommandName("saa-inspection-job")
                .setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.getCommandSpec().usageMessage().description(
                "The SAA+ inspection job on this Flink cluster: frames topic in, events and dead letters out "
                        + "(exactly-once). Options as for 'saa inspect'.");
        commandLine.parseArgs(args);
        return commandLine;
    }
}
