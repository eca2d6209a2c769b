package dev.saaflink.models.batching;

import java.io.Serializable;

/**
 * How a {@link MicroBatcher} gathers requests.
 *
 * @param maxBatchSize  most items in one model call (1: no batching)
 * @param maxWaitMillis longest time the first item of a batch waits for more before the batch runs anyway
 *                      (0: run whatever is queued at once)
 * @param queueCapacity most requests waiting; submitters block while it is full (backpressure)
 */
public record BatchSettings(int maxBatchSize, long maxWaitMillis, int queueCapacity) implements Serializable {

    public BatchSettings {
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be >= 1, got " + maxBatchSize);
        }
        if (maxWaitMillis < 0) {
            throw new IllegalArgumentException("maxWaitMillis must be >= 0, got " + maxWaitMillis);
        }
        if (queueCapacity < maxBatchSize) {
            throw new IllegalArgumentException("queueCapacity (" + queueCapacity + ") must be >= maxBatchSize ("
                    + maxBatchSize + ")");
        }
    }

    /** A queue four batches deep. */
    public static BatchSettings of(int maxBatchSize, long maxWaitMillis) {
        return new BatchSettings(maxBatchSize, maxWaitMillis, 4 * maxBatchSize);
    }
}
