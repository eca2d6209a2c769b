package dev.saaflink.jobs.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ThreadCpuSamplerTest {

    @Test
    void groupsThreadsByTheirTruncatedLinuxNames() {
        // Linux keeps 15 characters of a thread name: "samEncoder-0-worker-1" reads "samEncoder-0-wo".
        assertThat(ThreadCpuSampler.group("samEncoder-0-wo")).isEqualTo("modelWorkers");
        assertThat(ThreadCpuSampler.group("segmentation-0-")).isEqualTo("modelWorkers");
        assertThat(ThreadCpuSampler.group("bench-model-1")).isEqualTo("modelWorkers");
        assertThat(ThreadCpuSampler.group("C2 CompilerThre")).isEqualTo("jitCompiler");
        assertThat(ThreadCpuSampler.group("GC Thread#0")).isEqualTo("garbageCollector");
        assertThat(ThreadCpuSampler.group("data-plane-kafk")).isEqualTo("kafkaBroker");
        assertThat(ThreadCpuSampler.group("kafka-producer-")).isEqualTo("kafkaClients");
        assertThat(ThreadCpuSampler.group("Source: frames ")).isEqualTo("flinkTasks");
        assertThat(ThreadCpuSampler.group("flink-pekko.act")).isEqualTo("flinkRuntime");
        assertThat(ThreadCpuSampler.group(null)).isEqualTo("other");
    }

    @Test
    void countsTheCpuAThreadBurnsEvenAfterItEnded() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        ThreadCpuSampler sampler = new ThreadCpuSampler();
        Thread burner = new Thread(() -> {
            long end = System.nanoTime() + 1_500_000_000L;
            double x = 0;
            while (System.nanoTime() < end) {
                x += Math.sqrt(x + 1);
            }
            if (x < 0) {
                System.out.println(x);
            }
        }, "bench-model-burn");
        burner.start();
        burner.join();
        Thread.sleep(1_200);
        Map<String, Double> cpu = sampler.stop(ThreadCpuSampler::group);
        // The thread is gone, so it counts with its last sample (taken about a second into its 1.5 s): some of its
        // CPU, on a loaded 2-core machine, and never more than its wall time.
        assertThat(cpu.get("modelWorkers")).isGreaterThan(0.3).isLessThan(1.8);
        assertThat(cpu.get("total")).isGreaterThanOrEqualTo(cpu.get("modelWorkers"));
    }
}
