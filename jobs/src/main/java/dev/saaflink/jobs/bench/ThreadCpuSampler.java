package dev.saaflink.jobs.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Where this process's CPU time goes during a measurement, by thread group (model workers, Flink, the Kafka broker,
 * the JIT compiler, the garbage collector, ...): the breakdown that says what stands between the bare models and
 * the job. Reads {@code /proc/self/task/<tid>/stat} (Linux) once a second, keeping each thread's last value, because
 * the job's threads are gone by the time the measurement ends. Elsewhere it reports nothing.
 */
final class ThreadCpuSampler implements AutoCloseable {

    private static final Path TASKS = Path.of("/proc/self/task");
    /** Clock ticks per second of {@code stat}'s utime/stime; 100 on Linux for x86 and arm. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final Map<String, Long> baseline = new HashMap<>();
    private final Map<String, Long> latest = new HashMap<>();
    private final Map<String, String> names = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** Starts sampling now; threads that already ran count only with what they use from now on. */
    ThreadCpuSampler() {
        sample(baseline);
        thread = new Thread(() -> {
            while (running) {
                sample(latest);
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-cpu-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops sampling and returns CPU seconds per group, largest first, with a {@code total}. */
    Map<String, Double> stop(Function<String, String> grouping) {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample(latest);
        Map<String, Long> ticks = new TreeMap<>();
        latest.forEach((tid, t) -> {
            long used = t - baseline.getOrDefault(tid, 0L);
            if (used > 0) {
                ticks.merge(grouping.apply(names.get(tid)), used, Long::sum);
            }
        });
        Map<String, Double> out = new LinkedHashMap<>();
        ticks.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), round(e.getValue() / TICKS_PER_SECOND)));
        out.put("total", round(ticks.values().stream().mapToLong(Long::longValue).sum() / TICKS_PER_SECOND));
        return out;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }

    /** Thread groups of this project's job in one JVM with its broker; a thread's name tells its role. */
    static String group(String threadName) {
        String n = threadName == null ? "" : threadName;
        if (n.startsWith("samEncoder-") || n.startsWith("segmentation-") || n.startsWith("bench-model")) {
            return "modelWorkers";
        }
        if (n.startsWith("stream-context")) {
            // The task thread of the chain the keyed stream-context operator heads: it scores each frame against
            // the camera's memory (model work, which the bare loop counts under modelWorkers), besides reading the
            // frame and its embedding off the keyBy and running what is chained after it. Left in "other" it would
            // count the scoring as the job's overhead.
            return "streamContextTask";
        }
        if (n.startsWith("C1 Compiler") || n.startsWith("C2 Compiler")) {
            return "jitCompiler";
        }
        if (n.startsWith("GC Thread") || n.startsWith("G1 ")) {
            return "garbageCollector";
        }
        if (n.startsWith("kafka-producer") || n.startsWith("kafka-coordinator") || n.startsWith("Source Data Fet")) {
            return "kafkaClients";
        }
        if (n.startsWith("kafka") || n.startsWith("data-plane") || n.startsWith("quorum") || n.startsWith("raft")
                || n.startsWith("controller-") || n.startsWith("broker-") || n.startsWith("group-coordinat")
                || n.startsWith("transaction-") || n.startsWith("share-") || n.startsWith("ExpirationReaper")
                || n.startsWith("executor-")) {
            return "kafkaBroker";
        }
        if (n.startsWith("Source:") || n.startsWith("rescore-") || n.startsWith("dead-letters") || n.startsWith("split-")
                || n.startsWith("decode") || n.startsWith("sam-encoder") || n.startsWith("saliency-")
                || n.startsWith("events-sink") || n.startsWith("AsyncOperations")) {
            return "flinkTasks";
        }
        if (n.startsWith("flink") || n.startsWith("jobmanager") || n.startsWith("taskmanager")
                || n.startsWith("mini-cluster") || n.startsWith("resourcemanager") || n.startsWith("Flink")
                || n.startsWith("metrics") || n.startsWith("Checkpoint") || n.startsWith("pool-")) {
            return "flinkRuntime";
        }
        if (n.equals("java") || n.equals("main")) {
            return "mainThread";
        }
        return "other";
    }

    private void sample(Map<String, Long> into) {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
                    // "tid (comm) state ..." — comm may hold spaces and parentheses: split after the last ')'.
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
                    // The kernel reuses thread ids: a thread is its id plus its start time (stat field 22).
                    String tid = task.getFileName() + "@" + f[19];
                    into.put(tid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                    // The latest name wins: a thread sampled just after it started can still carry the JVM's
                    // default name ("java") until the JVM sets its own.
                    names.put(tid, Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII).strip());
                } catch (IOException | RuntimeException e) {
                    // the thread ended between listing and reading: its last sample stands
                }
            }
        } catch (IOException e) {
            // not Linux: nothing to report
        }
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
