package dev.saaflink.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saaflink.jobs.InspectionJobMain;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

/**
 * The options of issue 16's fan-out as the command line hands them to the job: the cluster entry point takes GPU
 * indexes from the TaskManagers' external resources while {@code saa inspect} keeps {@code --device-id}, and
 * {@code --join-timeout-ms} reaches the settings (0 = twice the model timeout).
 */
class FanOutOptionsTest {

    private static final List<String> REQUIRED = List.of("--bootstrap-servers", "k:9092", "--frames-topic", "f",
            "--events-topic", "e", "--dead-letter-topic", "d");

    private static String[] args(String... extra) {
        List<String> args = new ArrayList<>(REQUIRED);
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private static InspectCommand local(String... extra) {
        CommandLine cl = new CommandLine(new InspectCommand());
        cl.parseArgs(args(extra));
        return cl.getCommand();
    }

    @Test
    void onAClusterTheGpuIndexComesFromTheTaskManagerLocallyFromDeviceId() throws Exception {
        InspectCommand cluster = InspectionJobMain.parse(args("--execution-provider", "cuda")).getCommand();
        assertThat(cluster.pipelineSettings().gpuFromExternalResource).isTrue();
        PipelineSettings inspect = local("--execution-provider", "cuda", "--device-id", "1").pipelineSettings();
        assertThat(inspect.gpuFromExternalResource).isFalse();
        assertThat(inspect.deviceId).isEqualTo(1);
    }

    @Test
    void theJoinTimeoutReachesTheSettings() throws Exception {
        PipelineSettings byDefault = local("--model-timeout-ms", "5000").pipelineSettings();
        assertThat(byDefault.joinTimeoutMillis).isZero();
        assertThat(byDefault.effectiveJoinTimeoutMillis()).isEqualTo(10_000);
        assertThat(local("--join-timeout-ms", "750").pipelineSettings().effectiveJoinTimeoutMillis()).isEqualTo(750);
        assertThatThrownBy(() -> local("--join-timeout-ms", "-1").pipelineSettings())
                .hasMessageContaining("--join-timeout-ms");
    }
}
