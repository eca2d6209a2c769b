package dev.saaflink.operators.flink;

import org.apache.flink.util.ExceptionUtils;

/**
 * Which throwables a per-frame catch must let through. A frame whose processing throws becomes a dead letter, so one
 * bad frame cannot restart the job on itself forever; but an error that means the JVM itself is broken is no fault of
 * the frame, and dead-lettering every frame from then on would hide it: those propagate, fail the task, and Flink's
 * restart (or the TaskManager's OOM handling) deals with them.
 *
 * <p>Fatal: {@link OutOfMemoryError}, {@link InternalError}, {@link UnknownError}, {@link ThreadDeath} (Flink's
 * {@code isJvmFatalOrOutOfMemoryError}) and {@link LinkageError} (a class missing or incompatible on the classpath:
 * every frame would fail the same way). Not fatal: {@link StackOverflowError} (a recursion too deep for one frame's
 * data; the stack is unwound by the time it is caught), {@link AssertionError} and every {@link Exception}.
 */
public final class FatalErrors {
    private FatalErrors() {}

    public static boolean isFatal(Throwable t) {
        return isJvmFatal(t) || t instanceof LinkageError;
    }

    /**
     * Only what means the JVM itself is broken (out of memory, {@link InternalError}, {@link UnknownError},
     * {@link ThreadDeath}), not {@link LinkageError}. The model stages use this: their sessions are loaded at open, so a
     * {@code LinkageError} (an {@link UnsatisfiedLinkError}) from inside one model call is that call's failure, retried
     * and then dead-lettered like any other.
     */
    public static boolean isJvmFatal(Throwable t) {
        return ExceptionUtils.isJvmFatalOrOutOfMemoryError(t);
    }

    /** Rethrows {@code t} when it is fatal; returns otherwise. */
    public static void rethrowIfFatal(Throwable t) {
        if (t instanceof Error e && isFatal(e)) { // every fatal throwable is an Error
            throw e;
        }
    }
}
