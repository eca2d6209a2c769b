package dev.saaflink.operators.decode;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The labelled development data in {@code ../shared/data}, beside the repository (on a developer's machine and in
 * CI, which clones the repository with {@code shared/} next to it). Found from the repository root, which is looked
 * up from the working directory (Maven runs a module's tests in the module folder), so no path is absolute.
 */
public final class SharedData {
    private SharedData() {}

    /**
     * The data set {@code name} (e.g. {@code mtd}) under {@code ../shared/data}; skips the calling test with a
     * message saying where it looked when the folder is absent.
     */
    public static Path require(String name) {
        Path root = repositoryRoot();
        assumeTrue(root != null, "no repository root (a folder with pom.xml and .git) above "
                + Path.of("").toAbsolutePath() + "; skipping the test that needs ../shared/data/" + name);
        Path dir = root.resolve("../shared/data").resolve(name).normalize();
        assumeTrue(Files.isDirectory(dir), "shared data '" + name + "' not found at " + dir
                + " (../shared/data beside the repository); skipping");
        return dir;
    }

    /** The nearest folder at or above the working directory that holds both pom.xml and .git; null if none. */
    static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("pom.xml")) && Files.exists(p.resolve(".git"))) {
                return p;
            }
        }
        return null;
    }
}
