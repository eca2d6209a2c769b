package dev.saaflink.operators.pipeline;

import dev.saaflink.operators.decode.RejectReason;

/** Why a frame left the pipeline early: the failing stage, a reason code and the last error. */
public final class StageFailure {
    public String stage;
    public RejectReason reason;
    public String errorClass;
    public String message;

    public StageFailure() {}

    public StageFailure(String stage, RejectReason reason, Throwable error) {
        this.stage = stage;
        this.reason = reason;
        this.errorClass = error.getClass().getName();
        this.message = String.valueOf(error.getMessage());
    }

    public StageFailure(String stage, RejectReason reason, String errorClass, String message) {
        this.stage = stage;
        this.reason = reason;
        this.errorClass = errorClass;
        this.message = message;
    }
}
