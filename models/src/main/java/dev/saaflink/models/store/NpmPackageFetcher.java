package dev.saaflink.models.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a package tarball with {@code npm pack <pkg>@<version> --pack-destination <dir>}. Nothing is installed
 * and no package scripts run ({@code --ignore-scripts}); npm only downloads the tarball from its registry.
 *
 * <p>The npm executable is {@code npm} from the PATH unless the system property {@code saa.npm} names another.
 */
public final class NpmPackageFetcher implements PackageFetcher {

    private static final Logger LOG = LoggerFactory.getLogger(NpmPackageFetcher.class);

    /** Default time allowed for one {@code npm pack}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(180);

    private final String npmCommand;
    private final Duration timeout;

    public NpmPackageFetcher() {
        this(System.getProperty("saa.npm", "npm"), DEFAULT_TIMEOUT);
    }

    public NpmPackageFetcher(String npmCommand, Duration timeout) {
        this.npmCommand = npmCommand;
        this.timeout = timeout;
    }

    @Override
    public Path fetch(String packageName, String version, Path destDir) throws IOException {
        String spec = packageName + "@" + version;
        List<String> cmd = new ArrayList<>(List.of(npmCommand, "pack", spec, "--pack-destination",
                destDir.toAbsolutePath().toString(), "--ignore-scripts"));
        Path log = Files.createTempFile("saa-npm-pack-", ".log");
        try {
            LOG.info("Fetching npm package {}: {}", spec, String.join(" ", cmd));
            long t0 = System.nanoTime();
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(destDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Process proc;
            try {
                proc = pb.start();
            } catch (IOException e) {
                throw new IOException("cannot run '" + npmCommand + "' (is npm installed and on the PATH? "
                        + "the system property saa.npm can name the executable): " + e.getMessage(), e);
            }
            boolean done;
            try {
                done = proc.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                kill(proc);
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for npm pack " + spec, e);
            }
            if (!done) {
                kill(proc);
                throw new IOException("npm pack " + spec + " did not finish within " + timeout.toMillis()
                        + " ms (registry unreachable?); npm said:\n" + tail(log));
            }
            int rc = proc.exitValue();
            if (rc != 0) {
                throw new IOException("npm pack " + spec + " failed with exit code " + rc + "; npm said:\n" + tail(log));
            }
            Path tgz;
            try (Stream<Path> files = Files.list(destDir)) {
                List<Path> tgzs = files.filter(f -> f.getFileName().toString().endsWith(".tgz")).toList();
                if (tgzs.size() != 1) {
                    throw new IOException("npm pack " + spec + " exited 0 but left " + tgzs.size()
                            + " .tgz files in " + destDir + "; npm said:\n" + tail(log));
                }
                tgz = tgzs.get(0);
            }
            LOG.info("Fetched {} ({} bytes) in {} ms", tgz.getFileName(), Files.size(tgz),
                    (System.nanoTime() - t0) / 1_000_000);
            return tgz;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static void kill(Process proc) {
        proc.descendants().forEach(ProcessHandle::destroyForcibly);
        proc.destroyForcibly();
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8).strip();
            return s.length() <= 2000 ? s : "..." + s.substring(s.length() - 2000);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return "npm pack via '" + npmCommand + "'";
    }
}
