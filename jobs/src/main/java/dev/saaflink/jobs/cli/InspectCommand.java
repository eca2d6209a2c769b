package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.InspectionJob;
import dev.saaflink.jobs.KafkaEndpoints;
import dev.saaflink.jobs.LocalFlink;
import dev.saaflink.jobs.kafka.KafkaClientSettings;
import dev.saaflink.jobs.kafka.TopicLimits;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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

    @Option(names = "--group-id", defaultValue = "saa-inspection",
            description = "Consumer group of the frames source (default: ${DEFAULT-VALUE}).")
    String groupId;

    @Option(names = "--transactional-id-prefix", defaultValue = "saa-inspection",
            description = "Prefix of the sinks' Kafka transactional ids; unique per job (default: ${DEFAULT-VALUE}).")
    String transactionalIdPrefix;

    @Option(names = "--checkpoint-interval-ms", defaultValue = "5000",
            description = "Checkpoint interval; events become visible to read_committed readers on each checkpoint "
                    + "(default: ${DEFAULT-VALUE}).")
    long checkpointIntervalMillis;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR|URI",
            description = "Where checkpoints go (default: a new folder under the system temp dir; on a cluster, the "
                    + "cluster's execution.checkpointing.dir; there a URI such as s3://bucket/path).")
    String checkpointDir;

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
        require(!groupId.isBlank(), "--group-id must not be empty");
        require(!transactionalIdPrefix.isBlank(), "--transactional-id-prefix must not be empty");
        require(checkpointIntervalMillis >= MIN_CHECKPOINT_INTERVAL_MS, "--checkpoint-interval-ms must be "
                + MIN_CHECKPOINT_INTERVAL_MS + " or more, got " + checkpointIntervalMillis);
        require(checkpointDir == null || !checkpointDir.isBlank(), "--checkpoint-dir must not be empty");
        if (liveConfig != null) {
            require(!liveConfig.topic.isBlank(), "--config-topic must not be empty");
            require(liveConfig.errorsTopic == null || !liveConfig.errorsTopic.isBlank(),
                    "--config-errors-topic must not be empty");
        }
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        PipelineSettings settings = pipeline.settings();
        Map<String, String> clientProperties = kafka.clientProperties();
        KafkaEndpoints endpoints = new KafkaEndpoints(kafka.bootstrapServers(), clientProperties);
        InspectionJob job = new InspectionJob(
                endpoints.framesSource(framesTopic, groupId, bounded),
                endpoints.eventsSink(eventsTopic, transactionalIdPrefix + "-events"),
                endpoints.deadLetterSink(deadLetterTopic, transactionalIdPrefix + "-dead-letters"),
                settings);
        String configErrorsTopic = null;
        if (liveConfig != null) {
            configErrorsTopic = liveConfig.errorsTopic != null ? liveConfig.errorsTopic : deadLetterTopic;
            job.withLiveConfig(endpoints.configSource(liveConfig.topic, bounded),
                    endpoints.deadLetterSink(configErrorsTopic, transactionalIdPrefix + "-config-errors"));
        }
        // Refuse to start where an event or a dead letter could be too large for its topic (the job would loop).
        for (String warning : TopicLimits.check(kafka.bootstrapServers(), clientProperties, TopicLimits.requirements(
                settings, eventsTopic, deadLetterTopic, configErrorsTopic))) {
            System.err.println("inspect: warning: " + warning);
        }
        StreamExecutionEnvironment env = onCluster
                ? LocalFlink.clusterEnvironment(pipeline.parallelismOrNull(), checkpointIntervalMillis, checkpointDir)
                : LocalFlink.localEnvironment(pipeline.parallelism(), checkpointIntervalMillis,
                        checkpointDir != null ? Path.of(checkpointDir) : Files.createTempDirectory("saa-checkpoints-"));
        job.build(env);
        System.err.printf("inspect: %s -> %s (+ dead letters to %s)%s, parallelism %d%s%n", framesTopic, eventsTopic,
                deadLetterTopic, liveConfig == null ? "" : ", live configs from " + liveConfig.topic
                        + " (rejected ones to " + configErrorsTopic + ")",
                env.getParallelism(), bounded ? ", bounded" : onCluster ? "" : ", until stopped (Ctrl-C)");
        if (!clientProperties.isEmpty()) {
            // secrets masked: this line ends up in the JobManager's log on a cluster
            System.err.println("inspect: Kafka client settings: " + KafkaClientSettings.describe(clientProperties));
        }
        env.execute("saa-inspection");
        return 0;
    }
}
