package dev.saaflink.operators.config;

import java.util.Locale;

/** An enum constant with the name it has in the inspection YAML, e.g. {@code groundingdino}. */
public interface YamlNamed {

    String yamlName();

    /** The constant of {@code type} whose YAML name is {@code name} (case-insensitive, trimmed), or null. */
    static <E extends Enum<E> & YamlNamed> E parse(Class<E> type, String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.yamlName().toLowerCase(Locale.ROOT).equals(wanted)) {
                return e;
            }
        }
        return null;
    }
}
