package dev.saaflink.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.operators.config.InspectionConfig;
import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.config.StreamContextConfig;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.runtime.partitioner.KeyGroupStreamPartitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Issue 16: the models that need only the image fan out from decode into async branches joined by frame when the
 * config has them (GroundingDINO; WideResNet50 features with the stream context off), and with the default config
 * the graph stays as it was: the encoder alone, no join, the same operators and uids.
 */
class InspectionJobFanOutGraphTest {

    private static final String CATEGORIES = "categories:\n  default:\n    objectPrompt: object\n    topK: 5\n"
            + "    areaRatio: 0.9\n    anomalyThreshold: 0.3\n";

    private static StreamGraph graph(InspectionConfig config) {
        KafkaEndpoints kafka = new KafkaEndpoints("localhost:1", Map.of());
        InspectionJob job = new InspectionJob(kafka.framesSource("frames", "g", false),
                kafka.eventsSink("events", "t-events"), kafka.deadLetterSink("dead-letters", "t-dead-letters"),
                new PipelineSettings(config));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
        job.build(env);
        return env.getStreamGraph();
    }

    /** Config with GroundingDINO and/or WideResNet50 (manifests only: building the graph loads no model). */
    private static InspectionConfig config(Path dir, boolean detector, boolean features) throws Exception {
        Files.write(dir.resolve("g.onnx"), new byte[] {1});
        Files.writeString(dir.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
        Files.writeString(dir.resolve("g.properties"), "id=t/g\nfile=g.onnx\nsha256=" + "0".repeat(64)
                + "\nbytes=1\ntext.vocab=vocab.txt\n");
        Files.write(dir.resolve("wrn.onnx"), new byte[] {1});
        Files.writeString(dir.resolve("wrn.properties"), "id=t/wrn\nfile=wrn.onnx\nsha256=" + "ab".repeat(32)
                + "\nbytes=1\ninput.size=256\ninput.mean=123.675,116.28,103.53\ninput.std=58.395,57.12,57.375\n");
        String yaml = "version: 1\n"
                + (detector ? "regionGenerator: {type: groundingdino, model: g.properties}\n" : "")
                + (features ? "saliencyFeatures: {type: wideresnet50, model: wrn.properties}\n" : "")
                + CATEGORIES;
        return InspectionConfigLoader.parse(yaml, "test.yaml", dir);
    }

    private static Set<String> uids(StreamGraph g) {
        return g.getStreamNodes().stream().map(StreamNode::getTransformationUID).filter(Objects::nonNull)
                .collect(Collectors.toSet());
    }

    private static StreamNode node(StreamGraph g, String uid) {
        return g.getStreamNodes().stream().filter(n -> uid.equals(n.getTransformationUID())).findFirst()
                .orElseThrow(() -> new AssertionError("no operator with uid " + uid));
    }

    private static Set<String> inputs(StreamGraph g, String uid) {
        return node(g, uid).getInEdges().stream().map(e -> g.getStreamNode(e.getSourceId()).getTransformationUID())
                .collect(Collectors.toSet());
    }

    @Test
    void theDefaultConfigHasNoFanOutAndTheGraphOfBefore() {
        StreamGraph g = graph(InspectionConfigLoader.loadDefault());
        assertThat(uids(g)).doesNotContain("join", "detector", "features", "join-part-sam-encoder")
                .contains("decode", "sam-encoder", "stream-context", "segmentation", "split-failures", "fusion");
        assertThat(inputs(g, "sam-encoder")).containsExactly("decode");
        assertThat(inputs(g, "stream-context")).containsExactly("sam-encoder");
    }

    @Test
    void groundingDinoRunsBesideTheEncoderAndTheirPartsJoinByFrame(@TempDir Path dir) throws Exception {
        StreamGraph g = graph(config(dir, true, false));
        assertThat(uids(g)).contains("detector", "join").doesNotContain("features");
        assertThat(inputs(g, "sam-encoder")).containsExactly("decode");
        assertThat(inputs(g, "detector")).containsExactly("decode");
        assertThat(inputs(g, "join")).containsExactlyInAnyOrder("join-part-sam-encoder", "join-part-detector");
        assertThat(node(g, "join").getInEdges()).allSatisfy(e ->
                assertThat(e.getPartitioner()).as("keyed by frame").isInstanceOf(KeyGroupStreamPartitioner.class));
        assertThat(inputs(g, "stream-context")).containsExactly("join");
    }

    @Test
    void wideResNetFeaturesAreABranchOnlyWithoutTheStreamContext(@TempDir Path dir) throws Exception {
        InspectionConfig withContext = config(dir, false, true);
        assertThat(uids(graph(withContext))).as("the stream-context map replaces the single-instance map")
                .doesNotContain("features", "join");

        StreamGraph g = graph(withContext.withStreamContext(StreamContextConfig.off()));
        assertThat(uids(g)).contains("features", "join").doesNotContain("detector");
        assertThat(inputs(g, "features")).containsExactly("decode");
        assertThat(inputs(g, "join")).containsExactlyInAnyOrder("join-part-sam-encoder", "join-part-features");
    }

    @Test
    void bothModelsMakeThreeBranches(@TempDir Path dir) throws Exception {
        StreamGraph g = graph(config(dir, true, true).withStreamContext(StreamContextConfig.off()));
        assertThat(inputs(g, "join")).containsExactlyInAnyOrder("join-part-sam-encoder", "join-part-detector",
                "join-part-features");
        assertThat(inputs(g, "drop-memory-records")).containsExactly("join");
        assertThat(InspectionJob.fanOutBranches(new PipelineSettings(config(dir, true, true)
                .withStreamContext(StreamContextConfig.off())))).containsExactly("samEncoder", "detector", "features");
    }
}
