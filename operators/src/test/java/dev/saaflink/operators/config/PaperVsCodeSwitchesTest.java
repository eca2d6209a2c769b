package dev.saaflink.operators.config;

import static dev.saaflink.operators.stages.FusionFixtures.frame;
import static dev.saaflink.operators.stages.FusionFixtures.region;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.sam.SamPreprocessor;
import dev.saaflink.models.store.ModelManifest;
import dev.saaflink.operators.saa.MultiInstanceSaliency;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.operators.saa.SaliencyBackend;
import dev.saaflink.operators.saa.SaliencyComputer;
import dev.saaflink.operators.saa.SelfSimilaritySaliency.Neighbours;
import dev.saaflink.operators.stages.FusionStage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * One test per paper-vs-code switch of the {@code algorithm:} block (reference section 12: D3, D4, D6, D7, D10).
 * Each takes the as-coded parameters from the bundled inspection.yaml and the paper's from the same file with the
 * documented paper values substituted, runs the code the job runs with them (both saliency backends, the fusion
 * stage, the SAM preprocessor), and compares with the reference formula worked out by hand on a tiny input.
 */
class PaperVsCodeSwitchesTest {

    private static SaaParameters code;
    private static SaaParameters paper;
    private static SaliencyComputer plain;
    private static SaliencyComputer onnx;

    @BeforeAll
    static void load() throws IOException {
        String yaml;
        try (InputStream in = InspectionConfigLoader.class.getResourceAsStream("/inspection.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        code = InspectionConfigLoader.parse(yaml, "inspection.yaml").getAlgorithm();
        String paperYaml = swap(swap(swap(swap(swap(yaml,
                "saliencyDistanceScale: 0.5", "saliencyDistanceScale: 1.0"),
                "saliencyMode: farthest", "saliencyMode: nearest"),
                "rescoreGamma: 3.0", "rescoreGamma: 1.0"),
                "fusionPlusOne: true", "fusionPlusOne: false"),
                "samBgrQuirk: true", "samBgrQuirk: false");
        paper = InspectionConfigLoader.parse(paperYaml, "paper.yaml").getAlgorithm();
        plain = SaliencyBackend.JAVA.open(SessionSettings.cpu(1));
        onnx = SaliencyBackend.ONNX.open(SessionSettings.cpu(1));
    }

    @AfterAll
    static void close() {
        plain.close();
        onnx.close();
    }

    private static String swap(String text, String from, String to) {
        assertThat(text).as("bundled inspection.yaml line '%s'", from).contains(from);
        return text.replaceFirst(Pattern.quote(from), to);
    }

    @Test
    void bundledDefaultsAreAsCodedAndThePaperBlockDiffersInEverySwitch() {
        assertThat(code.toString()).isEqualTo(SaaParameters.asCoded().toString());
        assertThat(code.getSaliencyDistanceScale()).isEqualTo(0.5);
        assertThat(paper.getSaliencyDistanceScale()).isEqualTo(1.0);
        assertThat(paper.getSaliencyMode()).isEqualTo(SaliencyMode.NEAREST);
        assertThat(paper.getRescoreGamma()).isEqualTo(1.0);
        assertThat(paper.isFusionPlusOne()).isFalse();
        assertThat(paper.isSamBgrQuirk()).isFalse();
    }

    /** Both backends with the mode and distance scale of {@code p}, as SegmentationFunction calls them. */
    private static void assertSaliency(SaaParameters p, float[] chw, int c, int h, int w, int n, float[] expected)
            throws Exception {
        Neighbours mode = Neighbours.valueOf(p.getSaliencyMode().name());
        assertThat(plain.compute(chw, c, h, w, n, mode, p.getSaliencyDistanceScale()))
                .containsExactly(expected, within(1e-6f));
        assertThat(onnx.compute(chw, c, h, w, n, mode, p.getSaliencyDistanceScale()))
                .containsExactly(expected, within(1e-6f));
    }

    @Test
    void d3DistanceScaleOnTwoVectors() throws Exception {
        // u = (3, 4), v = (4, 3): cos = (12 + 12) / (5 * 5) = 0.96, 1 - cos = 0.04. One neighbour, farthest mode
        // for both, so only the scale differs: code 0.5 * 0.04 = 0.02, paper 1.0 * 0.04 = 0.04.
        float[] chw = {3, 4, /* channel 1 */ 4, 3};
        SaaParameters paperScale = code.toBuilder().saliencyDistanceScale(paper.getSaliencyDistanceScale()).build();
        assertSaliency(code, chw, 2, 1, 2, 1, new float[] {0.02f, 0.02f});
        assertSaliency(paperScale, chw, 2, 1, 2, 1, new float[] {0.04f, 0.04f});

        // Multi-instance path (reference 9.3): two one-pixel objects u and v, score scale * (1 - max cos).
        MultiInstanceSaliency.PositionFeatures unit = new MultiInstanceSaliency.PositionFeatures() {
            @Override
            public int channels() {
                return 2;
            }

            @Override
            public float[] vectorsAt(int[] positions) {
                float[][] v = {{0.6f, 0.8f}, {0.8f, 0.6f}};
                float[] out = new float[positions.length * 2];
                for (int k = 0; k < positions.length; k++) {
                    out[2 * k] = v[positions[k]][0];
                    out[2 * k + 1] = v[positions[k]][1];
                }
                return out;
            }
        };
        List<boolean[]> objects = List.of(new boolean[] {true, false}, new boolean[] {false, true});
        assertThat(MultiInstanceSaliency.compute(unit, objects, 2, 1, code.getSaliencyDistanceScale()))
                .containsExactly(new float[] {0.02f, 0.02f}, within(1e-6f));
        assertThat(MultiInstanceSaliency.compute(unit, objects, 2, 1, paper.getSaliencyDistanceScale()))
                .containsExactly(new float[] {0.04f, 0.04f}, within(1e-6f));
    }

    @Test
    void d4NearestVersusFarthestOnThreeVectors() throws Exception {
        // a = (1, 0), b = (0.6, 0.8), c = (0, 1): cos(a,b) 0.6, cos(a,c) 0, cos(b,c) 0.8. One neighbour, code scale.
        // farthest (code): a -> c 0.5(1-0) = 0.5; b -> a 0.5(1-0.6) = 0.2; c -> a 0.5.
        // nearest (paper): a -> b 0.2; b -> c 0.5(1-0.8) = 0.1; c -> b 0.1.
        float[] chw = {1, 0.6f, 0, /* channel 1 */ 0, 0.8f, 1};
        SaaParameters paperMode = code.toBuilder().saliencyMode(paper.getSaliencyMode()).build();
        assertSaliency(code, chw, 2, 1, 3, 1, new float[] {0.5f, 0.2f, 0.5f});
        assertSaliency(paperMode, chw, 2, 1, 3, 1, new float[] {0.2f, 0.1f, 0.1f});
        // Both paper switches together, Eq. 5 as printed: (1 - cos) of the nearest: 0.4, 0.2, 0.2.
        assertSaliency(paper, chw, 2, 1, 3, 1, new float[] {0.4f, 0.2f, 0.2f});
    }

    @Test
    void d6ExponentOnOneRegion() {
        // One region, detector score 0.5, mean saliency 0.2 over its mask.
        // code: 0.5 * exp(3 * 0.2) = 0.5 * 1.8221188 = 0.9110594; paper: 0.5 * exp(0.2) = 0.5 * 1.2214028 = 0.6107014.
        var regions = List.of(region(new RegionCandidate(0, 0, 1, 1, 0.5, "crack"), 0.2, 0));
        double codeScore = FusionStage.fuse(frame("c", "f", "widget", regions), category(1), code).rescored[0];
        SaaParameters paperGamma = code.toBuilder().rescoreGamma(paper.getRescoreGamma()).build();
        double paperScore = FusionStage.fuse(frame("c", "f", "widget", regions), category(1), paperGamma).rescored[0];
        assertThat(codeScore).isCloseTo(0.9110594, within(1e-7));
        assertThat(paperScore).isCloseTo(0.6107014, within(1e-7));
    }

    @Test
    void d7FusionDenominatorOnTwoMasks() {
        // 4x4 frame; A covers pixels 0,1 with score 0.6, B covers 1,2 with 0.9; mean saliency 0, so exp(0) = 1 and
        // the scores are unchanged. code A(p) = sum s r / (1 + sum r): p0 0.6/2 = 0.3, p1 1.5/3 = 0.5, p2 0.9/2 = 0.45.
        // paper sum s r / sum r: p0 0.6, p1 1.5/2 = 0.75, p2 0.9; uncovered pixels 0 in both.
        var regions = List.of(region(new RegionCandidate(0, 0, 2, 1, 0.6, "a"), 0.0, 0, 1),
                region(new RegionCandidate(1, 0, 3, 1, 0.9, "b"), 0.0, 1, 2));
        double[] codeMap = FusionStage.fuse(frame("c", "f", "widget", regions), category(2), code).map;
        SaaParameters paperFusion = code.toBuilder().fusionPlusOne(paper.isFusionPlusOne()).build();
        double[] paperMap = FusionStage.fuse(frame("c", "f", "widget", regions), category(2), paperFusion).map;
        assertThat(codeMap).hasSize(16);
        assertThat(new double[] {codeMap[0], codeMap[1], codeMap[2], codeMap[3], codeMap[15]})
                .containsExactly(new double[] {0.3, 0.5, 0.45, 0, 0}, within(1e-12));
        assertThat(new double[] {paperMap[0], paperMap[1], paperMap[2], paperMap[3], paperMap[15]})
                .containsExactly(new double[] {0.6, 0.75, 0.9, 0, 0}, within(1e-12));
    }

    @Test
    void d10ColourOrderOnOnePixel() {
        // A 1x1 pixel (R, G, B) = (200, 100, 50) into a 1x1 SAM frame with SAM's mean/std (RGB order):
        // code (BGR as RGB): channel 0 = (50 - 123.675) / 58.395 = -1.26167, channel 2 = (200 - 103.53) / 57.375 = 1.68140;
        // RGB: channel 0 = (200 - 123.675) / 58.395 = 1.30705, channel 2 = (50 - 103.53) / 57.375 = -0.93298.
        SamPreprocessor pre = new SamPreprocessor(samManifest());
        RgbImage px = new RgbImage(1, 1, new byte[] {(byte) 200, 100, 50});
        float[] codeIn = pre.preprocess(px, code.isSamBgrQuirk()).chw();
        float[] paperIn = pre.preprocess(px, paper.isSamBgrQuirk()).chw();
        assertThat(new float[] {codeIn[0], codeIn[1], codeIn[2]})
                .containsExactly(new float[] {-1.26167f, -0.28501f, 1.68140f}, within(1e-5f));
        assertThat(new float[] {paperIn[0], paperIn[1], paperIn[2]})
                .containsExactly(new float[] {1.30705f, -0.28501f, -0.93298f}, within(1e-5f));
    }

    @Test
    void invalidSwitchValuesAreRejected() {
        assertThatThrownBy(() -> SaaParameters.builder().saliencyDistanceScale(0).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("algorithm.saliencyDistanceScale: must be in (0, 1]");
        assertThatThrownBy(() -> SaaParameters.builder().saliencyDistanceScale(2).build())
                .isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> SaaParameters.builder().saliencyDistanceScale(Double.NaN).build())
                .isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> SaaParameters.builder().rescoreGamma(-1).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("algorithm.rescoreGamma");
        assertThatThrownBy(() -> SaaParameters.builder().saliencyMode(null).build())
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("algorithm.saliencyMode");
    }

    private static CategoryConfig category(int topK) {
        return CategoryConfig.builder("widget").objectPrompt("widget").topK(topK).areaRatio(0.9)
                .anomalyThreshold(0.3).build();
    }

    private static ModelManifest samManifest() {
        Properties p = new Properties();
        p.setProperty("id", "test/encoder");
        p.setProperty("npm.package", "test");
        p.setProperty("npm.version", "1.0.0");
        p.setProperty("npm.path", "package/encoder.onnx");
        p.setProperty("sha256", "0".repeat(64));
        p.setProperty("bytes", "1");
        p.setProperty("input.size", "1");
        p.setProperty("input.mean", "123.675,116.28,103.53");
        p.setProperty("input.std", "58.395,57.12,57.375");
        return ModelManifest.fromProperties(p, "test");
    }
}
