package dev.saaflink.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Issue 13: every operator that turns a frame into a dead letter feeds the dead-letter sink: decode, the split after
 * the model stages (which carries the stream context's failures too) and fusion.
 */
class DeadLetterGraphTest {

    @Test
    void decodeSplitFailuresAndFusionFeedTheDeadLetterSink() {
        KafkaEndpoints kafka = new KafkaEndpoints("localhost:1", Map.of());
        InspectionJob job = new InspectionJob(kafka.framesSource("frames", "g", false),
                kafka.eventsSink("events", "t-events"), kafka.deadLetterSink("dead-letters", "t-dead-letters"),
                new PipelineSettings(InspectionConfigLoader.loadDefault()));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
        job.build(env);
        StreamGraph graph = env.getStreamGraph();
        Map<Integer, String> uids = graph.getStreamNodes().stream().filter(n -> n.getTransformationUID() != null)
                .collect(Collectors.toMap(StreamNode::getId, StreamNode::getTransformationUID));
        StreamNode sink = graph.getStreamNodes().stream()
                .filter(n -> n.getTransformationUID() != null
                        && n.getTransformationUID().startsWith("dead-letters-sink"))
                .filter(n -> n.getInEdges().stream().anyMatch(e -> "decode".equals(uids.get(e.getSourceId()))))
                .findFirst().orElseThrow();
        Set<String> feeding = sink.getInEdges().stream().map(e -> uids.get(e.getSourceId()))
                .collect(Collectors.toSet());
        assertThat(feeding).containsExactlyInAnyOrder("decode", "split-failures", "fusion");
    }
}
