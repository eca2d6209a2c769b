package dev.saaflink.jobs.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real standalone Flink session cluster for a test, started and stopped with the very script users run
 * ({@code deploy/standalone/cluster.sh}, which {@code ./saa cluster} calls): one JobManager and N TaskManagers, each
 * its own JVM, in a home folder of the test's. Kafka is the test's in-process broker ({@code --no-kafka}).
 */
public final class StandaloneClusterFixture implements AutoCloseable {

    private final Path repo;
    private final Path home;
    private final int restPort;

    private StandaloneClusterFixture(Path repo, Path home, int restPort) {
        this.repo = repo;
        this.home = home;
        this.restPort = restPort;
    }

    /**
     * Starts the cluster and returns once the script reports every TaskManager registered.
     *
     * @param conf extra Flink settings, {@code key=value}
     */
    public static StandaloneClusterFixture start(Path repo, Path home, int taskManagers, int slots, String... conf) {
        int restPort = freePort();
        StandaloneClusterFixture cluster = new StandaloneClusterFixture(repo, home, restPort);
        List<String> args = new ArrayList<>(List.of("start", "--home", home.toString(), "--no-kafka",
                "--taskmanagers", String.valueOf(taskManagers), "--slots", String.valueOf(slots),
                "--rest-port", String.valueOf(restPort)));
        for (String c : conf) {
            args.add("--conf");
            args.add(c);
        }
        try {
            cluster.script(args, 240);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    public String restUrl() {
        return "http://localhost:" + restPort;
    }

    public Path home() {
        return home;
    }

    /** The pids of the running TaskManagers, from the script's pid files. */
    public List<Long> taskManagerPids() {
        try (Stream<Path> files = Files.list(home.resolve("pids"))) {
            List<Long> pids = new ArrayList<>();
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("taskmanager")).sorted().toList()) {
                long pid = Long.parseLong(Files.readString(f).trim());
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    pids.add(pid);
                }
            }
            return pids;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL, as when the machine or the JVM dies: no shutdown hook, no goodbye to the JobManager. */
    public void killTaskManager(long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-9", String.valueOf(pid)).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -9 " + pid + " failed");
        }
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
    }

    /** The last lines of every log of the cluster, for a failing test's message. */
    public String logTails(int lines) {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> logs = Files.list(home.resolve("log"))) {
            for (Path log : logs.sorted().toList()) {
                List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
                sb.append("==> ").append(log.getFileName()).append('\n');
                all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> sb.append(l).append('\n'));
            }
        } catch (IOException | UncheckedIOException e) {
            sb.append("(logs unreadable: ").append(e).append(")\n");
        }
        return sb.toString();
    }

    /** Stops every process of the cluster (the script's stop: SIGTERM, then SIGKILL after a grace period). */
    @Override
    public void close() {
        script(List.of("stop", "--home", home.toString()), 120);
    }

    private void script(List<String> args, int timeoutSeconds) {
        List<String> command = new ArrayList<>(List.of("bash", repo.resolve("deploy/standalone/cluster.sh").toString()));
        command.addAll(args);
        try {
            Path out = Files.createTempFile(home.getParent(), "cluster-script-", ".log");
            Process p = new ProcessBuilder(command).directory(repo.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            String output = Files.readString(out);
            System.out.println("cluster.sh " + String.join(" ", args) + "\n" + output);
            if (!done) {
                p.destroyForcibly();
                throw new IllegalStateException("cluster.sh " + args.get(0) + " did not finish in " + timeoutSeconds
                        + " s:\n" + output);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("cluster.sh " + args.get(0) + " failed (exit " + p.exitValue()
                        + "):\n" + output + "\n" + logTails(40));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
