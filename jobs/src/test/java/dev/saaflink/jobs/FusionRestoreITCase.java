package dev.saaflink.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * Issue 16: fusion lost its {@code keyBy(cameraId)} (it holds no state) and now runs chained to the split. A savepoint
 * taken with the keyed fusion must restore into the new graph, with {@code allowNonRestoredState} off, so that a
 * running job can be stopped with a savepoint and resubmitted in the new version. This builds both shapes of the tail
 * of {@link InspectionJob} with the job's uids and cheap stand-in stages (the uids and the topology are what a restore
 * maps, not what the stages compute): a sequence source, a slow stage, a keyed counter standing for the stream
 * context's keyed memory, the split, fusion (old: keyed; new: chained) and the sink. It stops the old one with a
 * savepoint halfway, starts the new one from it, and checks that the new one ran to the end, that every number
 * reached fusion exactly once over both runs (the source's position restored) and that the keyed counters went on
 * from where they were (the keyed state upstream of fusion restored).
 */
class FusionRestoreITCase {

    private static final int PARALLELISM = 2;
    private static final long RECORDS = 400;
    private static final int KEYS = 3;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(PARALLELISM).build());

    /** What reached fusion, as "key:count:n"; the MiniCluster runs in this JVM, so a static queue sees it. */
    private static final Queue<String> FUSED = new ConcurrentLinkedQueue<>();

    @Test
    void savepointOfTheKeyedFusionRestoresIntoTheChainedOne(@TempDir Path savepoints) throws Exception {
        FUSED.clear();
        JobClient old = job(true).executeAsync();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (FUSED.size() < 20 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(FUSED).as("the old graph produced output before the savepoint").hasSizeGreaterThanOrEqualTo(20);
        String savepoint = old.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(1, TimeUnit.MINUTES);
        List<String> before = new ArrayList<>(FUSED);
        assertThat(before).as("stopped halfway").hasSizeLessThan((int) RECORDS);

        FUSED.clear();
        StreamExecutionEnvironment chained = job(false);
        StreamGraph resumed = chained.getStreamGraph();
        // allowNonRestoredState = false: any state of the savepoint the new graph has no place for fails the start
        resumed.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        chained.executeAsync(resumed).getJobExecutionResult().get(2, TimeUnit.MINUTES);
        List<String> after = new ArrayList<>(FUSED);
        assertThat(after).as("the new graph ran on from the savepoint").isNotEmpty();

        List<String> all = new ArrayList<>(before);
        all.addAll(after);
        assertThat(all.stream().map(s -> Long.parseLong(s.split(":")[2])).sorted().toList())
                .as("every number reached fusion once over both runs")
                .isEqualTo(LongStream.range(0, RECORDS).boxed().toList());
        Map<String, List<Long>> countsPerKey = all.stream().collect(Collectors.groupingBy(s -> s.split(":")[0],
                TreeMap::new, Collectors.mapping(s -> Long.parseLong(s.split(":")[1]), Collectors.toList())));
        countsPerKey.forEach((key, counts) -> assertThat(counts.stream().sorted().toList())
                .as("key %s counted on from its restored state", key)
                .isEqualTo(LongStream.rangeClosed(1, counts.size()).boxed().toList()));
        assertThat(after.stream().mapToLong(s -> Long.parseLong(s.split(":")[1])).min().orElseThrow())
                .as("the new run's first counts continue the old run's, not 1 again").isGreaterThan(1);
    }

    /** The job's tail with its uids; {@code keyedFusion} is the graph before issue 16. */
    private static StreamExecutionEnvironment job(boolean keyedFusion) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(PARALLELISM);
        env.enableCheckpointing(Duration.ofHours(1).toMillis()); // savepoints only
        DataStream<Long> frames = env.fromSequence(0, RECORDS - 1).uid("frames-source")
                .map(FusionRestoreITCase::slowly).name("decode").uid("decode");
        DataStream<String> regions = frames
                .keyBy(n -> Long.toString(n % KEYS), Types.STRING)
                .process(new CountPerKey()).name("stream-context").uid("stream-context")
                .process(new PassThrough()).name("split-failures").uid("split-failures");
        DataStream<String> events = keyedFusion
                ? regions.keyBy(s -> s.split(":")[0], Types.STRING).process(new KeyedFusion())
                        .name("rescore-topk-fusion").uid("fusion")
                : regions.process(new Fusion()).name("rescore-topk-fusion").uid("fusion");
        events.sinkTo(new DiscardingSink<>()).name("events-sink").uid("events-sink");
        return env;
    }

    private static long slowly(long n) throws InterruptedException {
        Thread.sleep(10); // keeps the job running while the savepoint is taken
        return n;
    }

    /** Stands for the stream context's keyed memory: a count per key, emitted as "key:count:n". */
    private static final class CountPerKey extends KeyedProcessFunction<String, Long, String> {
        private transient ValueState<Long> count;

        @Override
        public void open(OpenContext context) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        }

        @Override
        public void processElement(Long n, Context ctx, Collector<String> out) throws Exception {
            long c = count.value() == null ? 1 : count.value() + 1;
            count.update(c);
            out.collect(ctx.getCurrentKey() + ":" + c + ":" + n);
        }
    }

    private static final class PassThrough extends ProcessFunction<String, String> {
        @Override
        public void processElement(String value, Context ctx, Collector<String> out) {
            out.collect(value);
        }
    }

    /** Fusion as it was: keyed, no state. */
    private static final class KeyedFusion extends KeyedProcessFunction<String, String, String> {
        @Override
        public void processElement(String value, Context ctx, Collector<String> out) {
            FUSED.add(value);
            out.collect(value);
        }
    }

    /** Fusion as it is: chained, no state. */
    private static final class Fusion extends ProcessFunction<String, String> {
        @Override
        public void processElement(String value, Context ctx, Collector<String> out) {
            FUSED.add(value);
            out.collect(value);
        }
    }
}
