package dev.saaflink.models.runtime;

import java.util.concurrent.CancellationException;

/**
 * A model call stopped because its {@link ModelCall} was cancelled (the caller stopped waiting for it, e.g. after a
 * stage timeout). It is not a model failure: nobody is waiting for the result, so it must not be retried nor reported
 * as one.
 */
public final class ModelCallCancelledException extends CancellationException {
    private static final long serialVersionUID = 1L;

    public ModelCallCancelledException(String message) {
        super(message);
    }

    public ModelCallCancelledException(String message, Throwable cause) {
        super(message);
        initCause(cause);
    }
}
