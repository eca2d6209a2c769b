package dev.saaflink.operators.stages;

import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.saa.AnomalyMaps;
import dev.saaflink.operators.saa.SegmentedRegion;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.AnomalyMap;
import dev.saaflink.schemas.MaskRle;
import dev.saaflink.schemas.Region;
import dev.saaflink.schemas.RegionSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns a fused frame into the {@link AnomalyEvent} written to the events topic. */
public final class EventBuilder {

    private EventBuilder() {}

    public static AnomalyEvent build(FrameRegions frame, FusionStage.Fused fused, CategoryConfig category,
                                     String configVersion, RegionSource source, Map<String, String> modelIds,
                                     int mapSize, int mapBits, long emitMillis) {
        List<Region> regions = new ArrayList<>(fused.kept.size());
        for (int idx : fused.kept) {
            SegmentedRegion r = frame.regions.get(idx);
            List<Integer> counts = new ArrayList<>(r.rleCounts.length);
            for (int c : r.rleCounts) {
                counts.add(c);
            }
            regions.add(Region.newBuilder()
                    .setX1(r.box.x1).setY1(r.box.y1).setX2(r.box.x2).setY2(r.box.y2)
                    .setDetectorScore(r.box.score)
                    .setRescoredScore(fused.rescored[idx])
                    .setLabel(r.box.label == null ? "" : r.box.label)
                    .setAreaPixels(r.areaPixels)
                    .setMask(new MaskRle(frame.width, frame.height, counts))
                    .build());
        }

        AnomalyMap map = null;
        if (mapSize > 0) {
            float[] small = AnomalyMaps.resizeForOutput(fused.map, fused.width, fused.height, mapSize, mapSize);
            double maxValue = 0;
            for (float v : small) {
                maxValue = Math.max(maxValue, v);
            }
            byte[] png = AnomalyMaps.toPng(small, mapSize, mapSize, mapBits, maxValue);
            map = new AnomalyMap(mapSize, mapSize, mapBits, maxValue, ByteBuffer.wrap(png));
        }

        Map<String, Double> latency = new LinkedHashMap<>(frame.stageMs);
        latency.put("pipeline", (double) (emitMillis - frame.arrivalMillis));

        double threshold = category.getAnomalyThreshold();
        return AnomalyEvent.newBuilder()
                .setCameraId(frame.cameraId)
                .setFrameId(frame.frameId)
                .setCategory(frame.category)
                .setConfigCategory(frame.configCategory)
                .setConfigVersion(configVersion == null ? "" : configVersion)
                .setCaptureTimeMillis(frame.captureTimeMillis)
                .setEmitTimeMillis(emitMillis)
                .setWidth(frame.width)
                .setHeight(frame.height)
                .setImageScore(fused.imageScore)
                .setThreshold(threshold)
                .setAnomalous(fused.imageScore >= threshold)
                .setRegions(regions)
                .setAnomalyMap(map)
                .setRegionSource(source)
                .setModelIds(new LinkedHashMap<>(modelIds))
                .setStageLatencyMs(latency)
                .build();
    }
}
