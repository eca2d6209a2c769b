package dev.saaflink.operators.config;

import java.io.Serializable;
import java.util.Objects;

/**
 * One GroundingDINO defect prompt with its property-filter word: boxes whose decoded phrase contains the
 * filter word are dropped, because they name the object itself rather than a defect (reference §5.4, §8).
 * Immutable.
 */
public final class PromptSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String text;
    private final String filterWord;

    /** @throws InvalidConfigException if either part is blank */
    public PromptSpec(String text, String filterWord) {
        if (text == null || text.isBlank()) {
            throw new InvalidConfigException("prompt text must not be empty");
        }
        if (filterWord == null || filterWord.isBlank()) {
            throw new InvalidConfigException("filterWord of prompt '" + text + "' must not be empty");
        }
        this.text = text;
        this.filterWord = filterWord;
    }

    /** The prompt as given to GroundingDINO, e.g. {@code "black hole. blow hole."}. */
    public String getText() {
        return text;
    }

    /** The word whose presence in a box phrase drops the box, e.g. {@code "mtd"}. */
    public String getFilterWord() {
        return filterWord;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PromptSpec p && text.equals(p.text) && filterWord.equals(p.filterWord);
    }

    @Override
    public int hashCode() {
        return Objects.hash(text, filterWord);
    }

    @Override
    public String toString() {
        return "[" + text + " | " + filterWord + "]";
    }
}
