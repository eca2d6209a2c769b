package dev.saaflink.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

/**
 * A record of the live config topic (one category block plus its version) parsed and validated like the file's
 * categories, and the precedence of live overrides over the config file.
 */
class LiveCategoryConfigTest {

    static final String MTD_V2 = """
            version: x-v2
            objectPrompt: mtd
            topK: 2
            areaRatio: 0.5
            anomalyThreshold: 0.4
            generalPrompts: false
            prompts:
              - {text: "crack.", filterWord: mtd}
            """;

    private static final InspectionConfig FILE = InspectionConfigLoader.loadDefault();

    @Test
    void aGoodRecordGivesTheConfigAndItsVersion() {
        LiveCategoryConfig live = InspectionConfigLoader.parseLiveCategory("mtd", MTD_V2);

        assertThat(live.category()).isEqualTo("mtd");
        assertThat(live.version()).isEqualTo("x-v2");
        CategoryConfig c = live.config();
        assertThat(c.getName()).isEqualTo("mtd");
        assertThat(c.getTopK()).isEqualTo(2);
        assertThat(c.getAreaRatio()).isEqualTo(0.5);
        assertThat(c.getAnomalyThreshold()).isEqualTo(0.4);
        assertThat(c.getInstances()).as("default N").isEqualTo(1);
        assertThat(c.allPrompts()).containsExactly(new PromptSpec("crack.", "mtd"));
    }

    @Test
    void aNumericVersionAndAMatchingNameAreAccepted() {
        LiveCategoryConfig live = InspectionConfigLoader.parseLiveCategory("bottle", """
                version: 7
                name: bottle
                objectPrompt: bottle
                topK: 3
                areaRatio: 0.3
                anomalyThreshold: 0.2
                """);
        assertThat(live.version()).isEqualTo("7");
        assertThat(live.config().getTopK()).isEqualTo(3);
        assertThat(live.config().allPrompts()).as("general prompts on by default").hasSize(3);
    }

    @Test
    void theBlockIsTheSameShapeAsAFileCategory() {
        // The bundled file's mtd block, with a version line added, parses to the very same config.
        String block = """
                version: "1"
                objectPrompt: mtd
                instances: 1
                topK: 5
                areaRatio: 0.9
                anomalyThreshold: 0.04
                generalPrompts: true
                prompts:
                  - text: "black hole. blow hole. break. crack. fray. uneven."
                    filterWord: mtd
                  - text: "defect."
                    filterWord: mtd
                """;
        CategoryConfig live = InspectionConfigLoader.parseLiveCategory("mtd", block).config();
        assertThat(live.toString()).isEqualTo(FILE.resolve("mtd").config().toString());
    }

    @Test
    void topKZeroIsRejectedNamingTheField() {
        assertThatThrownBy(() -> InspectionConfigLoader.parseLiveCategory("mtd", MTD_V2.replace("topK: 2", "topK: 0")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("categories.mtd.topK: must be >= 1, got 0");
    }

    @Test
    void areaRatioOutOfRangeIsRejected() {
        assertThatThrownBy(() -> InspectionConfigLoader.parseLiveCategory("mtd",
                MTD_V2.replace("areaRatio: 0.5", "areaRatio: 1.5")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("categories.mtd.areaRatio: must be in (0, 1], got 1.5");
        assertThatThrownBy(() -> InspectionConfigLoader.parseLiveCategory("mtd",
                MTD_V2.replace("areaRatio: 0.5", "areaRatio: 0")))
                .hasMessageContaining("categories.mtd.areaRatio: must be in (0, 1]");
    }

    @Test
    void aMissingOrEmptyVersionIsRejected() {
        assertThatThrownBy(() -> InspectionConfigLoader.parseLiveCategory("mtd", MTD_V2.replace("version: x-v2\n", "")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("categories.mtd.version: is required");
        assertThatThrownBy(() -> InspectionConfigLoader.parseLiveCategory("mtd",
                MTD_V2.replace("version: x-v2", "version: \" \"")))
                .hasMessage("categories.mtd.version: must not be empty");
    }

    @Test
    void notYamlOrNotAMappingIsRejected() {
        assertThatThrownBy(() -> InspectionConfigLoader.parseLiveCategory("mtd", "topK: [1, 2\nversion: x"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("categories.mtd: not valid YAML:")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> InspectionConfigLoader.parseLiveCategory("mtd", "just text"))
                .hasMessage("categories.mtd: must be a mapping, got text 'just text'");
        assertThatThrownBy(() -> InspectionConfigLoader.parseLiveCategory("mtd", ""))
                .hasMessage("categories.mtd: the document is empty");
    }

    @Test
    void keyProblemsAreRejected() {
        assertThatThrownBy(() -> InspectionConfigLoader.parseLiveCategory("", MTD_V2))
                .hasMessage("key: must be the category name, got an empty key");
        assertThatThrownBy(() -> InspectionConfigLoader.parseLiveCategory("mtd", "name: ksdd2\n" + MTD_V2))
                .hasMessage("categories.mtd.name: is 'ksdd2' but the record key is 'mtd'");
        assertThatThrownBy(() -> InspectionConfigLoader.parseLiveCategory("mtd", MTD_V2 + "topk: 3\n"))
                .hasMessageStartingWith("categories.mtd.topk: unknown key (did you mean 'topK'?)");
        assertThatThrownBy(() -> InspectionConfigLoader.parseLiveCategory("mtd", MTD_V2 + "algorithm: {}\n"))
                .as("only category configs are live")
                .hasMessageStartingWith("categories.mtd.algorithm: unknown key");
    }

    // ------------------------------------------------------------ precedence

    @Test
    void withoutOverridesTheFileConfigAndItsVersionApply() {
        InspectionConfig.Resolved r = FILE.resolve("mtd", Map.<String, LiveCategoryConfig>of()::get);
        assertThat(r.config()).isSameAs(FILE.getCategories().get("mtd"));
        assertThat(r.known()).isTrue();
        assertThat(r.version()).isEqualTo("1");
        assertThat(FILE.resolve("mtd")).isEqualTo(r);
    }

    @Test
    void aLiveOverrideWinsOverTheFileAndATombstoneRestoresIt() {
        Map<String, LiveCategoryConfig> live = new HashMap<>();
        live.put("mtd", InspectionConfigLoader.parseLiveCategory("mtd", MTD_V2));

        InspectionConfig.Resolved r = FILE.resolve("mtd", live::get);
        assertThat(r.config().getTopK()).isEqualTo(2);
        assertThat(r.version()).isEqualTo("x-v2");
        assertThat(r.known()).isTrue();
        // Other categories keep the file's config and version.
        assertThat(FILE.resolve("ksdd2", live::get).version()).isEqualTo("1");
        assertThat(FILE.resolve("ksdd2", live::get).config()).isSameAs(FILE.getCategories().get("ksdd2"));

        live.remove("mtd"); // what a tombstone does
        r = FILE.resolve("mtd", live::get);
        assertThat(r.config()).isSameAs(FILE.getCategories().get("mtd"));
        assertThat(r.version()).isEqualTo("1");
    }

    @Test
    void unknownCategoriesGetTheLiveDefaultWhenThereIsOne() {
        Map<String, LiveCategoryConfig> live = new HashMap<>();
        InspectionConfig.Resolved r = FILE.resolve("gizmo", live::get);
        assertThat(r.config().getName()).isEqualTo("default");
        assertThat(r.known()).isFalse();
        assertThat(r.version()).isEqualTo("1");

        live.put("default", InspectionConfigLoader.parseLiveCategory("default", """
                version: d-2
                objectPrompt: object
                topK: 1
                areaRatio: 0.2
                anomalyThreshold: 0.9
                """));
        r = FILE.resolve("gizmo", live::get);
        assertThat(r.config().getName()).isEqualTo("default");
        assertThat(r.config().getTopK()).isEqualTo(1);
        assertThat(r.known()).isFalse();
        assertThat(r.version()).isEqualTo("d-2");
        assertThat(FILE.resolve(null, live::get).version()).isEqualTo("d-2");
        // A configured category is not affected by the live default.
        assertThat(FILE.resolve("mtd", live::get).version()).isEqualTo("1");
    }

    @Test
    void aLiveConfigCanAddACategoryTheFileLacks() {
        Map<String, LiveCategoryConfig> live = Map.of("gizmo", InspectionConfigLoader.parseLiveCategory("gizmo", """
                version: g-1
                objectPrompt: gizmo
                topK: 4
                areaRatio: 0.6
                anomalyThreshold: 0.5
                """));
        InspectionConfig.Resolved r = FILE.resolve("gizmo", live::get);
        assertThat(r.known()).isTrue();
        assertThat(r.config().getName()).isEqualTo("gizmo");
        assertThat(r.config().getTopK()).isEqualTo(4);
        assertThat(r.version()).isEqualTo("g-1");
        assertThat(FILE.resolve("GIZMO", live::get).known()).as("case-sensitive, as the file").isFalse();
    }
}
