package dev.saaflink.operators.saa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.operators.config.SaaParameters;
import dev.saaflink.operators.saa.SelfSimilaritySaliency.Neighbours;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Java versus ONNX saliency at the reference's feature size: 64x64 positions, 256 channels (the SAM embedding) and
 * 1792 (WideResNet50 layers 1-3), N from the as-coded defaults. Run with
 * {@code mvn -o -pl operators test -Dtest=SaliencyBackendBenchmarkTest -Dsaa.timing=true} (rounds:
 * {@code -Dsaa.timing.repeats=5}); prints the median ms per call and the ratio.
 */
class SaliencyBackendBenchmarkTest {

    @Test
    @EnabledIfSystemProperty(named = "saa.timing", matches = "true")
    void msPerCallAt64x64() throws Exception {
        int n = SaaParameters.asCoded().getSaliencyNeighbours();
        int rounds = Integer.getInteger("saa.timing.repeats", 5);
        int cores = Runtime.getRuntime().availableProcessors();
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "kNN saliency, 64x64 positions, N=%d, %d cores; median ms per call over %d interleaved rounds"
                        + " (after 1 warm-up call each):%n", n, cores, rounds));
        for (int c : new int[] {256, 1792}) {
            float[] chw = features(c, 64 * 64, c);
            for (Neighbours mode : Neighbours.values()) {
                try (SaliencyComputer java = SaliencyBackend.JAVA.open(SessionSettings.cpu(1));
                     SaliencyComputer onnx1 = SaliencyBackend.ONNX.open(SessionSettings.cpu(1));
                     SaliencyComputer onnxAll = SaliencyBackend.ONNX.open(SessionSettings.cpu(cores))) {
                    SaliencyComputer[] all = {java, onnx1, onnxAll};
                    float[][] first = new float[all.length][];
                    for (int i = 0; i < all.length; i++) {
                        first[i] = all[i].compute(chw, c, 64, 64, n, mode);
                    }
                    assertThat(first[1]).containsExactly(first[0], within(1e-4f));
                    assertThat(first[2]).containsExactly(first[0], within(1e-4f));
                    // Interleaved, so that load from other processes on a shared machine hits all three alike.
                    double[][] ms = new double[all.length][rounds];
                    for (int r = 0; r < rounds; r++) {
                        for (int i = 0; i < all.length; i++) {
                            long t0 = System.nanoTime();
                            all[i].compute(chw, c, 64, 64, n, mode);
                            ms[i][r] = (System.nanoTime() - t0) / 1e6;
                        }
                    }
                    double javaMs = median(ms[0]);
                    double onnx1Ms = median(ms[1]);
                    double onnxAllMs = median(ms[2]);
                    report.append(String.format(Locale.ROOT,
                            "  C=%4d %-8s java %7.1f | onnx 1 thread %7.1f (java/onnx %.2fx) | onnx %d threads %7.1f"
                                    + " (java/onnx %.2fx)%n",
                            c, mode, javaMs, onnx1Ms, javaMs / onnx1Ms, cores, onnxAllMs, javaMs / onnxAllMs));
                }
            }
        }
        System.out.print(report);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Non-negative features with some structure: a few prototypes plus noise, like patches of a textured image. */
    private static float[] features(int c, int p, long seed) {
        Random random = new Random(seed);
        int prototypes = 8;
        float[][] proto = new float[prototypes][c];
        for (float[] v : proto) {
            for (int i = 0; i < c; i++) {
                v[i] = random.nextFloat() < 0.3f ? random.nextFloat() * 2 : 0f;
            }
        }
        float[] chw = new float[c * p];
        for (int pos = 0; pos < p; pos++) {
            float[] v = proto[random.nextInt(prototypes)];
            for (int i = 0; i < c; i++) {
                chw[i * p + pos] = Math.max(0f, v[i] + (float) random.nextGaussian() * 0.3f);
            }
        }
        return chw;
    }
}
