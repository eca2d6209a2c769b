package dev.saaflink.jobs;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Execution settings shared by every way of running the job: the in-process MiniCluster for local runs, and the
 * environment a real cluster hands to the job jar's main.
 */
public final class LocalFlink {

    /** A few failed checkpoints (e.g. a slow one under load) must not fail the job; the next one catches up. */
    static final int TOLERABLE_CHECKPOINT_FAILURES = 3;

    private LocalFlink() {}

    /**
     * A local MiniCluster environment with {@code parallelism} slots, checkpointing to files under
     * {@code checkpointDir}. File checkpoints, not the JobManager's heap: the async operators checkpoint their
     * in-flight frames, pixels and SAM embeddings included (about 4 MB each), above the heap storage's 5 MB cap.
     */
    public static StreamExecutionEnvironment localEnvironment(int parallelism, long checkpointIntervalMillis,
                                                              Path checkpointDir) {
        return localEnvironment(parallelism, checkpointIntervalMillis, checkpointDir, null);
    }

    /**
     * As above, for a job that must survive its own process: the latest checkpoint stays on disk when the job fails,
     * is cancelled or the process dies (only a job that finishes deletes it), and with {@code restoreFrom} (a
     * checkpoint or savepoint folder; null for a fresh start) the job starts from that state: source offsets, open
     * transactions, keyed state such as the stream memory. The restored checkpoint is claimed: the new job owns it
     * and deletes it once a newer one completes, so crashed runs do not pile up checkpoints.
     */
    public static StreamExecutionEnvironment localEnvironment(int parallelism, long checkpointIntervalMillis,
                                                              Path checkpointDir, Path restoreFrom) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (restoreFrom != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom.toUri().toString());
            conf.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
        }
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir.toUri().toString());
        rocksDbIncremental(conf);
        changelog(conf, checkpointDir);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        configure(env, checkpointIntervalMillis);
        return env;
    }

    /**
     * Keyed state in RocksDB with incremental checkpoints (issue 14): the stream memory is one map entry per memory
     * frame, so a frame writes one slot, and an incremental checkpoint uploads only the SST files written since the
     * previous one: a checkpoint costs about the frames of its interval, not cameras × memory size as a full
     * snapshot of the heap backend does. RocksDB rather than ForSt: ForSt (new in Flink 2.0, state kept on a DFS)
     * pays off for state too large for the TaskManagers' local disks, which a few MB per camera is not; RocksDB's
     * incremental checkpoints are the long-proven answer at this size. A cluster sets
     * the same two keys in its config.yaml (deploy/README.md).
     */
    public static void rocksDbIncremental(Configuration conf) {
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
    }

    /**
     * Flink's changelog state backend over RocksDB: a checkpoint uploads the state changes since the last one (here
     * the slots the interval's frames wrote), and RocksDB's own incremental snapshot is taken in the background every
     * 10 minutes (materialisation). Measured (README, "Measured"): with 64 cameras at 4 frames per checkpoint, RocksDB
     * alone uploads 58 MB per checkpoint, mostly compaction output, since every flush covers the whole key space;
     * with the changelog 2.1 MB, the four frames' slots. The changes are kept under {@code checkpointDir/changelog}.
     */
    public static void changelog(Configuration conf, Path checkpointDir) {
        conf.setString("state.changelog.enabled", "true");
        conf.setString("state.changelog.storage", "filesystem");
        conf.setString("dstl.dfs.base-path", checkpointDir.resolve("changelog").toUri().toString());
    }

    /**
     * The environment of the cluster the job was submitted to ({@code flink run}, application mode, the Kubernetes
     * operator). Restart strategy, checkpoint storage and state backend come from the cluster's config.yaml;
     * {@code checkpointDir}, when given, overrides the cluster's checkpoint directory for this job only;
     * {@code parallelism}, when given, overrides the cluster's (null keeps what the cluster hands the job, e.g. the
     * operator's {@code job.parallelism}).
     */
    public static StreamExecutionEnvironment clusterEnvironment(Integer parallelism, long checkpointIntervalMillis,
                                                                String checkpointDir) {
        Configuration conf = new Configuration();
        if (checkpointDir != null) {
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        if (parallelism != null) {
            env.setParallelism(parallelism);
        }
        configure(env, checkpointIntervalMillis);
        return env;
    }

    /**
     * Checkpointing (the transactional sinks commit on it) and object reuse: records pass between chained
     * operators without a defensive copy; no function here keeps or mutates an input after emitting it.
     */
    public static void configure(StreamExecutionEnvironment env, long checkpointIntervalMillis) {
        env.enableCheckpointing(checkpointIntervalMillis, CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig().setTolerableCheckpointFailureNumber(TOLERABLE_CHECKPOINT_FAILURES);
        env.getConfig().enableObjectReuse();
    }
}
