package dev.saaflink.operators.flink;

import dev.saaflink.schemas.AvroBytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.DeadLetter;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Decoding in the operator: good frames go on with their config resolved, bad ones become dead letters. */
class DecodeFrameFunctionTest {

    private OneInputStreamOperatorTestHarness<RawRecord, FrameInProgress> harness;

    @BeforeEach
    void open() throws Exception {
        PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault());
        harness = ProcessFunctionTestHarnesses.forProcessFunction(new DecodeFrameFunction(settings));
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "png", bytes)).isTrue();
        return bytes.toByteArray();
    }

    /** 6x4, left half pure red, right half pure blue. */
    static BufferedImage twoColours() {
        BufferedImage img = new BufferedImage(6, 4, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 6; x++) {
                img.setRGB(x, y, x < 3 ? 0xFF0000 : 0x0000FF);
            }
        }
        return img;
    }

    static BufferedImage noise(int w, int h) {
        Random random = new Random(11);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return img;
    }

    static byte[] encode(String category, byte[] image) throws IOException {
        Frame frame = Frame.newBuilder()
                .setCameraId("cam-1")
                .setFrameId("frame-17")
                .setCategory(category)
                .setCaptureTimeMillis(1_700_000_000_500L)
                .setEncoding(ImageEncoding.PNG)
                .setImage(ByteBuffer.wrap(image))
                .setAttributes(Map.of("line", "L1"))
                .build();
        ByteBuffer buf = Frame.getEncoder().encode(frame);
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    static RawRecord record(byte[] value) {
        return new RawRecord("frames", 2, 77L, 1_700_000_000_900L, "cam-1".getBytes(), value);
    }

    private List<DeadLetter> deadLetters() {
        List<DeadLetter> out = new ArrayList<>();
        if (harness.getSideOutput(DeadLetterOutput.TAG) != null) {
            for (StreamRecord<DeadLetter> r : harness.getSideOutput(DeadLetterOutput.TAG)) {
                out.add(r.getValue());
            }
        }
        return out;
    }


    @Test
    void knownCategoryKeepsItsOwnConfig() throws Exception {
        long before = System.currentTimeMillis();
        harness.processElement(record(encode("mtd", png(twoColours()))), 5L);

        assertThat(deadLetters()).isEmpty();
        List<FrameInProgress> out = harness.extractOutputValues();
        assertThat(out).hasSize(1);
        FrameInProgress p = out.get(0);
        assertThat(p.failed()).isFalse();
        assertThat(p.configCategory).isEqualTo("mtd");
        assertThat(p.knownCategory).isTrue();
        assertThat(p.arrivalMillis).isBetween(before, System.currentTimeMillis());
        assertThat(p.stageMs).containsOnlyKeys("decode");
        assertThat(p.frame.cameraId).isEqualTo("cam-1");
        assertThat(p.frame.frameId).isEqualTo("frame-17");
        assertThat(p.frame.category).isEqualTo("mtd");
        assertThat(p.frame.captureTimeMillis).isEqualTo(1_700_000_000_500L);
        assertThat(p.frame.source.offset).isEqualTo(77L);
        assertThat(p.frame.image.width).isEqualTo(6);
        assertThat(p.frame.image.height).isEqualTo(4);
        // RGB order: (0, 0) is red, (5, 3) is blue.
        assertThat(new int[] {p.frame.image.get(0, 0, 0), p.frame.image.get(0, 0, 1), p.frame.image.get(0, 0, 2)})
                .containsExactly(255, 0, 0);
        assertThat(new int[] {p.frame.image.get(5, 3, 0), p.frame.image.get(5, 3, 1), p.frame.image.get(5, 3, 2)})
                .containsExactly(0, 0, 255);
    }

    @Test
    void unknownCategoryFallsBackToDefault() throws Exception {
        harness.processElement(record(encode("gizmo", png(twoColours()))), 5L);

        assertThat(deadLetters()).isEmpty();
        FrameInProgress p = harness.extractOutputValues().get(0);
        assertThat(p.configCategory).isEqualTo("default");
        assertThat(p.knownCategory).isFalse();
        // The frame keeps the category it was sent with.
        assertThat(p.frame.category).isEqualTo("gizmo");
    }

    @Test
    void garbageBytesAreADeadLetterWithThePayload() throws Exception {
        byte[] junk = new byte[200];
        new Random(5).nextBytes(junk);
        junk[0] = 0x42; // not the Avro single-object magic
        harness.processElement(record(junk), 5L);

        assertThat(harness.extractOutputValues()).isEmpty();
        List<DeadLetter> letters = deadLetters();
        assertThat(letters).hasSize(1);
        DeadLetter d = letters.get(0);
        assertThat(d.getStage()).isEqualTo("envelope");
        assertThat(d.getReason()).isEqualTo("NOT_AVRO");
        assertThat(d.getCameraId()).isNull();
        assertThat(d.getSourceTopic()).isEqualTo("frames");
        assertThat(d.getPartition()).isEqualTo(2);
        assertThat(d.getOffset()).isEqualTo(77L);
        assertThat(AvroBytes.toArray(d.getKey())).isEqualTo("cam-1".getBytes());
        assertThat(AvroBytes.toArray(d.getPayload())).isEqualTo(junk);
    }

    @Test
    void truncatedImageIsADeadLetterWithTheWholeRecord() throws Exception {
        byte[] full = png(noise(40, 30));
        byte[] value = encode("mtd", Arrays.copyOf(full, full.length / 2));
        harness.processElement(record(value), 5L);

        assertThat(harness.extractOutputValues()).isEmpty();
        List<DeadLetter> letters = deadLetters();
        assertThat(letters).hasSize(1);
        DeadLetter d = letters.get(0);
        assertThat(d.getStage()).isEqualTo("image-decode");
        assertThat(d.getReason()).isEqualTo("TRUNCATED_IMAGE");
        // The envelope decoded, so the ids are known.
        assertThat(d.getCameraId()).isEqualTo("cam-1");
        assertThat(d.getFrameId()).isEqualTo("frame-17");
        assertThat(d.getErrorClass()).isNotEmpty();
        assertThat(AvroBytes.toArray(d.getPayload())).isEqualTo(value);
    }

    @Test
    void aBadRecordDoesNotStopTheNextOne() throws Exception {
        harness.processElement(record(new byte[0]), 1L);
        harness.processElement(record(encode("ksdd2", png(twoColours()))), 2L);

        assertThat(deadLetters()).extracting(DeadLetter::getReason).containsExactly("NOT_AVRO");
        assertThat(harness.extractOutputValues()).extracting(p -> p.configCategory).containsExactly("ksdd2");
    }
}
