package dev.saaflink.jobs.embedded;

import dev.saaflink.jobs.InspectionJob;
import dev.saaflink.jobs.KafkaEndpoints;
import dev.saaflink.jobs.LocalFlink;
import dev.saaflink.jobs.cli.Progress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.DeadLetter;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Runs the inspection job on a local MiniCluster over a topic of any Kafka cluster, up to fixed end offsets, and
 * collects what it wrote as a {@code read_committed} consumer sees it. The embedded runs (demo, eval, tests) and the
 * replay of a recorded topic share it; only the broker and the way frames got into the topic differ.
 */
public final class TopicInspection {

    /** What the job wrote, and how long it ran. */
    public record Result(List<AnomalyEvent> events, List<DeadLetter> deadLetters, double jobSeconds) {}

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    private final PipelineSettings settings;
    private int parallelism = 1;
    private long checkpointIntervalMillis = 2_000;
    private UnaryOperator<DataStream<AnomalyEvent>> beforeEventSink = UnaryOperator.identity();

    public TopicInspection(String bootstrapServers, Map<String, String> clientProperties, PipelineSettings settings) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = Map.copyOf(clientProperties);
        this.settings = settings;
    }

    public TopicInspection parallelism(int parallelism) {
        this.parallelism = parallelism;
        return this;
    }

    public TopicInspection checkpointInterval(long millis) {
        this.checkpointIntervalMillis = millis;
        return this;
    }

    /** Test hook: wraps the event stream before its sink (see {@link InspectionJob#build}). */
    public TopicInspection beforeEventSink(UnaryOperator<DataStream<AnomalyEvent>> hook) {
        this.beforeEventSink = hook;
        return this;
    }

    /**
     * Inspects {@code framesTopic} from its beginning (a fresh consumer group) up to {@code stopOffsets} (null: the
     * end offsets when the job starts), writing to the two output topics, which must exist and which the caller
     * should not share with another writer: everything read back from them is attributed to this run.
     *
     * @param expectedRecords how many input records to show progress against
     */
    public Result run(String framesTopic, Map<TopicPartition, Long> stopOffsets, String eventsTopic,
                      String deadLettersTopic, String runId, int expectedRecords) throws Exception {
        KafkaEndpoints endpoints = new KafkaEndpoints(bootstrapServers, clientProperties);
        InspectionJob job = new InspectionJob(
                endpoints.framesSource(framesTopic, runId, stopOffsets),
                endpoints.eventsSink(eventsTopic, runId + "-events"),
                endpoints.deadLetterSink(deadLettersTopic, runId + "-dead-letters"),
                settings);
        Path checkpoints = Files.createTempDirectory("saa-checkpoints-");
        try (TopicTail tail = new TopicTail(bootstrapServers, clientProperties, eventsTopic, deadLettersTopic)) {
            StreamExecutionEnvironment env = LocalFlink.localEnvironment(parallelism, checkpointIntervalMillis, checkpoints);
            job.build(env, beforeEventSink);

            long start = System.nanoTime();
            Progress inspecting = new Progress("inspect", "frames", expectedRecords);
            JobClient client = env.executeAsync("saa-inspection");
            CompletableFuture<?> result = client.getJobExecutionResult();
            while (!result.isDone()) {
                inspecting.advance(tail.poll(Duration.ofMillis(500)));
                inspecting.maybePrint();
            }
            result.get();
            double jobSeconds = (System.nanoTime() - start) / 1e9;
            tail.drainToEnd(Duration.ofMinutes(2));
            inspecting.advance(Math.max(0, tail.records().size() - inspecting.done()));
            inspecting.finish();
            return new Result(decodeAll(tail.values(eventsTopic), AnomalyEvent.getDecoder()::decode),
                    decodeAll(tail.values(deadLettersTopic), DeadLetter.getDecoder()::decode), jobSeconds);
        } finally {
            deleteRecursively(checkpoints);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    interface Decoder<T> {
        T decode(ByteBuffer bytes) throws IOException;
    }

    static <T> List<T> decodeAll(List<byte[]> values, Decoder<T> decoder) {
        List<T> out = new ArrayList<>(values.size());
        for (byte[] v : values) {
            try {
                out.add(decoder.decode(ByteBuffer.wrap(v)));
            } catch (IOException e) {
                throw new UncheckedIOException("the job wrote a record its own schema cannot read", e);
            }
        }
        return out;
    }
}
