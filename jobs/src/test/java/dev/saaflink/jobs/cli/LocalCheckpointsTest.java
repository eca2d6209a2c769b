package dev.saaflink.jobs.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalCheckpointsTest {

    @Test
    void latestIsTheNewestCompleteCheckpointOfAnyRun(@TempDir Path dir) throws Exception {
        assertThat(LocalCheckpoints.latest(dir.resolve("missing"))).isEmpty();
        assertThat(LocalCheckpoints.latest(dir)).isEmpty();
        Path older = checkpoint(dir, "job-1", "chk-40", 1_000);
        Path newer = checkpoint(dir, "job-2", "chk-3", 2_000); // a later run: lower number, written later
        Files.createDirectories(dir.resolve("job-2/chk-4")); // in progress: no _metadata yet
        Files.createDirectories(dir.resolve("job-2/shared"));
        assertThat(LocalCheckpoints.latest(dir)).contains(newer);
        assertThat(LocalCheckpoints.resolve("latest", dir)).contains(newer);
        assertThat(LocalCheckpoints.resolve(older.toString(), dir)).contains(older);
        assertThat(LocalCheckpoints.resolve(older.resolve("_metadata").toString(), dir)).contains(older);
    }

    @Test
    void aPathWithoutACompleteCheckpointIsRefused(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("job/chk-4"));
        assertThatThrownBy(() -> LocalCheckpoints.resolve(dir.resolve("job/chk-4").toString(), dir))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no complete checkpoint");
    }

    @Test
    void theDefaultFolderIsUnderTheUsersStateFolderPerJob() {
        assertThat(LocalCheckpoints.defaultDirectory("saa-inspection-0123456789", Map.of("XDG_STATE_HOME", "/s")))
                .isEqualTo(Path.of("/s/saa-flink/checkpoints/saa-inspection-0123456789"));
        assertThat(LocalCheckpoints.defaultDirectory("x", Map.of()))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".local/state/saa-flink/checkpoints/x"));
    }

    private static Path checkpoint(Path dir, String job, String name, long written) throws Exception {
        Path chk = Files.createDirectories(dir.resolve(job).resolve(name));
        Path metadata = Files.writeString(chk.resolve("_metadata"), "x");
        Files.setLastModifiedTime(metadata, FileTime.fromMillis(written));
        return chk;
    }
}
