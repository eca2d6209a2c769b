package dev.saaflink.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamEdge;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.graph.StreamingJobGraphGenerator;
import org.apache.flink.streaming.runtime.partitioner.ForwardPartitioner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/** The shape of the job graph that {@link InspectionJob} builds with the default settings, read without running it. */
class InspectionJobGraphTest {

    private static StreamGraph graph;

    @BeforeAll
    static void build() {
        KafkaEndpoints kafka = new KafkaEndpoints("localhost:1", Map.of());
        InspectionJob job = new InspectionJob(kafka.framesSource("frames", "g", false),
                kafka.eventsSink("events", "t-events"), kafka.deadLetterSink("dead-letters", "t-dead-letters"),
                new PipelineSettings(InspectionConfigLoader.loadDefault()));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
        job.build(env);
        graph = env.getStreamGraph();
    }

    /**
     * Issue 13: every operator that turns a frame into a dead letter feeds the dead-letter sink: decode, the split
     * after the model stages (which carries the stream context's failures too) and fusion.
     */
    @Test
    void decodeSplitFailuresAndFusionFeedTheDeadLetterSink() {
        StreamNode sink = graph.getStreamNodes().stream()
                .filter(n -> n.getTransformationUID() != null
                        && n.getTransformationUID().startsWith("dead-letters-sink"))
                .filter(n -> n.getInEdges().stream().anyMatch(e -> "decode".equals(uid(e.getSourceId()))))
                .findFirst().orElseThrow();
        Set<String> feeding = sink.getInEdges().stream().map(e -> uid(e.getSourceId())).collect(Collectors.toSet());
        assertThat(feeding).containsExactlyInAnyOrder("decode", "split-failures", "fusion");
    }

    /**
     * Issue 16: fusion holds no state, so the job no longer keys by camera before it; a keyBy there sent every frame's
     * masks through a network shuffle (serialised, even at parallelism 1) for nothing. Fusion must follow the split
     * over a forward edge and run in the same task (one chain), with its uid unchanged ({@link FusionRestoreITCase}
     * restores a savepoint of the keyed shape into this one).
     */
    @Test
    void fusionIsChainedToTheSplitWithoutAKeyBy() {
        StreamNode fusion = node("fusion");
        List<StreamEdge> in = fusion.getInEdges();
        assertThat(in).hasSize(1);
        assertThat(node("split-failures").getId()).isEqualTo(in.get(0).getSourceId());
        assertThat(in.get(0).getPartitioner()).as("no keyBy: a forward edge").isInstanceOf(ForwardPartitioner.class);

        JobGraph jobGraph = StreamingJobGraphGenerator.createJobGraph(graph);
        List<String> vertices = StreamSupport.stream(jobGraph.getVertices().spliterator(), false)
                .map(JobVertex::getName).collect(Collectors.toList());
        assertThat(vertices).as("split and fusion run in one task")
                .anyMatch(name -> name.contains("split-failures") && name.contains("rescore-topk-fusion"));
    }

    private static String uid(int nodeId) {
        return graph.getStreamNode(nodeId).getTransformationUID();
    }

    private static StreamNode node(String uid) {
        return graph.getStreamNodes().stream().filter(n -> uid.equals(n.getTransformationUID()))
                .findFirst().orElseThrow(() -> new AssertionError("no operator with uid " + uid));
    }
}
