package dev.saaflink.operators.config;

import java.io.Serializable;

/**
 * A category config that came in on the live config topic, validated: the category it overrides (the record key),
 * the {@code version} its record named (written to every event computed with it) and the config itself.
 * Built by {@link InspectionConfigLoader#parseLiveCategory}; used by {@link InspectionConfig#resolve(String,
 * java.util.function.Function)}.
 */
public record LiveCategoryConfig(String category, String version, CategoryConfig config) implements Serializable {}
