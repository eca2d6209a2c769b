package dev.saaflink.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saaflink.jobs.InspectionJobMain;
import dev.saaflink.jobs.LocalFlink;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * On a cluster the job keeps the parallelism the cluster hands it (the Kubernetes operator's {@code job.parallelism},
 * {@code flink run -p}) unless {@code --parallelism} is given; locally the default stays 1. The cluster's
 * parallelism reaches the job the way Flink's client and application mode hand it over: as the context
 * environment that {@code getExecutionEnvironment} returns.
 */
class ClusterParallelismTest {

    private static final String[] REQUIRED = {"--bootstrap-servers", "k:9092", "--frames-topic", "f",
        "--events-topic", "e", "--dead-letter-topic", "d"};

    /** Installs a context environment as Flink's cluster client does (the factory methods are protected). */
    private static final class ClusterContext extends StreamExecutionEnvironment {
        static void install(int clusterParallelism) {
            initializeContextEnvironment(conf -> {
                Configuration cluster = new Configuration(conf);
                cluster.set(CoreOptions.DEFAULT_PARALLELISM, clusterParallelism);
                return new StreamExecutionEnvironment(cluster);
            });
        }

        static void uninstall() {
            resetContextEnvironment();
        }
    }

    @AfterEach
    void resetContext() {
        ClusterContext.uninstall();
    }

    private static PipelineOptions jobOptions(String... extra) {
        List<String> args = new ArrayList<>(List.of(REQUIRED));
        args.addAll(List.of(extra));
        InspectCommand command = InspectionJobMain.parse(args.toArray(String[]::new)).getCommand();
        return command.pipeline;
    }

    @Test
    void withoutTheOptionTheJobKeepsTheClustersParallelism() {
        PipelineOptions options = jobOptions();
        assertThat(options.parallelismOrNull()).isNull();
        assertThat(options.parallelism()).as("a local run's default").isEqualTo(1);

        ClusterContext.install(4);
        StreamExecutionEnvironment env = LocalFlink.clusterEnvironment(options.parallelismOrNull(), 5000, null);
        assertThat(env.getParallelism()).isEqualTo(4);
    }

    @Test
    void theOptionWhenGivenOverridesTheCluster() {
        PipelineOptions options = jobOptions("--parallelism", "3");
        assertThat(options.parallelismOrNull()).isEqualTo(3);

        ClusterContext.install(4);
        StreamExecutionEnvironment env = LocalFlink.clusterEnvironment(options.parallelismOrNull(), 5000, null);
        assertThat(env.getParallelism()).isEqualTo(3);
    }

    @Test
    void aParallelismBelowOneIsStillAUsageError() {
        PipelineOptions options = jobOptions("--parallelism", "0");
        assertThatThrownBy(options::validate)
                .hasMessageContaining("--parallelism must be 1 or more, got 0");
    }
}
