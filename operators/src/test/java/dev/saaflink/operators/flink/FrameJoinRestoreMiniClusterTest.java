package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.DetectedRegions;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.FramePart;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.decode.DecodedFrame;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.testutils.junit.SharedObjectsExtension;
import org.apache.flink.testutils.junit.SharedReference;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The join restored from a real checkpoint taken in the middle of a join (MiniCluster, checkpoints every 100 ms):
 * frame f-2's encoder part reaches the join at once, its detector part only after 3 s, and the job fails right after
 * the join completed f-2. Restarted from the last checkpoint, which holds f-2's carrier in the join's state and f-2 in
 * the detector's queue, the detector runs f-2 again (not the encoder: the carrier came back from the join's state)
 * and f-2 leaves the join once, complete, like every other frame.
 */
class FrameJoinRestoreMiniClusterTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(() ->
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
                    .build());

    @RegisterExtension
    final SharedObjectsExtension shared = SharedObjectsExtension.create();

    private static final String SLOW = "f-2";
    private static final int FRAMES = 6;

    /** A record of the idle source after the frames; dropped before the branches. */
    private static FrameInProgress idle() {
        FrameInProgress p = new FrameInProgress();
        p.frame = new DecodedFrame();
        p.frame.frameId = "idle";
        return p;
    }

    /** A model stage without a model: counts its calls per frame; the detector holds f-2 the first time. */
    static final class ScriptedBranch extends ModelStageFunction {
        private static final long serialVersionUID = 1L;
        private final SharedReference<Map<String, AtomicInteger>> calls;
        private final long slowMillis;

        ScriptedBranch(String stage, PipelineSettings settings, SharedReference<Map<String, AtomicInteger>> calls,
                       long slowMillis) {
            super(stage, settings);
            this.calls = calls;
            this.slowMillis = slowMillis;
        }

        @Override
        protected int workerThreads() {
            return settings.asyncCapacity; // the slow frame must not hold up the others
        }

        @Override
        protected void openModels() {
        }

        @Override
        protected void process(FrameInProgress frame) throws Exception {
            String id = frame.frame.frameId;
            int n = calls.get().computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            if (slowMillis > 0 && SLOW.equals(id) && n == 1) {
                Thread.sleep(slowMillis);
            }
            frame.detected = new DetectedRegions();
        }

        @Override
        protected void closeModels() {
        }
    }

    /** Fails the task once, on the first sight of f-2 after the join. */
    static final class FailOnce implements MapFunction<FrameInProgress, String> {
        private static final long serialVersionUID = 1L;
        private final SharedReference<AtomicInteger> failures;

        FailOnce(SharedReference<AtomicInteger> failures) {
            this.failures = failures;
        }

        @Override
        public String map(FrameInProgress p) {
            if (SLOW.equals(p.frame.frameId) && failures.get().getAndIncrement() == 0) {
                throw new IllegalStateException("injected failure after the join completed " + SLOW);
            }
            return p.frame.frameId + (p.failed() ? " failed: " + p.failure.stage + " " + p.failure.message : "")
                    + (p.detected == null ? " without the detector's part" : "");
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES) // a join that lost f-2 would otherwise leave the reader waiting
    void aFrameCaughtHalfwayByTheCheckpointCompletesOnceAfterTheRestore() throws Exception {
        SharedReference<Map<String, AtomicInteger>> encodes = shared.add(new ConcurrentHashMap<>());
        SharedReference<Map<String, AtomicInteger>> detections = shared.add(new ConcurrentHashMap<>());
        SharedReference<AtomicInteger> failures = shared.add(new AtomicInteger());
        PipelineSettings settings = new PipelineSettings(InspectionConfigLoader.loadDefault());
        settings.asyncCapacity = 4;
        settings.joinTimeoutMillis = 30_000;
        settings.validate();

        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        env.enableCheckpointing(100);

        // Six frames, then only idle records the filter drops: the source never ends, so no end of input drains the
        // async operators and the restart comes from a checkpoint taken while the job runs, as in production.
        DataGeneratorSource<FrameInProgress> source = new DataGeneratorSource<>(
                i -> i < FRAMES ? SplitFailuresFunctionTest.frame("cam-1", "f-" + i) : idle(),
                Long.MAX_VALUE, RateLimiterStrategy.perSecond(50), TypeInformation.of(FrameInProgress.class));
        DataStream<FrameInProgress> decoded = env.fromSource(source, WatermarkStrategy.noWatermarks(), "frames")
                .filter(p -> p.frame.frameId.startsWith("f-"));
        DataStream<FramePart> carrier = AsyncDataStream.unorderedWait(decoded,
                        new ScriptedBranch("samEncoder", settings, encodes, 0), 60, TimeUnit.SECONDS, 4)
                .map(p -> FramePart.carrier("samEncoder", p)).returns(FramePart.class);
        DataStream<FramePart> detector = AsyncDataStream.unorderedWait(decoded,
                        new ScriptedBranch("detector", settings, detections, 3_000), 60, TimeUnit.SECONDS, 4)
                .map(p -> FramePart.output("detector", p)).returns(FramePart.class);
        List<String> out = new ArrayList<>();
        try (CloseableIterator<String> results = carrier.union(detector)
                .keyBy(FramePart::key, Types.STRING)
                .process(new FrameJoinFunction(settings, List.of("samEncoder", "detector")))
                .returns(FrameInProgress.class)
                .map(new FailOnce(failures))
                .executeAndCollect("join-restore")) {
            while (out.size() < FRAMES) {
                out.add(results.next());
            }
        }

        assertThat(failures.get().get()).as("the injected failure happened, and f-2 came again after it").isEqualTo(2);
        assertThat(out).as("every frame once, complete").containsExactlyInAnyOrder(
                "f-0", "f-1", "f-2", "f-3", "f-4", "f-5");
        assertThat(detections.get().get(SLOW).get()).as("the detector ran f-2 again from its restored queue")
                .isEqualTo(2);
        assertThat(encodes.get().get(SLOW).get()).as("the carrier came back from the join's state, not encoded again")
                .isEqualTo(1);
        assertThat(encodes.get().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())))
                .as("nothing before the checkpoint was encoded twice").allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
    }
}
