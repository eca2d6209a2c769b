package dev.saaflink.models.saliency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.runtime.SessionSettings;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnnxMemoryScorerTest {

    OnnxMemoryScorer onnx;

    @BeforeAll
    void open() throws Exception {
        onnx = OnnxMemoryScorer.open(SessionSettings.cpu(1));
    }

    @AfterAll
    void close() throws Exception {
        onnx.close();
    }

    /** Both implementations on the same input. */
    private float[][] both(float[] q, int p, int c, float[] mem, int m, int s, int k) throws Exception {
        return new float[][] {onnx.score(q, p, c, mem, m, s, k), MemoryScoring.score(q, p, c, mem, m, s, k)};
    }

    // C = 2. Query patches (unnormalised) q0 = (1, 0), q1 = (0, 3); normalised (1, 0) and (0, 1).
    // M = 3 frames of S = 2 unit patches each:
    //   frame 0: (1, 0), (-0.6, -0.8)
    //   frame 1: (0.6, 0.8), (-1, 0)
    //   frame 2: (0.8, 0.6), (0, -1)
    // Cosines (q0 = first coordinate, q1 = second) and d = 1 - best cosine per frame:
    //   q0: frame 0 max(1, -0.6) = 1   -> 0;  frame 1 max(0.6, -1) = 0.6 -> 0.4;  frame 2 max(0.8, 0) = 0.8 -> 0.2
    //   q1: frame 0 max(0, -0.8) = 0   -> 1;  frame 1 max(0.8, 0) = 0.8  -> 0.2;  frame 2 max(0.6, -1) = 0.6 -> 0.4
    // d = [[0, 0.4, 0.2], [1, 0.2, 0.4]]
    // k = 1: q0 -> 0,                 q1 -> 0.2
    // k = 2: q0 -> (0 + 0.2)/2 = 0.1, q1 -> (0.2 + 0.4)/2 = 0.3
    // k = 3: q0 -> 0.6/3 = 0.2,       q1 -> 1.6/3 = 0.5333...
    static final float[] HAND_QUERY = {1, 0, /* q1 */ 0, 3};
    // [M, C, S]: per frame, channel 0 row over s, then channel 1 row over s.
    static final float[] HAND_MEMORY = {
        /* frame 0 */ 1, -0.6f, /* c1 */ 0, -0.8f,
        /* frame 1 */ 0.6f, -1, /* c1 */ 0.8f, 0,
        /* frame 2 */ 0.8f, 0, /* c1 */ 0.6f, -1};

    @Test
    void handComputedTwoPatchesThreeFrames() throws Exception {
        for (float[] got : both(HAND_QUERY, 2, 2, HAND_MEMORY, 3, 2, 1)) {
            assertThat(got).containsExactly(new float[] {0f, 0.2f}, within(1e-5f));
        }
        for (float[] got : both(HAND_QUERY, 2, 2, HAND_MEMORY, 3, 2, 2)) {
            assertThat(got).containsExactly(new float[] {0.1f, 0.3f}, within(1e-5f));
        }
        for (float[] got : both(HAND_QUERY, 2, 2, HAND_MEMORY, 3, 2, 3)) {
            assertThat(got).containsExactly(new float[] {0.2f, 1.6f / 3}, within(1e-5f));
        }
    }

    @Test
    void scaledMemoryNormalisedByCallerGivesTheSameScores() throws Exception {
        // Each memory column scaled by a different positive factor, then normalised as a caller would.
        float[] scaled = HAND_MEMORY.clone();
        for (int i = 0; i < scaled.length; i++) {
            int column = (i / 4) * 2 + i % 2; // frame * S + s
            scaled[i] *= 1 + column;
        }
        float[] normalised = MemoryScoring.normaliseColumns(scaled, 3, 2, 2);
        for (float[] got : both(HAND_QUERY, 2, 2, normalised, 3, 2, 2)) {
            assertThat(got).containsExactly(new float[] {0.1f, 0.3f}, within(1e-5f));
        }
    }

    @Test
    void zeroQueryRowScoresOne() throws Exception {
        // Row 1 is zero: its cosine with every memory patch is 0, so every d is 1 and any mean of them is 1.
        float[] q = {1, 0, /* zero row */ 0, 0, /* q2 */ 0, 3};
        for (int k = 1; k <= 3; k++) {
            for (float[] got : both(q, 3, 2, HAND_MEMORY, 3, 2, k)) {
                assertThat(got[1]).as("k=%d", k).isCloseTo(1f, within(1e-6f));
                assertThat(got[0]).isFinite();
            }
        }
    }

    @Test
    void matchesPlainJavaOnRandomFeatures() throws Exception {
        Random rnd = new Random(42);
        int p = 50;
        int c = 16;
        int m = 5;
        int s = 7;
        float[] q = new float[p * c];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) rnd.nextGaussian();
        }
        float[] raw = new float[m * c * s];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (float) rnd.nextGaussian();
        }
        float[] mem = MemoryScoring.normaliseColumns(raw, m, c, s);
        float[] reference = MemoryScoring.score(q, p, c, mem, m, s, 2);
        assertThat(onnx.score(q, p, c, mem, m, s, 2)).containsExactly(reference, within(1e-4f));
        // Sanity of the reference itself: scores are means of 1 - cos, so in [0, 2], and vary across patches.
        for (float v : reference) {
            assertThat(v).isBetween(-1e-6f, 2f);
        }
        assertThat(Arrays.stream(box(reference)).distinct().count()).isGreaterThan(1);
    }

    @Test
    void normaliseColumnsMakesUnitColumnsAndKeepsZeroColumns() {
        int m = 2;
        int c = 3;
        int s = 4;
        Random rnd = new Random(3);
        float[] raw = new float[m * c * s];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = rnd.nextFloat() * 10 - 5;
        }
        for (int ch = 0; ch < c; ch++) {
            raw[(1 * c + ch) * s + 2] = 0; // frame 1, patch 2 is a zero column
        }
        float[] before = raw.clone();
        float[] unit = MemoryScoring.normaliseColumns(raw, m, c, s);
        assertThat(raw).containsExactly(before); // input untouched
        for (int f = 0; f < m; f++) {
            for (int j = 0; j < s; j++) {
                double ss = 0;
                for (int ch = 0; ch < c; ch++) {
                    ss += (double) unit[(f * c + ch) * s + j] * unit[(f * c + ch) * s + j];
                }
                if (f == 1 && j == 2) {
                    assertThat(ss).as("zero column").isEqualTo(0.0);
                } else {
                    assertThat(Math.sqrt(ss)).as("frame %d patch %d", f, j).isCloseTo(1.0, within(1e-6));
                    // Direction kept: same sign as the input in every channel.
                    for (int ch = 0; ch < c; ch++) {
                        assertThat(Math.signum(unit[(f * c + ch) * s + j]))
                                .isEqualTo(Math.signum(raw[(f * c + ch) * s + j]));
                    }
                }
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        float[] q = new float[2 * 2];
        float[] mem = new float[3 * 2 * 2];
        assertRejected(() -> onnx.score(q, 2, 2, mem, 3, 2, 0), "got 0");
        assertRejected(() -> MemoryScoring.score(q, 2, 2, mem, 3, 2, 0), "got 0");
        assertRejected(() -> onnx.score(q, 2, 2, mem, 3, 2, 4), "got 4");
        assertRejected(() -> MemoryScoring.score(q, 2, 2, mem, 3, 2, 4), "got 4");
        assertRejected(() -> onnx.score(new float[5], 2, 2, mem, 3, 2, 1), "have 5 values");
        assertRejected(() -> MemoryScoring.score(new float[5], 2, 2, mem, 3, 2, 1), "have 5 values");
        assertRejected(() -> onnx.score(q, 2, 2, new float[11], 3, 2, 1), "have 11 values");
        assertRejected(() -> MemoryScoring.score(q, 2, 2, new float[11], 3, 2, 1), "have 11 values");
        assertRejected(() -> onnx.score(q, 0, 2, mem, 3, 2, 1), "positions must be positive, got 0");
        assertRejected(() -> onnx.score(q, 2, 2, mem, 3, -1, 1), "perFrame must be positive, got -1");
        assertRejected(() -> onnx.score(null, 2, 2, mem, 3, 2, 1), "query");
        assertRejected(() -> MemoryScoring.normaliseColumns(new float[7], 3, 2, 2), "have 7 values");
        assertRejected(() -> MemoryScoring.normaliseColumns(mem, 0, 2, 2), "frames must be positive, got 0");
    }

    private static void assertRejected(ThrowingCallable call, String messagePart) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(messagePart);
    }

    private static Float[] box(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    /**
     * Time of one call at P = 64x64, C = 256, M = 16, S = 32x32 (P*M*S*C = 17.2e9 multiply-adds, 256 MB cosine
     * tensor). Run with {@code mvn -o -pl models test -Dtest=OnnxMemoryScorerTest -Dsaa.timing=true} (rounds:
     * {@code -Dsaa.timing.repeats=3}; add {@code -Dsaa.timing.java=true} for one call of the plain-Java fallback,
     * which takes tens of seconds). Prints, asserts nothing about time.
     */
    @Test
    @EnabledIfSystemProperty(named = "saa.timing", matches = "true")
    void msPerCallAtReferenceSize() throws Exception {
        int p = 4096;
        int c = 256;
        int m = 16;
        int s = 1024;
        int k = Math.max(1, Math.min(m, Math.round(0.3f * m)));
        int rounds = Integer.getInteger("saa.timing.repeats", 3);
        int cores = Runtime.getRuntime().availableProcessors();
        Random rnd = new Random(11);
        float[] q = new float[p * c];
        for (int i = 0; i < q.length; i++) {
            q[i] = Math.max(0f, (float) rnd.nextGaussian());
        }
        float[] raw = new float[m * c * s];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = Math.max(0f, (float) rnd.nextGaussian());
        }
        float[] mem = MemoryScoring.normaliseColumns(raw, m, c, s);
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "memory scoring P=%d C=%d M=%d S=%d k=%d, %d cores; median ms per call over %d rounds"
                        + " (after 1 warm-up call):%n", p, c, m, s, k, cores, rounds));
        for (int threads : new int[] {1, cores}) {
            try (OnnxMemoryScorer scorer = OnnxMemoryScorer.open(SessionSettings.cpu(threads))) {
                scorer.score(q, p, c, mem, m, s, k);
                double[] ms = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    long t0 = System.nanoTime();
                    scorer.score(q, p, c, mem, m, s, k);
                    ms[r] = (System.nanoTime() - t0) / 1e6;
                }
                Arrays.sort(ms);
                report.append(String.format(Locale.ROOT, "  onnx %2d intra-op thread(s): %8.1f ms (all: %s)%n",
                        threads, ms[rounds / 2], Arrays.toString(ms)));
            }
        }
        if (Boolean.getBoolean("saa.timing.java")) {
            long t0 = System.nanoTime();
            MemoryScoring.score(q, p, c, mem, m, s, k);
            report.append(String.format(Locale.ROOT, "  plain Java, 1 call:          %8.1f ms%n",
                    (System.nanoTime() - t0) / 1e6));
        }
        System.out.print(report);
    }
}
