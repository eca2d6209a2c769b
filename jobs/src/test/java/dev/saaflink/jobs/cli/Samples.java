package dev.saaflink.jobs.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's samples/ folder from wherever the tests run (the module or the root). */
final class Samples {

    private Samples() {}

    static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("samples");
            if (Files.isDirectory(candidate.resolve("mtd"))) {
                return candidate;
            }
        }
        return null;
    }

    static Path mtd() {
        Path root = root();
        return root == null ? null : root.resolve("mtd");
    }
}
