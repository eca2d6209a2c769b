package dev.saaflink.models.batching;

/**
 * Told, on the batcher's thread, how one submitted item was served; lets each caller (e.g. each Flink subtask)
 * record the batching metrics of its own items.
 */
@FunctionalInterface
public interface BatchObserver {
    BatchObserver NONE = (batchSize, queueWaitNanos, inferenceNanos, failed) -> { };

    /**
     * @param batchSize      items in the model call this item was part of
     * @param queueWaitNanos time from submit to the start of that call
     * @param inferenceNanos duration of that call
     * @param failed         whether the call threw
     */
    void served(int batchSize, long queueWaitNanos, long inferenceNanos, boolean failed);
}
