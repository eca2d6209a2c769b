package dev.saaflink.jobs;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Duration;

/** Execution settings shared by every way of running the job, and the in-process MiniCluster for local runs. */
public final class LocalFlink {

    private LocalFlink() {}

    /** A local MiniCluster environment with {@code parallelism} slots. */
    public static StreamExecutionEnvironment localEnvironment(int parallelism, long checkpointIntervalMillis) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        configure(env, checkpointIntervalMillis);
        return env;
    }

    /**
     * Checkpointing (the transactional sinks commit on it) and object reuse: records pass between chained
     * operators without a defensive copy; no function here keeps or mutates an input after emitting it.
     */
    public static void configure(StreamExecutionEnvironment env, long checkpointIntervalMillis) {
        env.enableCheckpointing(checkpointIntervalMillis, CheckpointingMode.EXACTLY_ONCE);
        env.getConfig().enableObjectReuse();
    }
}
