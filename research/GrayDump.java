import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.operators.context.DarkLines;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.FrameDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Research tool for the dark-line channel (issue 15, second round): each image's integer luma (the job's own
 * {@code DarkLines.luma} of the RGB the job decodes) as
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
            DecodedFrame df = FeatureDump.decode(ff, dec, item, i++);
            int[] luma = DarkLines.luma(df.image);
            byte[] g = new byte[luma.length];
            for (int p = 0; p < g.length; p++) g[p] = (byte) luma[p];
            Path o = Path.of(FeatureDump.base(out, item) + ".gray.npy");
            Files.createDirectories(o.getParent());
            FeatureDump.writeNpy(o, "|u1", new int[] {df.image.height, df.image.width}, g);
        }
    }
}
