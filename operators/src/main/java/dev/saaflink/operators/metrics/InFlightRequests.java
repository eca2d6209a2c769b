package dev.saaflink.operators.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests an async stage has taken and not yet answered. Each request is keyed by the identity of its result
 * handle (Flink passes the same {@code ResultFuture} to {@code asyncInvoke} and to {@code timeout}), and
 * {@link #finish} succeeds once per {@link #start}: a worker that completes after the timeout already answered, or
 * a timeout racing a completion, cannot count a request twice. So the count never goes below zero, and it returns
 * to zero once every request has been completed or timed out.
 */
public final class InFlightRequests {
    private final Set<Key> pending = ConcurrentHashMap.newKeySet();

    /** @return false if this handle is already in flight (it is then still counted once) */
    public boolean start(Object handle) {
        return pending.add(new Key(handle));
    }

    /** @return true for the first finish of a started handle, false for any later (or unknown) one */
    public boolean finish(Object handle) {
        return pending.remove(new Key(handle));
    }

    public int count() {
        return pending.size();
    }

    /** Identity, not equals: two handles are the same request only if they are the same object. */
    private record Key(Object handle) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.handle == handle;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(handle);
        }
    }
}
