package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.context.MemoryRing;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.saa.SaliencyBackend;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;

/**
 * Keyed test harnesses of {@link StreamContextFunction} for one camera ({@code cam-a}, category {@code mtd}) with a
 * given stream-context config (no TTL, the Java scorer), closed together by {@link #close}.
 */
final class StreamContextHarness implements AutoCloseable {

    static final String KEY = "cam-a\u0000mtd";

    private final StreamContextConfig config;
    private final List<KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress>> open =
            new ArrayList<>();
    private long time;

    StreamContextHarness(StreamContextConfig config) {
        this.config = config.withKeyBounds(Duration.ZERO, 64);
    }

    private PipelineSettings settings() {
        PipelineSettings s = new PipelineSettings(InspectionConfigLoader.loadDefault().withStreamContext(config));
        s.saliencyBackend = SaliencyBackend.JAVA;
        return s;
    }

    KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> start() throws Exception {
        var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new StreamContextFunction(settings()),
                StreamContextFunction::key, Types.STRING);
        open.add(h);
        return h;
    }

    KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> restored(
            OperatorSubtaskState state) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new StreamContextFunction(settings())), StreamContextFunction::key,
                Types.STRING);
        open.add(h);
        h.setup();
        h.initializeState(state);
        h.open();
        return h;
    }

    /** Sends one frame of camera {@code cam-a} and returns the one frame emitted, which must not have failed. */
    FrameInProgress process(KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> h,
                            String frameId, RgbImage image, SamEmbedding embedding) throws Exception {
        DecodedFrame f = new DecodedFrame();
        f.cameraId = "cam-a";
        f.frameId = frameId;
        f.category = "mtd";
        f.image = image;
        FrameInProgress p = new FrameInProgress(f, InspectionConfigLoader.loadDefault().resolve("mtd"), 1L);
        p.embedding = embedding;
        h.processElement(p, ++time);
        List<FrameInProgress> out = h.extractOutputValues();
        h.getOutput().clear();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).failed()).isFalse();
        return out.get(0);
    }

    /** The camera's ring state. */
    MemoryRing ring(KeyedOneInputStreamOperatorTestHarness<String, FrameInProgress, FrameInProgress> h)
            throws Exception {
        AbstractStreamOperator<FrameInProgress> op = h.getOperator();
        op.setCurrentKey(KEY);
        return op.getKeyedStateStore().getState(StreamContextFunction.ringDescriptor(config)).value();
    }

    @Override
    public void close() throws Exception {
        for (var h : open) {
            h.close();
        }
    }
}
