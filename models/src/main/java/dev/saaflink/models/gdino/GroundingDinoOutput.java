package dev.saaflink.models.gdino;

/**
 * Raw GroundingDINO outputs of one forward pass for a batch of one: {@code pred_logits} {@code [queries x positions]}
 * (pre-sigmoid, row-major) and {@code pred_boxes} {@code [queries x 4]} (normalised cx, cy, w, h).
 */
public record GroundingDinoOutput(float[] logits, float[] boxes, int queries, int positions) {

    public GroundingDinoOutput {
        if (queries <= 0 || positions <= 0) {
            throw new IllegalArgumentException("queries and positions must be positive, got " + queries + "x" + positions);
        }
        if (logits.length != (long) queries * positions) {
            throw new IllegalArgumentException("logits hold " + logits.length + " values, expected " + queries + "x"
                    + positions);
        }
        if (boxes.length != (long) queries * 4) {
            throw new IllegalArgumentException("boxes hold " + boxes.length + " values, expected " + queries + "x4");
        }
    }
}
