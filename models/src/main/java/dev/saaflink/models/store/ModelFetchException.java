package dev.saaflink.models.store;

import java.io.IOException;

/**
 * A model file is not in the cache and could not be fetched. The message says how to provide it by hand.
 */
public class ModelFetchException extends IOException {
    private static final long serialVersionUID = 1L;

    public ModelFetchException(String message, Throwable cause) {
        super(message, cause);
    }
}
