package dev.saaflink.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The per-dataset configs under {@code /categories/}: each loads, has the reference's category count, and
 * spot values match the tables of saa-plus-reference.md §8.3 to §8.5. Also the name-or-file resolution.
 */
class BundledCategoryConfigsTest {

    private static CategoryConfig category(String bundle, String name) {
        CategoryConfig c = InspectionConfigLoader.loadBundled(bundle).getCategories().get(name);
        assertThat(c).as(bundle + "." + name).isNotNull();
        return c;
    }

    private static List<String> texts(CategoryConfig c) {
        return c.getPrompts().stream().map(PromptSpec::getText).toList();
    }

    private static List<String> filters(CategoryConfig c) {
        return c.getPrompts().stream().map(PromptSpec::getFilterWord).toList();
    }

    @ParameterizedTest
    @CsvSource({"mvtec, 15", "visa, 12", "ksdd2, 1", "mtd, 1"})
    void eachBundleLoadsWithTheReferenceCategoryCountPlusDefault(String bundle, int categories) {
        Map<String, CategoryConfig> all = InspectionConfigLoader.loadBundled(bundle).getCategories();
        assertThat(all).containsKey(InspectionConfig.DEFAULT_CATEGORY);
        assertThat(all).hasSize(categories + 1);
        // Every dataset category uses the general prompts, which take the key as their word (reference §8.1).
        all.values().stream().filter(c -> !c.getName().equals(InspectionConfig.DEFAULT_CATEGORY))
                .forEach(c -> assertThat(c.isGeneralPrompts()).as(c.getName()).isTrue());
    }

    @Test
    void mvtecMatchesReferenceTable() {
        Map<String, CategoryConfig> all = InspectionConfigLoader.loadBundled("mvtec").getCategories();
        assertThat(all.keySet()).containsExactly("carpet", "grid", "leather", "tile", "wood", "bottle", "cable",
                "capsule", "hazelnut", "metal_nut", "pill", "screw", "toothbrush", "transistor", "zipper", "default");
        // All MVTec categories: N 1, K 5.
        all.values().forEach(c -> {
            assertThat(c.getInstances()).as(c.getName()).isEqualTo(1);
            assertThat(c.getTopK()).as(c.getName()).isEqualTo(5);
        });

        assertThat(category("mvtec", "screw").getAreaRatio()).isEqualTo(0.1);
        assertThat(category("mvtec", "capsule").getAreaRatio()).isEqualTo(0.6);

        CategoryConfig metalNut = category("mvtec", "metal_nut");
        assertThat(metalNut.getObjectPrompt()).isEqualTo("metal_nut");
        assertThat(metalNut.getAreaRatio()).isEqualTo(1.0);
        assertThat(filters(metalNut)).containsExactly("nut");
        // The general prompts still filter on the folder name.
        assertThat(metalNut.allPrompts().get(0)).isEqualTo(new PromptSpec("defect on metal_nut", "metal_nut"));

        CategoryConfig bottle = category("mvtec", "bottle");
        assertThat(bottle.getAreaRatio()).isEqualTo(0.3);
        assertThat(bottle.getPrompts()).containsExactly(
                new PromptSpec("broken part. contamination. white broken.", "bottle"));

        assertThat(texts(category("mvtec", "carpet"))).containsExactly("black hole", "thread", "defect.");
        // 1 object + 3 general + 3 specific = 7 GroundingDINO calls for carpet (reference §8.3).
        assertThat(category("mvtec", "carpet").allPrompts()).hasSize(6);
    }

    @Test
    void visaMatchesReferenceTable() {
        Map<String, CategoryConfig> all = InspectionConfigLoader.loadBundled("visa").getCategories();
        assertThat(all.keySet()).containsExactly("candle", "capsules", "cashew", "chewinggum", "fryum", "macaroni1",
                "macaroni2", "pcb1", "pcb2", "pcb3", "pcb4", "pipe_fryum", "default");

        CategoryConfig candle = category("visa", "candle");
        assertThat(candle.getInstances()).isEqualTo(4);
        assertThat(candle.getTopK()).isEqualTo(1);
        assertThat(candle.getAreaRatio()).isEqualTo(0.3);
        assertThat(candle.objectMaxArea()).isEqualTo(0.25);
        assertThat(texts(candle)).containsExactly("color defect. hole. black defect. wick hole. spot. ");

        CategoryConfig capsules = category("visa", "capsules");
        assertThat(capsules.getObjectPrompt()).isEqualTo("capsule");
        assertThat(capsules.getInstances()).isEqualTo(20);
        assertThat(capsules.getTopK()).isEqualTo(15);
        assertThat(capsules.getAreaRatio()).isEqualTo(1.0);
        assertThat(filters(capsules)).containsExactly("capsules", "capsules");

        CategoryConfig cashew = category("visa", "cashew");
        assertThat(cashew.getTopK()).isEqualTo(17);
        assertThat(cashew.getAreaRatio()).isEqualTo(0.05);

        assertThat(category("visa", "chewinggum").getObjectPrompt()).isEqualTo("chewinggum");
        assertThat(texts(category("visa", "fryum")).get(0)).endsWith("color crack. break");

        CategoryConfig macaroni2 = category("visa", "macaroni2");
        assertThat(macaroni2.getObjectPrompt()).isEqualTo("macaroni");
        assertThat(macaroni2.getInstances()).isEqualTo(4);
        assertThat(macaroni2.getTopK()).isEqualTo(50);
        assertThat(macaroni2.getPrompts()).containsExactly(
                new PromptSpec("broken part. red defect. black defect. crack. hole. scratch.", "macaroni"),
                new PromptSpec("edge. spot. chip.", "macaroni"));

        CategoryConfig pcb1 = category("visa", "pcb1");
        assertThat(pcb1.getObjectPrompt()).isEqualTo("printed_circuit_board");
        assertThat(pcb1.getTopK()).isEqualTo(1);
        assertThat(filters(pcb1)).hasSize(4).containsOnly("pcb");

        CategoryConfig pcb4 = category("visa", "pcb4");
        assertThat(pcb4.getObjectPrompt()).isEqualTo("pcb");
        assertThat(pcb4.getTopK()).isEqualTo(7);
        assertThat(texts(pcb4)).containsExactly("yellow paper on pcb", "yellow defect on pcb", "black defect on pcb",
                "color defect on pcb", "scratch on pcb", "defect on pcb");
        assertThat(filters(pcb4)).hasSize(6).containsOnly("pcb");
        // 1 object + 3 general + 6 specific = 10 GroundingDINO calls (reference §8.4).
        assertThat(pcb4.allPrompts()).hasSize(9);

        CategoryConfig pipeFryum = category("visa", "pipe_fryum");
        assertThat(pipeFryum.getTopK()).isEqualTo(19);
        assertThat(filters(pipeFryum)).containsExactly("fryum");
    }

    @Test
    void ksdd2MatchesReferenceTable() {
        CategoryConfig ksdd2 = category("ksdd2", "ksdd2");
        assertThat(ksdd2.getObjectPrompt()).isEqualTo("ksdd2");
        assertThat(ksdd2.getInstances()).isEqualTo(1);
        assertThat(ksdd2.getTopK()).isEqualTo(5);
        assertThat(ksdd2.getAreaRatio()).isEqualTo(0.9);
        assertThat(ksdd2.getPrompts()).containsExactly(
                new PromptSpec("black hole.", "ksdd2"), new PromptSpec("defect.", "ksdd2"));
    }

    @Test
    void mtdIsKeyedMtdNotKsdd2() {
        Map<String, CategoryConfig> all = InspectionConfigLoader.loadBundled("mtd").getCategories();
        assertThat(all).containsOnlyKeys("mtd", "default"); // reference bug Q3 keyed it 'ksdd2'
        CategoryConfig mtd = all.get("mtd");
        assertThat(mtd.getObjectPrompt()).isEqualTo("mtd");
        assertThat(mtd.getInstances()).isEqualTo(1);
        assertThat(mtd.getTopK()).isEqualTo(5);
        assertThat(mtd.getAreaRatio()).isEqualTo(0.9);
        assertThat(mtd.getPrompts()).containsExactly(
                new PromptSpec("black hole. blow hole. break. crack. fray. uneven.", "mtd"),
                new PromptSpec("defect.", "mtd"));
    }

    // ------------------------------------------------------------------ name-or-file resolution

    @ParameterizedTest
    @ValueSource(strings = {"mvtec", "visa", "ksdd2", "mtd"})
    void loadNamedOrFileResolvesBundledNames(String name) throws Exception {
        InspectionConfig byName = InspectionConfigLoader.loadNamedOrFile(name);
        assertThat(byName.getCategories().keySet())
                .isEqualTo(InspectionConfigLoader.loadBundled(name).getCategories().keySet());
    }

    @Test
    void anExistingFileWinsOverABundledName(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("custom.yaml");
        Files.writeString(file, """
                version: "file"
                categories:
                  default:
                    objectPrompt: object
                    topK: 3
                    areaRatio: 0.5
                    anomalyThreshold: 0.4
                """);
        assertThat(InspectionConfigLoader.loadNamedOrFile(file.toString()).getVersion()).isEqualTo("file");
    }

    @Test
    void unknownNameThatIsNoFileIsRefusedListingTheBundledNames(@TempDir Path dir) {
        assertThatThrownBy(() -> InspectionConfigLoader.loadNamedOrFile("mvtek"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'mvtek'")
                .hasMessageContaining("no such file")
                .hasMessageContaining("[mvtec, visa, ksdd2, mtd]");
        assertThatThrownBy(() -> InspectionConfigLoader.loadNamedOrFile(dir.toString()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("not a regular file");
        assertThatThrownBy(() -> InspectionConfigLoader.loadBundled("inspection"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("[mvtec, visa, ksdd2, mtd]");
    }
}
