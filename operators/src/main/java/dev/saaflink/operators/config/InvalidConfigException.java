package dev.saaflink.operators.config;

/**
 * The inspection config is not usable. The message names the offending field by its YAML path (for
 * example {@code categories.mtd.topK}) and, when loaded from a file, the file.
 */
public class InvalidConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidConfigException(String message) {
        super(message);
    }

    public InvalidConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
