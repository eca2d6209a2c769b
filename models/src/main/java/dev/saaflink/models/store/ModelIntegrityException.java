package dev.saaflink.models.store;

import java.io.IOException;

/**
 * A model file (in the cache, or inside a fetched package) does not have the sha256 or size its manifest names.
 */
public class ModelIntegrityException extends IOException {
    private static final long serialVersionUID = 1L;

    public ModelIntegrityException(String message) {
        super(message);
    }
}
