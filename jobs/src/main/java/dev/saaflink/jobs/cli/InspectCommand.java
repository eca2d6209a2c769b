package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.InspectionJob;
import dev.saaflink.jobs.KafkaEndpoints;
import dev.saaflink.jobs.LocalFlink;
import dev.saaflink.jobs.kafka.KafkaClientSettings;
import dev.saaflink.jobs.kafka.TopicLimits;
import dev.saaflink.jobs.kafka.TransactionTimeout;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

/**
 * {@code saa inspect}: the inspection job against an existing Kafka, on a local MiniCluster. The same options,
 * parsed by the same class, are the arguments of the cluster entry point {@link dev.saaflink.jobs.InspectionJobMain}
 * (the shaded job jar's main class); only the execution environment differs.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Run the inspection job on a local Flink MiniCluster against an existing Kafka cluster: frames "
                + "topic in, events and dead letters out (exactly-once, read them with isolation.level=read_committed)."})
public final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    PipelineOptions pipeline;

    @Option(names = "--frames-topic", required = true, paramLabel = "TOPIC")
    String framesTopic;

    @Option(names = "--events-topic", required = true, paramLabel = "TOPIC")
    String eventsTopic;

    @Option(names = "--dead-letter-topic", required = true, paramLabel = "TOPIC")
    String deadLetterTopic;

    @ArgGroup(exclusive = false)
    LiveConfigOptions liveConfig;

    /** Live category configs; --config-errors-topic only makes sense with --config-topic (picocli enforces it). */
    static final class LiveConfigOptions {
        @Option(names = "--config-topic", required = true, paramLabel = "TOPIC",
                description = "Compacted topic of live category configs (key = category, value = the category's YAML "
                        + "block with a 'version:'; null value = back to the --config file). Read from the earliest "
                        + "offset at a fresh start; without it category configs change only on restart.")
        String topic;

        @Option(names = "--config-errors-topic", paramLabel = "TOPIC",
                description = "Where rejected config records go as dead letters (default: the --dead-letter-topic).")
        String errorsTopic;
    }

    @Option(names = "--job-name", defaultValue = "saa-inspection", paramLabel = "NAME",
            description = "The Flink job's name, and the start of the derived ids below (default: ${DEFAULT-VALUE}).")
    String jobName;

    @Option(names = "--group-id",
            description = "Consumer group of the frames source (default: derived, <job-name>-<hash of the job name and "
                    + "topics>; printed at start).")
    String groupId;

    @Option(names = "--transactional-id-prefix",
            description = "Prefix of the sinks' Kafka transactional ids; must differ between the jobs of one Kafka "
                    + "cluster and stay the same across restarts of one job (default: derived as --group-id).")
    String transactionalIdPrefix;

    @Option(names = "--transaction-timeout-ms", paramLabel = "MS",
            description = "The sinks' transaction.timeout.ms; checked at start against the brokers' "
                    + "transaction.max.timeout.ms (default: the Kafka client setting transaction.timeout.ms when "
                    + "given, else " + TransactionTimeout.DEFAULT_MS + ").")
    Long transactionTimeoutMillis;

    @Option(names = "--checkpoint-interval-ms", defaultValue = "5000",
            description = "Checkpoint interval; events become visible to read_committed readers on each checkpoint "
                    + "(default: ${DEFAULT-VALUE}).")
    long checkpointIntervalMillis;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR|URI",
            description = "Where checkpoints go; kept when the job fails or the process dies (default: "
                    + "$XDG_STATE_HOME/saa-flink/checkpoints/<derived id>, XDG_STATE_HOME defaulting to "
                    + "~/.local/state; on a cluster, the cluster's execution.checkpointing.dir; there a URI such as "
                    + "s3://bucket/path).")
    String checkpointDir;

    @Option(names = "--resume", paramLabel = "latest|PATH",
            description = "Start from a retained checkpoint: 'latest' (the newest complete one in the checkpoint "
                    + "dir; a fresh start when there is none) or a chk-N or savepoint folder. Without it the job "
                    + "starts fresh from the group's committed offsets, with an empty stream memory. Not on a cluster "
                    + "(there: flink run -s, or the Kubernetes operator's savepoints).")
    String resume;

    @Option(names = "--bounded", description = "Stop at the end offsets seen at start instead of running forever.")
    boolean bounded;

    /** False for {@code saa inspect}; true when a Flink cluster runs this as the job jar's main. */
    private final boolean onCluster;

    /** {@code saa inspect}: a local MiniCluster. */
    public InspectCommand() {
        this(false);
    }

    private InspectCommand(boolean onCluster) {
        this.onCluster = onCluster;
    }

    /** The same command for a job jar submitted to a cluster: the environment is the one Flink provides. */
    public static InspectCommand onCluster() {
        return new InspectCommand(true);
    }

    /** Flink refuses checkpoint intervals below this many milliseconds. */
    static final long MIN_CHECKPOINT_INTERVAL_MS = 10;

    /** Usage errors for values the job cannot run with, before anything is built. */
    void validate() {
        kafka.bootstrapServers();
        require(!framesTopic.isBlank(), "--frames-topic must not be empty");
        require(!eventsTopic.isBlank(), "--events-topic must not be empty");
        require(!deadLetterTopic.isBlank(), "--dead-letter-topic must not be empty");
        require(!jobName.isBlank(), "--job-name must not be empty");
        require(groupId == null || !groupId.isBlank(), "--group-id must not be empty");
        require(transactionalIdPrefix == null || !transactionalIdPrefix.isBlank(),
                "--transactional-id-prefix must not be empty");
        require(checkpointIntervalMillis >= MIN_CHECKPOINT_INTERVAL_MS, "--checkpoint-interval-ms must be "
                + MIN_CHECKPOINT_INTERVAL_MS + " or more, got " + checkpointIntervalMillis);
        require(checkpointDir == null || !checkpointDir.isBlank(), "--checkpoint-dir must not be empty");
        require(resume == null || !resume.isBlank(), "--resume must not be empty");
        require(resume == null || !onCluster, "--resume is for saa inspect; on a cluster restore with "
                + "'flink run -s PATH' or the Kubernetes operator's savepoints (upgradeMode: savepoint)");
        if (liveConfig != null) {
            require(!liveConfig.topic.isBlank(), "--config-topic must not be empty");
            require(liveConfig.errorsTopic == null || !liveConfig.errorsTopic.isBlank(),
                    "--config-errors-topic must not be empty");
        }
        require(transactionTimeoutMillis == null || transactionTimeoutMillis > 0,
                "--transaction-timeout-ms must be 1 or more, got " + transactionTimeoutMillis);
        if (transactionTimeoutMillis != null) {
            String tooShort = TransactionTimeout.checkAgainstCheckpointInterval(transactionTimeoutMillis,
                    checkpointIntervalMillis);
            require(tooShort == null, tooShort);
        }
    }

    /**
     * The transaction timeout that applies (option, else client setting, else the default); a usage error if it is
     * bad. Not part of {@link #validate}: {@code saa submit} validates on a machine that may lack the JobManager's
     * --kafka-config file and environment.
     */
    /**
     * The pipeline settings of the options; on a cluster each TaskManager's GPU index comes from its external resource
     * {@code gpu} ({@code GpuDevices}), locally from {@code --device-id}.
     */
    PipelineSettings pipelineSettings() throws IOException {
        PipelineSettings settings = pipeline.settings();
        settings.gpuFromExternalResource = onCluster;
        return settings;
    }

    long transactionTimeout() {
        long timeout;
        try {
            timeout = TransactionTimeout.resolve(transactionTimeoutMillis, kafka.clientProperties());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        String tooShort = TransactionTimeout.checkAgainstCheckpointInterval(timeout, checkpointIntervalMillis);
        require(tooShort == null, tooShort);
        return timeout;
    }

    /** The default of --group-id, --transactional-id-prefix and the local checkpoint folder. */
    String identity() {
        return JobIdentity.derive(jobName, framesTopic, eventsTopic, deadLetterTopic,
                liveConfig == null ? null : liveConfig.topic, liveConfig == null ? null : configErrorsTopic());
    }

    private String configErrorsTopic() {
        return liveConfig.errorsTopic != null ? liveConfig.errorsTopic : deadLetterTopic;
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        String identity = identity();
        String group = groupId != null ? groupId : identity;
        String prefix = transactionalIdPrefix != null ? transactionalIdPrefix : identity;
        long transactionTimeout = transactionTimeout();
        Path localCheckpoints = onCluster ? null : localCheckpointDir(identity);
        Path restoreFrom = onCluster ? null : restorePoint(localCheckpoints);
        PipelineSettings settings = pipelineSettings();
        Map<String, String> clientProperties = kafka.clientProperties();
        checkBrokerTransactionCeiling(clientProperties, transactionTimeout);
        KafkaEndpoints endpoints = new KafkaEndpoints(kafka.bootstrapServers(), clientProperties)
                .transactionTimeout(transactionTimeout);
        InspectionJob job = new InspectionJob(
                endpoints.framesSource(framesTopic, group, bounded),
                endpoints.eventsSink(eventsTopic, prefix + "-events"),
                endpoints.deadLetterSink(deadLetterTopic, prefix + "-dead-letters"),
                settings);
        String configErrorsTopic = null;
        if (liveConfig != null) {
            configErrorsTopic = configErrorsTopic();
            job.withLiveConfig(endpoints.configSource(liveConfig.topic, bounded),
                    endpoints.deadLetterSink(configErrorsTopic, prefix + "-config-errors"));
        }
        // Refuse to start where an event or a dead letter could be too large for its topic (the job would loop).
        for (String warning : TopicLimits.check(kafka.bootstrapServers(), clientProperties, TopicLimits.requirements(
                settings, eventsTopic, deadLetterTopic, configErrorsTopic))) {
            System.err.println("inspect: warning: " + warning);
        }
        StreamExecutionEnvironment env = onCluster
                ? LocalFlink.clusterEnvironment(pipeline.parallelismOrNull(), checkpointIntervalMillis, checkpointDir)
                : LocalFlink.localEnvironment(pipeline.parallelism(), checkpointIntervalMillis, localCheckpoints,
                        restoreFrom);
        job.build(env);
        System.err.printf("inspect: %s -> %s (+ dead letters to %s)%s, parallelism %d%s%n", framesTopic, eventsTopic,
                deadLetterTopic, liveConfig == null ? "" : ", live configs from " + liveConfig.topic
                        + " (rejected ones to " + configErrorsTopic + ")",
                env.getParallelism(), bounded ? ", bounded" : onCluster ? "" : ", until stopped (Ctrl-C)");
        System.err.printf("inspect: job %s, consumer group %s, transactional ids %s-*, transaction timeout %d ms%n",
                jobName, group, prefix, transactionTimeout);
        if (!clientProperties.isEmpty()) {
            // secrets masked: this line ends up in the JobManager's log on a cluster
            System.err.println("inspect: Kafka client settings: " + KafkaClientSettings.describe(clientProperties));
        }
        env.execute(jobName);
        return 0;
    }

    /** The local MiniCluster's checkpoint folder, which outlives the process; created when missing. */
    private Path localCheckpointDir(String identity) throws IOException {
        Path dir = checkpointDir != null ? Path.of(checkpointDir)
                : LocalCheckpoints.defaultDirectory(identity, System.getenv());
        Files.createDirectories(dir);
        System.err.println("inspect: checkpoints in " + dir);
        return dir;
    }

    /**
     * The checkpoint --resume names, or null for a fresh start. Without --resume a retained checkpoint is reported,
     * not used: resuming is a decision (the state may belong to a different config or job version).
     */
    private Path restorePoint(Path dir) {
        if (resume == null) {
            LocalCheckpoints.latest(dir).ifPresent(retained -> System.err.println("inspect: warning: a retained "
                    + "checkpoint of an earlier run exists (" + retained + "); starting fresh from the group's "
                    + "committed offsets with an empty stream memory. Add --resume latest to continue from it."));
            return null;
        }
        Path restoreFrom;
        try {
            restoreFrom = LocalCheckpoints.resolve(resume, dir).orElse(null);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (restoreFrom == null) {
            System.err.println("inspect: no retained checkpoint in " + dir + "; starting fresh");
            return null;
        }
        // FLINK-31006 (Kafka connector 5.0): a bounded KafkaSource restored from state reads up to its stopping
        // offsets and then waits forever for a "no more splits" signal that its restored enumerator never sends.
        require(!bounded, "--bounded cannot resume from a checkpoint (" + restoreFrom + "): a bounded Kafka source "
                + "restored from state never ends (FLINK-31006). Resume without --bounded and stop the job "
                + "once it has caught up.");
        System.err.println("inspect: resuming from " + restoreFrom);
        return restoreFrom;
    }

    /**
     * Refuses a transaction timeout above the brokers' transaction.max.timeout.ms, which Flink would otherwise only
     * report as producers failing in a restart loop. A broker that does not answer (or a user without the
     * DescribeConfigs permission) is a warning: the job's own clients will say more.
     */
    private void checkBrokerTransactionCeiling(Map<String, String> clientProperties, long transactionTimeout) {
        OptionalLong ceiling;
        try {
            ceiling = TransactionTimeout.brokerMaximum(kafka.bootstrapServers(), clientProperties,
                    BROKER_CHECK_TIMEOUT);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.err.println("inspect: warning: could not read the brokers' " + TransactionTimeout.BROKER_MAX
                    + " (" + SaaCli.oneLine(e) + "); the transaction timeout of " + transactionTimeout
                    + " ms is not checked");
            return;
        }
        if (ceiling.isPresent()) {
            String problem = TransactionTimeout.checkAgainstBroker(transactionTimeout, ceiling.getAsLong());
            require(problem == null, problem);
        }
    }

    /** How long the start-time check may wait for the brokers. */
    static final Duration BROKER_CHECK_TIMEOUT = Duration.ofSeconds(20);
}
