package dev.saaflink.jobs.cli;

import dev.saaflink.models.store.ModelFetchException;
import dev.saaflink.models.store.ModelIntegrityException;
import java.io.PrintWriter;
import java.util.Optional;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code saa} command line: one subcommand per task (replay a dataset into Kafka, run the inspection,
 * evaluate). Exit codes: 0 success, 2 usage error, 1 failure reported in one line (the stack trace only with
 * {@code --verbose} or {@code SAA_DEBUG=1}).
 *
 * <p>To add a command, append its class to {@code subcommands} below.
 */
@Command(name = "saa",
        mixinStandardHelpOptions = true,
        versionProvider = SaaCli.Version.class,
        description = "SAA+ anomaly segmentation on camera frames streamed through Kafka and Flink.",
        synopsisSubcommandLabel = "COMMAND",
        commandListHeading = "%nCommands:%n",
        footer = {"", "Run 'saa COMMAND --help' for the options of a command.",
                "'saa cluster start|start-taskmanager|stop|status' runs a local Flink session cluster and Kafka "
                        + "broker (deploy/standalone/cluster.sh; './saa cluster --help').",
                "Environment: JAVA_OPTS (JVM options, default -Xmx4g), SAA_DEBUG=1 (stack traces)."},
        subcommands = {
                DemoCommand.class,
                IngestCommand.class,
                CameraCommand.class,
                InspectCommand.class,
                ConfigCommand.class,
                MemoryCommand.class,
                EvalCommand.class,
                ScoreCommand.class,
                SubmitCommand.class,
                StopCommand.class,
                BenchCommand.class,
                BenchModelsCommand.class,
                SoakCommand.class,
                ViewCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class SaaCli implements Runnable {

    @Spec
    CommandSpec spec;

    private static volatile boolean verbose;

    /** Defined once here and inherited by every subcommand, so it may follow the command name. */
    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Print stack traces of failures.")
    void setVerbose(boolean value) {
        verbose = value;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** A configured command line; tests give it their own output writers. */
    public static CommandLine commandLine() {
        verbose = false;
        return new CommandLine(new SaaCli())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(SaaCli::usageError)
                .setExecutionExceptionHandler(SaaCli::failure);
    }

    static boolean showStackTraces() {
        return verbose || "1".equals(System.getenv("SAA_DEBUG"));
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        if (showStackTraces()) {
            e.printStackTrace(err);
        }
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static int failure(Exception e, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": error: " + oneLine(e));
        modelStoreMessage(e).ifPresent(err::println);
        if (showStackTraces()) {
            e.printStackTrace(err);
        }
        err.flush();
        return cmd.getCommandSpec().exitCodeOnExecutionException();
    }

    /** The failure's message plus its root cause when that says something more, on one line. */
    static String oneLine(Throwable e) {
        String top = describe(e);
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e) {
            String cause = describe(root);
            if (!top.contains(root.getMessage() == null ? cause : root.getMessage())) {
                top = top + " (cause: " + cause + ")";
            }
        }
        return top.replaceAll("\\s*\\R\\s*", " ");
    }

    /**
     * The full message of the first model-store failure in the chain: it says how to provide the model files by
     * hand, over several lines. A job wraps it in Flink's exceptions, and the one line above only names the innermost
     * cause (say "error=2, No such file or directory" when npm is missing).
     */
    static Optional<String> modelStoreMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if ((t instanceof ModelFetchException || t instanceof ModelIntegrityException) && t.getMessage() != null) {
                return Optional.of(t.getMessage());
            }
        }
        return Optional.empty();
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /** The version from the jar manifest, or the development version when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = SaaCli.class.getPackage().getImplementationVersion();
            return new String[] {"saa " + (version == null ? "0.1.0-SNAPSHOT" : version)};
        }
    }
}
