package dev.saaflink.operators.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.FrameDecoder;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.operators.saa.SegmentedRegion;
import dev.saaflink.schemas.AvroBytes;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The category config resolved at decode crosses the keyBy inside {@link FrameRegions}, and sits in the async
 * operators' checkpointed queues inside {@link FrameInProgress}: both must come back whole through the serializer
 * Flink picks for them (CategoryConfig has final fields and immutable lists).
 */
class FrameRegionsSerializationTest {

    private static final CategoryConfig LIVE = CategoryConfig.builder("mtd").objectPrompt("mtd").instances(2)
            .topK(3).areaRatio(0.25).anomalyThreshold(0.45).generalPrompts(true)
            .addPrompt("crack.", "mtd").addPrompt("fray.", "mtd").build();

    private static <T> T roundTrip(Class<T> type, T value) throws Exception {
        TypeSerializer<T> serializer = TypeInformation.of(type).createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(value, out);
        T back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        // The copy Flink makes between operators when object reuse is off must be whole too.
        T copy = serializer.copy(value);
        assertThat(copy).usingRecursiveComparison().isEqualTo(value);
        return back;
    }

    private static void assertSameConfig(CategoryConfig back, CategoryConfig expected) {
        assertThat(back.toString()).isEqualTo(expected.toString());
        assertThat(back.allPrompts()).isEqualTo(expected.allPrompts());
        assertThat(back.getTopK()).isEqualTo(expected.getTopK());
        assertThat(back.getAnomalyThreshold()).isEqualTo(expected.getAnomalyThreshold());
        assertThat(back.getAreaRatio()).isEqualTo(expected.getAreaRatio());
        assertThat(back.objectMaxArea()).isEqualTo(expected.objectMaxArea());
    }

    @Test
    void frameRegionsComeBackWithTheirConfigAndVersion() throws Exception {
        FrameRegions r = new FrameRegions();
        r.cameraId = "cam-1";
        r.frameId = "f-1";
        r.category = "mtd";
        r.configCategory = "mtd";
        r.config = LIVE;
        r.configVersion = "x-v2";
        r.captureTimeMillis = 11L;
        r.arrivalMillis = 12L;
        r.width = 4;
        r.height = 3;
        r.regions = List.of(new SegmentedRegion(new RegionCandidate(0, 0, 2, 2, 0.4, "crack"), 4, 0.2,
                new int[] {0, 2, 2, 2, 6}));
        Map<String, Double> stageMs = new LinkedHashMap<>();
        stageMs.put("decode", 1.5);
        r.stageMs = stageMs;
        r.darkLines = new SparseMap(4, 3, new int[] {1, 7}, new float[] {0.25f, 0.5f});

        FrameRegions back = roundTrip(FrameRegions.class, r);

        assertThat(back.configVersion).isEqualTo("x-v2");
        assertThat(back.darkLines.index).containsExactly(1, 7);
        assertSameConfig(back.config, LIVE);
        assertThat(back).usingRecursiveComparison().isEqualTo(r);
    }

    @Test
    void aFileConfigRoundTripsToo() throws Exception {
        InspectionConfig file = InspectionConfigLoader.loadBundled("mvtec");
        for (CategoryConfig c : file.getCategories().values()) {
            FrameRegions r = new FrameRegions();
            r.cameraId = "c";
            r.config = c;
            r.configVersion = file.getVersion();
            assertSameConfig(roundTrip(FrameRegions.class, r).config, c);
        }
    }

    @Test
    void frameInProgressKeepsItsConfigThroughACheckpoint() throws Exception {
        DecodedFrame d = new DecodedFrame();
        d.cameraId = "cam-1";
        d.frameId = "f-1";
        d.category = "mtd";
        d.image = new RgbImage(2, 1, new byte[] {1, 2, 3, 4, 5, 6});
        d.source = new RawRecord("frames", 0, 5L, 6L, new byte[] {1}, new byte[] {2});
        FrameInProgress p = new FrameInProgress(d, new InspectionConfig.Resolved(LIVE, true, "x-v2"), 99L);

        FrameInProgress back = roundTrip(FrameInProgress.class, p);

        assertThat(back.configVersion).isEqualTo("x-v2");
        assertThat(back.configCategory).isEqualTo("mtd");
        assertSameConfig(back.config, LIVE);
        assertThat(back.frame.image.get(1, 0, 2)).isEqualTo(6);
    }

    /**
     * What the async operators checkpoint and the stream-context keyBy ships is a {@link FrameInProgress}: a frame
     * sent with a ground-truth mask must serialise to exactly the size of the same frame sent without one.
     */
    @Test
    void aGroundTruthMaskAddsNothingToWhatIsCheckpointedOrShuffled() throws Exception {
        byte[] image = png(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB));
        byte[] mask = new byte[32 * 1024];
        new java.util.Random(5).nextBytes(mask);
        Frame plain = Frame.newBuilder().setCameraId("cam-1").setFrameId("f-1").setCategory("mtd")
                .setCaptureTimeMillis(1L).setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.wrap(image)).build();
        Frame masked = Frame.newBuilder(plain).setGroundTruthMask(ByteBuffer.wrap(mask)).build();

        int plainBytes = serializedSize(inProgress(plain));
        int maskedBytes = serializedSize(inProgress(masked));

        assertThat(maskedBytes).isEqualTo(plainBytes);
        assertThat(roundTrip(FrameInProgress.class, inProgress(masked)).frame.source.value)
                .isEqualTo(encode(plain));
    }

    private static FrameInProgress inProgress(Frame frame) throws Exception {
        DecodedFrame d = new FrameDecoder().decode(new RawRecord("frames", 0, 5L, 6L, new byte[] {1}, encode(frame)));
        d.decodeNanos = 0;
        return new FrameInProgress(d, new InspectionConfig.Resolved(LIVE, true, "x-v2"), 99L);
    }

    private static int serializedSize(FrameInProgress p) throws Exception {
        TypeSerializer<FrameInProgress> serializer = TypeInformation.of(FrameInProgress.class)
                .createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(p, out);
        return out.length();
    }

    private static byte[] encode(Frame frame) throws IOException {
        return AvroBytes.toArray(Frame.getEncoder().encode(frame));
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
