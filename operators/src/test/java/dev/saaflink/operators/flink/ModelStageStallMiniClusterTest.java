package dev.saaflink.operators.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.models.image.RgbImage;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13 item 2 at job level: a real MiniCluster job (generated frames of half a megabyte of pixels each, the
 * fault-injecting {@link StallingOrtStage} behind Flink's async operator, a recording sink) whose model stalls on
 * four consecutive frames. Checks that the job gets back to its normal throughput right after the stall, that every
 * frame comes out once (done, or TIMEOUT for the stalled ones), and that the frames held in memory stay within the
 * async capacity while the stall lasts (counted as reachable frame images after a GC, alongside the heap in use).
 */
class ModelStageStallMiniClusterTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(() ->
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(1)
                    .build());

    private static final int BEFORE = 300;
    private static final int STALLS = 4;
    private static final int AFTER = 300;
    private static final int TOTAL = BEFORE + STALLS + AFTER;
    private static final int CAPACITY = 4;
    private static final long TIMEOUT_MS = 1_000;
    /** 512 KB of pixels per frame, so that retained frames show in the heap. */
    private static final int WIDTH = 512;
    private static final int HEIGHT = 341;

    record Seen(int index, String outcome, long nanos) {
    }

    static final Queue<Seen> SEEN = new ConcurrentLinkedQueue<>();

    static String id(long i) {
        return (i >= BEFORE && i < BEFORE + STALLS ? "stall-" : "ok-") + i;
    }

    /** Frame i, with a full-size image; frames BEFORE .. BEFORE+STALLS-1 stall the model. */
    static final class Frames implements GeneratorFunction<Long, FrameInProgress> {
        private static final long serialVersionUID = 1L;

        @Override
        public FrameInProgress map(Long i) {
            FrameInProgress p = SplitFailuresFunctionTest.frame("cam-1", id(i));
            p.frame.image = new RgbImage(WIDTH, HEIGHT, new byte[WIDTH * HEIGHT * 3]);
            p.regions = null;
            return p;
        }
    }

    /** Records each frame's outcome and arrival time at the sink. */
    static final class Record implements MapFunction<FrameInProgress, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String map(FrameInProgress p) {
            String id = p.frame.frameId;
            SEEN.add(new Seen(Integer.parseInt(id.substring(id.indexOf('-') + 1)),
                    p.failure == null ? "ok" : p.failure.reason.name(), System.nanoTime()));
            return id;
        }
    }

    /** Frames per second at the sink over the frames with index in [from, to). */
    private static double rate(List<Seen> seen, int from, int to) {
        List<Long> t = seen.stream().filter(s -> s.index() >= from && s.index() < to).map(Seen::nanos).sorted()
                .toList();
        return (t.size() - 1) / ((t.get(t.size() - 1) - t.get(0)) / 1e9);
    }

    @Test
    void afterAStallTheJobRecoversItsThroughputAccountsForEveryFrameAndRetainsNoMoreThanItsCapacity()
            throws Exception {
        StallingOrtStage.reset();
        SEEN.clear();
        PipelineSettings settings = ModelStageCancelTest.settings(2);
        settings.asyncCapacity = CAPACITY;

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        AsyncDataStream.unorderedWait(
                        env.fromSource(new DataGeneratorSource<>(new Frames(), TOTAL,
                                        TypeInformation.of(FrameInProgress.class)),
                                WatermarkStrategy.noWatermarks(), "frames"),
                        new StallingOrtStage(settings, 40), TIMEOUT_MS, TimeUnit.MILLISECONDS, CAPACITY)
                .map(new Record())
                .sinkTo(new DiscardingSink<>());

        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        long t0 = System.nanoTime();
        JobClient job = env.executeAsync("model stall");
        int peakLive = 0;
        long peakHeap = 0;
        long deadline = t0 + TimeUnit.SECONDS.toNanos(100);
        while (!job.getJobExecutionResult().isDone()) {
            assertThat(System.nanoTime()).as("job finished within 100 s").isLessThan(deadline);
            Thread.sleep(100);
            System.gc();
            peakLive = Math.max(peakLive, StallingOrtStage.liveTracked());
            peakHeap = Math.max(peakHeap, memory.getHeapMemoryUsage().getUsed());
        }
        job.getJobExecutionResult().get();
        double seconds = (System.nanoTime() - t0) / 1e9;

        List<Seen> seen = new ArrayList<>(SEEN);
        double before = rate(seen, 50, BEFORE);
        double after = rate(seen, BEFORE + STALLS + CAPACITY, TOTAL);
        Map<String, Long> outcomes = seen.stream().collect(Collectors.groupingBy(Seen::outcome,
                Collectors.counting()));
        System.out.printf("ModelStageStallMiniClusterTest: %d frames in %.1f s; %.0f frames/s before the stall, %.0f"
                        + " after; outcomes %s; process() calls %d (stall frames %d); peak reachable frame images %d"
                        + " (%d KB each); peak heap after GC %d MB (%d MB before the job)%n", seen.size(), seconds,
                before, after, outcomes, StallingOrtStage.CALLS.get(), StallingOrtStage.STALL_CALLS.get(), peakLive,
                WIDTH * HEIGHT * 3 / 1024, peakHeap >> 20, heapBefore >> 20);

        // Every frame accounted for, once.
        assertThat(seen).hasSize(TOTAL);
        assertThat(seen.stream().map(Seen::index).collect(Collectors.toSet())).hasSize(TOTAL);
        Map<Integer, String> byIndex = seen.stream().collect(Collectors.toMap(Seen::index, Seen::outcome));
        for (int i = BEFORE; i < BEFORE + STALLS; i++) {
            assertThat(byIndex.get(i)).as("stall frame %d", i).isEqualTo("TIMEOUT");
        }
        // The stall costs the stalled frames, not the stream: few frames besides them time out...
        assertThat(outcomes.getOrDefault("TIMEOUT", 0L)).isLessThanOrEqualTo(STALLS + CAPACITY);
        assertThat(seen.stream().filter(s -> s.index() >= BEFORE + STALLS + CAPACITY).map(Seen::outcome))
                .containsOnly("ok");
        // ...the stalled calls were cut short, not run to their end...
        assertThat(StallingOrtStage.STALLS_COMPLETED).hasValue(0);
        // ...the throughput comes back (a quarter of it at least: a wide margin for a busy machine and the sampler's
        // GCs; before the fix it was a twentieth)...
        assertThat(after).isGreaterThan(before / 4);
        // ...and the frames held meanwhile stay within a few capacities' worth (the async queue, the worker's copy,
        // answers on their way to the sink; before the fix every frame timed out during the stall stayed queued).
        assertThat(peakLive).isLessThanOrEqualTo(5 * CAPACITY);
    }
}
