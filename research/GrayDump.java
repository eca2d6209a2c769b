import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.FrameDecoder;
import dev.saaflink.operators.decode.RawRecord;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Research tool for the dark-line channel (issue 15, second round): each image's integer luma
 * ((299 R + 587 G + 114 B) / 1000 of the RGB the job decodes, as its DarkLines computes it) as
 * {@code <subset>/<name>.gray.npy} (uint8, [h, w]) next to FeatureDump's files. The frames go through the job's own
 * Avro record and decoder, so the luma is the job's (Java's ImageIO getRGB would gamma-convert grey JPEGs).
 * Usage: {@code java -cp /tmp/research:$CP GrayDump DATASET OUT CATEGORY}.
 */
public class GrayDump {
    public static void main(String[] a) throws Exception {
        Path dataset = Path.of(a[0]);
        Path out = Path.of(a[1]);
        FrameFactory ff = new FrameFactory("cam-0", true);
        FrameDecoder dec = new FrameDecoder();
        List<DatasetItem> items = new DatasetScanner().scan(dataset, a[2]);
        int i = 0;
        for (DatasetItem item : items) {
            ByteBuffer bb = dev.saaflink.schemas.Frame.getEncoder().encode(ff.create(item));
            byte[] v = new byte[bb.remaining()];
            bb.get(v);
            DecodedFrame df = dec.decode(new RawRecord("t", 0, i++, 0, null, v));
            int w = df.image.width, h = df.image.height;
            byte[] rgb = df.image.rgb;
            byte[] g = new byte[w * h];
            for (int p = 0; p < w * h; p++) {
                g[p] = (byte) (((rgb[3 * p] & 0xFF) * 299 + (rgb[3 * p + 1] & 0xFF) * 587 + (rgb[3 * p + 2] & 0xFF) * 114)
                        / 1000);
            }
            Path o = out.resolve(item.subset()).resolve(item.name().replaceAll("\\.[^.]+$", "") + ".gray.npy");
            Files.createDirectories(o.getParent());
            FeatureDump.writeNpy(o, "|u1", new int[] {h, w}, g);
        }
    }
}
