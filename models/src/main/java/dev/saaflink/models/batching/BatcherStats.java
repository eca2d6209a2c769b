package dev.saaflink.models.batching;

/**
 * A snapshot of a {@link MicroBatcher}'s counters since it started.
 *
 * @param batches              model calls made
 * @param items                items served (successfully or not)
 * @param failedBatches        model calls that threw
 * @param batchSizeCounts      {@code batchSizeCounts[n]}: calls with n items (index 0 unused)
 * @param queueWaitNanosTotal  sum over items of the time from submit to the start of their call
 * @param queueWaitNanosMax    the longest such wait
 * @param inferenceNanosTotal  sum over calls of the call's duration
 * @param inferenceNanosMax    the longest call
 * @param effectiveMaxBatch    the batch size actually used (1 where the model's graph has a fixed batch of 1)
 * @param queued               requests waiting right now
 */
public record BatcherStats(long batches, long items, long failedBatches, long[] batchSizeCounts,
                           long queueWaitNanosTotal, long queueWaitNanosMax, long inferenceNanosTotal,
                           long inferenceNanosMax, int effectiveMaxBatch, int queued) {

    public double meanBatchSize() {
        return batches == 0 ? 0 : (double) items / batches;
    }

    public double meanQueueWaitMillis() {
        return items == 0 ? 0 : queueWaitNanosTotal / 1e6 / items;
    }

    public double meanInferenceMillis() {
        return batches == 0 ? 0 : inferenceNanosTotal / 1e6 / batches;
    }
}
