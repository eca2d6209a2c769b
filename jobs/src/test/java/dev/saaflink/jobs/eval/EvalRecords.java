package dev.saaflink.jobs.eval;

import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.operators.saa.AnomalyMaps;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.AnomalyMap;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;
import dev.saaflink.schemas.RegionSource;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Hand-made records for the eval tests that score an {@code EmbeddedInspection.Outcome} without running the job:
 * 40×40 frames of camera {@code cam}, category {@code c}, whose defect (if any) is the top-left 100×100 block of the
 * {@link #N}-pixel evaluation grid, and events carrying a given map at that grid.
 */
final class EvalRecords {
    /** Side of the evaluation grid the maps and masks are scored at. */
    static final int N = EvalRunner.EVAL_SIZE;

    private EvalRecords() {}

    /** A frame of folder {@code subset}; with {@code defect}, a ground-truth mask of the top-left 100×100 block. */
    static Frame frame(String id, String subset, boolean defect) throws IOException {
        Frame.Builder f = Frame.newBuilder().setCameraId("cam").setFrameId(id).setCategory("c")
                .setCaptureTimeMillis(1L).setEncoding(ImageEncoding.PNG)
                .setImage(ByteBuffer.wrap(png(new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB))))
                .setAttributes(Map.of(FrameFactory.ATTR_SUBSET, subset));
        if (defect) {
            BufferedImage mask = new BufferedImage(N, N, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 100; y++) {
                for (int x = 0; x < 100; x++) {
                    mask.getRaster().setSample(x, y, 0, 255);
                }
            }
            f.setGroundTruthMask(ByteBuffer.wrap(png(mask)));
        }
        return f.build();
    }

    /** An event for frame {@code id} whose anomaly map is {@code map} (N×N) and image score its maximum. */
    static AnomalyEvent event(String id, float[] map) {
        double max = 0;
        for (float v : map) {
            max = Math.max(max, v);
        }
        return AnomalyEvent.newBuilder().setCameraId("cam").setFrameId(id).setCategory("c").setConfigCategory("c")
                .setCaptureTimeMillis(1L).setEmitTimeMillis(2L).setWidth(40).setHeight(40).setImageScore(max)
                .setThreshold(0.5).setAnomalous(max >= 0.5).setRegions(List.of())
                .setAnomalyMap(AnomalyMap.newBuilder().setWidth(N).setHeight(N).setBitDepth(16).setMaxValue(max)
                        .setPng(ByteBuffer.wrap(AnomalyMaps.toPng(map, N, N, 16, max))).build())
                .setRegionSource(RegionSource.STAND_IN).setModelIds(Map.of())
                .setStageLatencyMs(Map.of("pipeline", 10.0)).build();
    }

    static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
