package dev.saaflink.models.batching;

import java.util.List;

/**
 * One model call on a batch: returns one result per item, in the items' order. Throwing fails every item of the
 * batch.
 */
@FunctionalInterface
public interface BatchFunction<I, O> {
    List<O> apply(List<I> items) throws Exception;
}
