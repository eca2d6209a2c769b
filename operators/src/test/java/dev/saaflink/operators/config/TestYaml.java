package dev.saaflink.operators.config;

/** A minimal valid inspection YAML around one top-level block, for the loader tests of single blocks. */
final class TestYaml {

    private static final String CATEGORIES = "categories:\n  default:\n    objectPrompt: object\n    topK: 5\n"
            + "    areaRatio: 0.9\n    anomalyThreshold: 0.3\n";

    private TestYaml() {}

    /** {@code block} (YAML lines ending in a newline, or empty) between a version and a default category. */
    static InspectionConfig parse(String block) {
        return InspectionConfigLoader.parse("version: 1\n" + block + CATEGORIES, "test.yaml");
    }
}
