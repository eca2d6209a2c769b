package dev.saaflink.operators.flink;

import dev.saaflink.schemas.DeadLetter;
import org.apache.flink.util.OutputTag;

/** The side outputs for records the job cannot use. */
public final class DeadLetterOutput {

    /** Frames a stage cannot inspect. */
    public static final OutputTag<DeadLetter> TAG = new OutputTag<>("dead-letters") {};

    /** Rejected records of the live config topic (stage "config", reason CONFIG_INVALID). */
    public static final OutputTag<DeadLetter> CONFIG_ERRORS = new OutputTag<>("config-errors") {};

    private DeadLetterOutput() {}
}
