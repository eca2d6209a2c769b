package dev.saaflink.jobs.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ThreadCpuSamplerTest {

    @Test
    void groupsThreadsByTheirTruncatedLinuxNames() {
        // Linux keeps 15 characters of a thread name: "samEncoder-0-worker-1" reads "samEncoder-0-wo".
        assertThat(ThreadCpuSampler.group("samEncoder-0-wo")).isEqualTo("modelWorkers");
        assertThat(ThreadCpuSampler.group("segmentation-0-")).isEqualTo("modelWorkers");
        assertThat(ThreadCpuSampler.group("bench-model-1")).isEqualTo("modelWorkers");
        // "stream-context -> saliency-regions-sam-decoder -> ... (1/1)#0": scores frames, so not overhead
        assertThat(ThreadCpuSampler.group("stream-context ")).isEqualTo("streamContextTask");
        assertThat(ThreadCpuSampler.group("C2 CompilerThre")).isEqualTo("jitCompiler");
        assertThat(ThreadCpuSampler.group("GC Thread#0")).isEqualTo("garbageCollector");
        assertThat(ThreadCpuSampler.group("data-plane-kafk")).isEqualTo("kafkaBroker");
        assertThat(ThreadCpuSampler.group("kafka-producer-")).isEqualTo("kafkaClients");
        assertThat(ThreadCpuSampler.group("Source: frames ")).isEqualTo("flinkTasks");
        assertThat(ThreadCpuSampler.group("flink-pekko.act")).isEqualTo("flinkRuntime");
        assertThat(ThreadCpuSampler.group(null)).isEqualTo("other");
    }

    @Test
    void countsTheCpuOfANamedThreadInItsGroup() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        ThreadCpuSampler sampler = new ThreadCpuSampler();
        CountDownLatch burnt = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread burner = new Thread(() -> {
            long end = System.nanoTime() + 1_000_000_000L;
            double x = 0;
            while (System.nanoTime() < end) {
                x += Math.sqrt(x + 1);
            }
            burnt.countDown();
            try {
                release.await(); // stay alive so that the final sample in stop() sees all of it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (x < 0) {
                System.out.println(x);
            }
        }, "bench-model-burn");
        burner.start();
        burnt.await();
        Map<String, Double> cpu = sampler.stop(ThreadCpuSampler::group);
        release.countDown();
        burner.join();
        // 1 s of wall time busy-looping: on a loaded 2-core machine it gets part of a core, never more than one.
        assertThat(cpu.get("modelWorkers")).isGreaterThan(0.1).isLessThan(1.3);
        assertThat(cpu.get("total")).isGreaterThanOrEqualTo(cpu.get("modelWorkers"));
    }
}
