package dev.saaflink.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

class InspectionConfigLoaderTest {

    /** Smallest valid document; the validation tests each break one line of it. */
    private static final String VALID = """
            version: "test"
            algorithm:
              saliencyMode: farthest
              boxThreshold: 0.1
            standIn:
              maxProposals: 8
            categories:
              mtd:
                objectPrompt: mtd
                instances: 1
                topK: 5
                areaRatio: 0.9
                anomalyThreshold: 0.3
                prompts:
                  - text: "defect."
                    filterWord: mtd
              default:
                objectPrompt: object
                topK: 5
                areaRatio: 0.9
                anomalyThreshold: 0.3
            """;

    // ------------------------------------------------------------------ shipped config

    @Test
    void shippedMtdMatchesReferenceTable() {
        InspectionConfig config = InspectionConfigLoader.loadDefault();
        CategoryConfig mtd = config.getCategories().get("mtd");

        // Reference §8.5: MTD object mtd, N 1, K 5, theta 0.9, two specific prompts, filter mtd.
        assertThat(config.getVersion()).isEqualTo("1");
        assertThat(mtd.getObjectPrompt()).isEqualTo("mtd");
        assertThat(mtd.getInstances()).isEqualTo(1);
        assertThat(mtd.getTopK()).isEqualTo(5);
        assertThat(mtd.getAreaRatio()).isEqualTo(0.9);
        assertThat(mtd.objectMaxArea()).isEqualTo(1.0);
        assertThat(mtd.isGeneralPrompts()).isTrue();
        assertThat(mtd.allPrompts()).containsExactly(
                new PromptSpec("defect on mtd", "mtd"),
                new PromptSpec("damage on mtd", "mtd"),
                new PromptSpec("flaw on mtd", "mtd"),
                new PromptSpec("black hole. blow hole. break. crack. fray. uneven.", "mtd"),
                new PromptSpec("defect.", "mtd"));
        // 1 object call + 5 defect calls = the reference's 6 GroundingDINO calls per image.
        assertThat(1 + mtd.allPrompts().size()).isEqualTo(6);
    }

    @Test
    void shippedOtherCategoriesAndBlocks() {
        InspectionConfig config = InspectionConfigLoader.loadDefault();

        CategoryConfig ksdd2 = config.getCategories().get("ksdd2");
        assertThat(ksdd2.getTopK()).isEqualTo(5);
        assertThat(ksdd2.getAreaRatio()).isEqualTo(0.9);
        assertThat(ksdd2.getPrompts()).containsExactly(
                new PromptSpec("black hole.", "ksdd2"), new PromptSpec("defect.", "ksdd2"));

        CategoryConfig bottle = config.getCategories().get("bottle");
        assertThat(bottle.getAreaRatio()).isEqualTo(0.3);
        assertThat(bottle.getPrompts()).containsExactly(
                new PromptSpec("broken part. contamination. white broken.", "bottle"));

        CategoryConfig fallback = config.getDefaultCategory();
        assertThat(fallback.getObjectPrompt()).isEqualTo("object");
        assertThat(fallback.allPrompts()).extracting(PromptSpec::getText).doesNotContain("defect on default");
        assertThat(fallback.allPrompts()).extracting(PromptSpec::getFilterWord).containsOnly("object");

        SaaParameters algo = config.getAlgorithm();
        assertThat(algo.getSaliencyNeighbours()).isEqualTo(400);
        assertThat(algo.getSaliencyDistanceScale()).isEqualTo(0.5);
        assertThat(algo.getSaliencyMode()).isEqualTo(SaliencyMode.FARTHEST);
        assertThat(algo.getRescoreGamma()).isEqualTo(3.0);
        assertThat(algo.isFusionPlusOne()).isTrue();
        assertThat(algo.isSamBgrQuirk()).isTrue();
        assertThat(algo.getBoxThreshold()).isEqualTo(0.1);
        assertThat(algo.getTextThreshold()).isEqualTo(0.1);

        assertThat(config.getStandIn().getSigmaLevels()).containsExactly(1.0, 2.0, 3.0);
        assertThat(config.getStandIn().getMaxProposals()).isEqualTo(8);
        assertThat(config.getStandIn().getMinComponentFraction()).isEqualTo(0.0005);
    }

    @Test
    void shippedAlgorithmBlockEqualsCodeDefaults() {
        assertThat(InspectionConfigLoader.loadDefault().getAlgorithm().toString())
                .isEqualTo(SaaParameters.asCoded().toString());
    }

    // ------------------------------------------------------------------ resolve

    @Test
    void resolveFallsBackToDefaultForUnknownCategories() {
        InspectionConfig config = InspectionConfigLoader.loadDefault();

        InspectionConfig.Resolved mtd = config.resolve("mtd");
        assertThat(mtd.known()).isTrue();
        assertThat(mtd.config().getName()).isEqualTo("mtd");

        InspectionConfig.Resolved unknown = config.resolve("capsule");
        assertThat(unknown.known()).isFalse();
        assertThat(unknown.config()).isSameAs(config.getDefaultCategory());

        assertThat(config.resolve("MTD").known()).as("case-sensitive").isFalse();
        assertThat(config.resolve(null).known()).isFalse();
        assertThat(config.resolve("default").known()).isTrue();
    }

    // ------------------------------------------------------------------ loading paths

    @Test
    void loadsFromPathAndStreamWithOptionalBlocksDefaulted(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("line3.yaml");
        Files.writeString(file, VALID);
        InspectionConfig fromFile = InspectionConfigLoader.load(file);
        InspectionConfig fromStream = InspectionConfigLoader.load(
                new ByteArrayInputStream(VALID.getBytes(StandardCharsets.UTF_8)));

        assertThat(fromFile.getVersion()).isEqualTo("test");
        assertThat(fromStream.getCategories()).containsOnlyKeys("mtd", "default");
        CategoryConfig fallback = fromFile.getDefaultCategory();
        assertThat(fallback.getInstances()).isEqualTo(1);
        assertThat(fallback.isGeneralPrompts()).isTrue();
        assertThat(fallback.allPrompts()).hasSize(3);
        assertThat(fromFile.getAlgorithm().getRescoreGamma()).isEqualTo(3.0);
    }

    @Test
    void paperSettingsParse() {
        InspectionConfig c = parse(VALID.replace("saliencyMode: farthest",
                "saliencyMode: nearest\n  saliencyDistanceScale: 1\n  rescoreGamma: 1\n  fusionPlusOne: false\n"
                        + "  samBgrQuirk: false"));
        assertThat(c.getAlgorithm().getSaliencyDistanceScale()).isEqualTo(1.0);
        assertThat(c.getAlgorithm().isSamBgrQuirk()).isFalse();
        assertThat(c.getAlgorithm().getSaliencyMode()).isEqualTo(SaliencyMode.NEAREST);
        assertThat(c.getAlgorithm().getRescoreGamma()).isEqualTo(1.0);
        assertThat(c.getAlgorithm().isFusionPlusOne()).isFalse();
    }

    @Test
    void configSurvivesJavaSerialization() throws Exception {
        InspectionConfig config = InspectionConfigLoader.loadDefault();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(config);
        }
        InspectionConfig copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (InspectionConfig) in.readObject();
        }
        assertThat(copy.resolve("mtd").config().allPrompts()).isEqualTo(config.resolve("mtd").config().allPrompts());
        assertThat(copy.getCategories().keySet()).containsExactlyElementsOf(config.getCategories().keySet());
        assertThat(copy.getStandIn().getSigmaLevels()).containsExactly(1.0, 2.0, 3.0);
    }

    // ------------------------------------------------------------------ validation

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            topK: 0                      | topK: 5                   | categories.mtd.topK: must be >= 1, got 0
            topK: five                   | topK: 5                   | categories.mtd.topK: must be a whole number, got text 'five'
            areaRatio: 0                 | areaRatio: 0.9            | categories.mtd.areaRatio: must be in (0, 1], got 0.0
            areaRatio: 1.5               | areaRatio: 0.9            | categories.mtd.areaRatio: must be in (0, 1], got 1.5
            instances: 0                 | instances: 1              | categories.mtd.instances: must be >= 1, got 0
            anomalyThreshold: -0.1       | anomalyThreshold: 0.3     | categories.mtd.anomalyThreshold: must be a finite number >= 0, got -0.1
            anomalyThreshold: .nan       | anomalyThreshold: 0.3     | categories.mtd.anomalyThreshold: must be a finite number >= 0, got NaN
            text: ""                     | text: "defect."           | categories.mtd.prompts[0].text: must not be empty
            filterWord: " "              | filterWord: mtd           | categories.mtd.prompts[0].filterWord: must not be empty
            objectPrompt: ""             | objectPrompt: mtd         | categories.mtd.objectPrompt: must not be empty
            topk: 5                      | topK: 5                   | categories.mtd.topk: unknown key (did you mean 'topK'?)
            colour: red                  | instances: 1              | categories.mtd.colour: unknown key
            saliencyMode: sideways       | saliencyMode: farthest    | algorithm.saliencyMode: must be 'farthest' or 'nearest', got 'sideways'
            boxThreshold: 2              | boxThreshold: 0.1         | algorithm.boxThreshold: must be in [0, 1], got 2.0
            maxProposals: 0              | maxProposals: 8           | standIn.maxProposals: must be >= 1, got 0
            maxProposal: 8               | maxProposals: 8           | standIn.maxProposal: unknown key (did you mean 'maxProposals'?)
            """)
    void invalidValuesAreNamedInTheMessage(String badLine, String goodLine, String expected) {
        String yaml = replaceFirst(VALID, goodLine, badLine);
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.yaml: ")
                .hasMessageContaining(expected);
    }

    @ParameterizedTest(name = "saliencyDistanceScale: {0}")
    @CsvSource(delimiter = '|', textBlock = """
            0    | algorithm.saliencyDistanceScale: must be in (0, 1] (0.5 as coded, 1.0 paper), got 0.0
            -0.5 | algorithm.saliencyDistanceScale: must be in (0, 1] (0.5 as coded, 1.0 paper), got -0.5
            1.5  | algorithm.saliencyDistanceScale: must be in (0, 1] (0.5 as coded, 1.0 paper), got 1.5
            .nan | algorithm.saliencyDistanceScale: must be in (0, 1] (0.5 as coded, 1.0 paper), got NaN
            half | algorithm.saliencyDistanceScale: must be a number, got text 'half'
            """)
    void invalidDistanceScaleIsNamed(String value, String expected) {
        String yaml = replaceFirst(VALID, "saliencyMode: farthest",
                "saliencyMode: farthest\n  saliencyDistanceScale: " + value);
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("test.yaml: ")
                .hasMessageContaining(expected);
    }

    @Test
    void missingRequiredFieldIsNamed() {
        assertThatThrownBy(() -> parse(VALID.replace("    areaRatio: 0.9\n    anomalyThreshold: 0.3\n    prompts:",
                "    anomalyThreshold: 0.3\n    prompts:")))
                .hasMessageContaining("categories.mtd.areaRatio: is required");
    }

    @Test
    void defaultCategoryIsRequired() {
        String withoutDefault = VALID.substring(0, VALID.indexOf("  default:"));
        assertThatThrownBy(() -> parse(withoutDefault))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("'default' category is required");
    }

    @Test
    void unknownTopLevelKeyIsRejected() {
        assertThatThrownBy(() -> parse(VALID.replace("standIn:", "standin:")))
                .hasMessageContaining("standin: unknown key (did you mean 'standIn'?)");
    }

    @Test
    void duplicateKeyIsRejected() {
        assertThatThrownBy(() -> parse(VALID.replace("    topK: 5\n    areaRatio: 0.9\n    anomalyThreshold: 0.3\n    prompts:",
                "    topK: 5\n    topK: 6\n    areaRatio: 0.9\n    anomalyThreshold: 0.3\n    prompts:")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("topK");
    }

    @Test
    void noPromptsAtAllIsRejected() {
        String yaml = VALID.replace("    anomalyThreshold: 0.3\n    prompts:\n      - text: \"defect.\"\n        filterWord: mtd\n",
                "    anomalyThreshold: 0.3\n    generalPrompts: false\n");
        assertThatThrownBy(() -> parse(yaml)).hasMessageContaining("categories.mtd.prompts: no prompts at all");
    }

    @Test
    void emptyDocumentAndNonYamlAreRejected() {
        assertThatThrownBy(() -> parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> parse("categories: [unclosed")).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> parse("- just\n- a list")).hasMessageContaining("must be a mapping");
    }

    @Test
    void programmaticConfigIsValidatedToo() {
        assertThatThrownBy(() -> CategoryConfig.builder("x").objectPrompt("x").topK(0).areaRatio(0.5).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("categories.x.topK: must be >= 1, got 0");
        CategoryConfig ok = CategoryConfig.builder("candle").objectPrompt("candle").instances(4).topK(1)
                .areaRatio(0.3).addPrompt("color defect. hole.", "candle").build();
        assertThat(ok.objectMaxArea()).isEqualTo(0.25);
        assertThat(ok.allPrompts()).hasSize(4);
        assertThat(ok.isAnomalous(0.0)).isTrue(); // threshold 0 by default: everything flags until calibrated
        assertThat(List.copyOf(ok.getPrompts())).containsExactly(new PromptSpec("color defect. hole.", "candle"));
    }

    private static InspectionConfig parse(String yaml) {
        return InspectionConfigLoader.parse(yaml, "test.yaml");
    }

    private static String replaceFirst(String text, String target, String replacement) {
        int i = text.indexOf(target);
        assertThat(i).as("template contains '%s'", target).isNotNegative();
        return text.substring(0, i) + replacement + text.substring(i + target.length());
    }
}
