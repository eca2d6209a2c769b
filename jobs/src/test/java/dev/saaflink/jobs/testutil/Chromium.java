package dev.saaflink.jobs.testutil;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Finds Debian's headless Chromium for the browser tests (the evaluation report, the live view) and holds the flags
 * every test starts it with: no sandbox (tests run as root), no GPU, and none of the background connections that
 * this machine's closed network refuses at every start.
 */
public final class Chromium {

    /** Flags for a headless run on a machine without a display or network beyond loopback. */
    public static final List<String> HEADLESS_FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
            "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage");

    private Chromium() {}

    /** Debian's /usr/bin/chromium, or chromium on the PATH, or null. */
    public static Path locate() {
        Path debian = Paths.get("/usr/bin/chromium");
        if (Files.isExecutable(debian)) {
            return debian;
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Paths.get(dir, "chromium");
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    /**
     * The browser, or the test is skipped saying why; with {@code SAA_REQUIRE_CHROMIUM=1} (as in CI) a missing browser
     * fails the test instead.
     *
     * @param what what the skipped test would have checked, for the skip message
     */
    public static Path locateOrSkip(String what) {
        Path chromium = locate();
        if (chromium == null) {
            if ("1".equals(System.getenv("SAA_REQUIRE_CHROMIUM"))) {
                fail("SAA_REQUIRE_CHROMIUM=1 but neither /usr/bin/chromium nor chromium on PATH exists:"
                        + " install Debian's chromium package (apt-get install -y chromium)");
            }
            Assumptions.abort("no /usr/bin/chromium and no chromium on PATH: skipping " + what
                    + " (install Debian's chromium package, or set SAA_REQUIRE_CHROMIUM=1 to make this a failure)");
        }
        return chromium;
    }
}
