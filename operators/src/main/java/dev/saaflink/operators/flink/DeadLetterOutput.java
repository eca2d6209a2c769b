package dev.saaflink.operators.flink;

import dev.saaflink.schemas.DeadLetter;
import org.apache.flink.util.OutputTag;

/** The side output every stage uses for frames it cannot inspect. */
public final class DeadLetterOutput {

    public static final OutputTag<DeadLetter> TAG = new OutputTag<>("dead-letters") {};

    private DeadLetterOutput() {}
}
