package dev.saaflink.models.sam;

import java.io.Serializable;

/**
 * How the SAM encoder graph is rewritten in memory before its session is built (issue 16's CPU levers): the input
 * side ({@link EncoderInputSize}; {@code 0} keeps the manifest's, e.g. 1024) and int8 weights for the linear layers
 * ({@link EncoderInt8}). The file on disk and its hash stay as they are. {@link #asExported()} is today's path.
 *
 * @param inputSize square input side in pixels, a multiple of 16, or 0 for the exported size
 * @param int8      whether the constant-weight MatMuls run as {@code DynamicQuantizeMatMul} with int8 weights
 */
public record EncoderVariant(int inputSize, boolean int8) implements Serializable {

    public EncoderVariant {
        if (inputSize != 0 && (inputSize % 16 != 0 || inputSize < 112 || inputSize > EncoderInputSize.EXPORTED)) {
            throw new IllegalArgumentException("encoder input size must be 0 (as exported) or a multiple of 16 in"
                    + " [112, " + EncoderInputSize.EXPORTED + "], got " + inputSize);
        }
    }

    /** The encoder as the file has it (1024 input, fp32): today's path. */
    public static EncoderVariant asExported() {
        return new EncoderVariant(0, false);
    }

    /** Whether the graph is used as it is. */
    public boolean isAsExported() {
        return (inputSize == 0 || inputSize == EncoderInputSize.EXPORTED) && !int8;
    }

    /** The model frame side for a manifest whose {@code input.size} is {@code exported}. */
    public int sizeFor(int exported) {
        return inputSize == 0 ? exported : inputSize;
    }

    /** The session variant name (part of the session-sharing key), e.g. {@code "in512-int8"}. */
    public String key() {
        return "in" + inputSize + (int8 ? "-int8" : "");
    }

    /** The rewritten model bytes. */
    public byte[] apply(byte[] model) {
        byte[] m = inputSize == 0 ? model : EncoderInputSize.rewrite(model, inputSize);
        return int8 ? EncoderInt8.rewrite(m) : m;
    }

    /** One line for logs and reports, e.g. {@code "512 px, int8"}. */
    public String describe() {
        return (inputSize == 0 ? "as exported" : inputSize + " px") + (int8 ? ", int8 MatMul" : ", fp32");
    }
}
