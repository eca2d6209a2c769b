package dev.saaflink.jobs.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checkpoints {@code saa inspect} keeps on local disk, and finding the one to resume from.
 *
 * <p>Flink writes a job's checkpoints to {@code <dir>/<flink-job-id>/chk-<n>/}; a checkpoint is complete once its
 * {@code _metadata} file exists (Flink writes it last). Every run gets a new Flink job id, so the folder holds one
 * sub-folder per run that left checkpoints behind (a crash, a kill, Ctrl-C); the newest complete one, by the time its
 * {@code _metadata} was written, is the latest state of the job.
 */
public final class LocalCheckpoints {

    private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");

    private LocalCheckpoints() {}

    /**
     * The default folder of a job's checkpoints: {@code $XDG_STATE_HOME/saa-flink/checkpoints/<identity>}, where
     * XDG_STATE_HOME defaults to {@code ~/.local/state}. Under the user's state folder, not the temp folder: a reboot
     * may clear the temp folder, and the checkpoints are what a resume after a crash needs.
     */
    public static Path defaultDirectory(String identity, Map<String, String> environment) {
        String state = environment.get("XDG_STATE_HOME");
        Path base = state != null && !state.isBlank() ? Path.of(state)
                : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("saa-flink").resolve("checkpoints").resolve(identity);
    }

    /** The newest complete checkpoint under {@code dir} (any job id), if there is one. */
    public static Optional<Path> latest(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> jobs = Files.list(dir)) {
            return jobs.filter(Files::isDirectory)
                    .flatMap(LocalCheckpoints::completeCheckpoints)
                    .max(Comparator.comparing(LocalCheckpoints::written).thenComparing(LocalCheckpoints::number));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + dir, e);
        }
    }

    /**
     * What {@code --resume} names: {@code latest} (the newest complete checkpoint under {@code dir}; empty when there
     * is none, which means a fresh start), or a checkpoint or savepoint folder (or its {@code _metadata} file).
     *
     * @throws IllegalArgumentException when a path was given that holds no complete checkpoint
     */
    public static Optional<Path> resolve(String resume, Path dir) {
        if ("latest".equals(resume)) {
            return latest(dir);
        }
        Path given = Path.of(resume);
        Path folder = given.getFileName() != null && given.getFileName().toString().equals("_metadata")
                ? given.getParent() : given;
        if (folder == null || !Files.isRegularFile(folder.resolve("_metadata"))) {
            throw new IllegalArgumentException("--resume " + resume + ": no complete checkpoint there (a chk-N or "
                    + "savepoint folder with a _metadata file), or 'latest'");
        }
        return Optional.of(folder.toAbsolutePath());
    }

    private static Stream<Path> completeCheckpoints(Path jobDir) {
        try (Stream<Path> children = Files.list(jobDir)) {
            return children.filter(p -> CHECKPOINT.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve("_metadata")))
                    .toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + jobDir, e);
        }
    }

    private static FileTime written(Path checkpoint) {
        try {
            return Files.getLastModifiedTime(checkpoint.resolve("_metadata"));
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static long number(Path checkpoint) {
        Matcher m = CHECKPOINT.matcher(checkpoint.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
