package dev.saaflink.operators.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.schemas.RegionSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decoder skip of {@link SegmentationStage}: a frame whose saliency map stays below the threshold gets no SAM
 * decoder call and no regions; any other frame is segmented as before. The decoder here is absent (null): a call
 * would fail the test with a NullPointerException, so "no call" is what a passing skip case shows.
 */
class SegmentationStageSkipTest {

    private static final int W = 20;
    private static final int H = 10;

    /** A generator proposing one box over the whole frame, counting how often its candidates were asked for. */
    static final class OneBox implements RegionGenerator {
        private static final long serialVersionUID = 1L;
        final List<String> asked = new ArrayList<>();

        @Override
        public FrameProposals start(FrameInProgress frame, CategoryConfig category) {
            return new FrameProposals() {
                @Override
                public List<RegionCandidate> objectBoxes() {
                    return List.of();
                }

                @Override
                public double objectArea() {
                    return 1;
                }

                @Override
                public List<RegionCandidate> candidates() {
                    asked.add(frame.frame.frameId);
                    return List.of(new RegionCandidate(2, 2, 8, 6, 0.9, "box"));
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public RegionSource source() {
            return RegionSource.STAND_IN;
        }

        @Override
        public String id() {
            return "one-box";
        }
    }

    static FrameInProgress frame(float peak) {
        DecodedFrame d = new DecodedFrame();
        d.frameId = "f";
        d.cameraId = "c";
        d.category = "mtd";
        d.image = new RgbImage(W, H, new byte[W * H * 3]);
        CategoryConfig c = CategoryConfig.builder("mtd").objectPrompt("mtd").instances(1).topK(5).areaRatio(0.9)
                .anomalyThreshold(0.3).generalPrompts(false).addPrompt("crack.", "mtd").build();
        FrameInProgress p = new FrameInProgress(d, new InspectionConfig.Resolved(c, true, "1"), 0L);
        p.saliency = new float[W * H];
        p.saliency[W * 5 + 7] = peak;
        return p;
    }

    @Test
    void aFrameBelowTheThresholdGetsNoDecoderCallAndNoRegions() throws Exception {
        OneBox gen = new OneBox();
        SegmentationStage stage = new SegmentationStage(gen, 0.05);
        FrameInProgress p = frame(0.049f);
        stage.run(p, p.config, gen.start(p, p.config), null);
        assertThat(p.regions).isEmpty();
        assertThat(p.stageMs).containsKey("samDecoder");
    }

    @Test
    void aFrameReachingTheThresholdIsSegmented() {
        OneBox gen = new OneBox();
        SegmentationStage stage = new SegmentationStage(gen, 0.05);
        FrameInProgress p = frame(0.05f);
        // It goes on to the decoder, which this test does not have.
        assertThatThrownBy(() -> stage.run(p, p.config, gen.start(p, p.config), null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void offByDefaultAndNegativeRefused() {
        OneBox gen = new OneBox();
        FrameInProgress p = frame(0f);
        assertThat(new SegmentationStage(gen).clearlyNormal(p)).isFalse();
        assertThat(new SegmentationStage(gen, 0.05).clearlyNormal(p)).isTrue();
        assertThatThrownBy(() -> new SegmentationStage(gen, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
