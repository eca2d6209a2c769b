package dev.saaflink.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The graph with and without a live config topic: stable uids, and no extra source when there is no topic. */
class LiveConfigGraphTest {

    private static Map<String, StreamNode> nodesByUid(boolean live) {
        KafkaEndpoints kafka = new KafkaEndpoints("localhost:1", Map.of());
        InspectionJob job = new InspectionJob(kafka.framesSource("frames", "g", false),
                kafka.eventsSink("events", "t-events"), kafka.deadLetterSink("dead-letters", "t-dead-letters"),
                new PipelineSettings(InspectionConfigLoader.loadDefault()));
        if (live) {
            job.withLiveConfig(kafka.configSource("configs", false), kafka.deadLetterSink("config-errors", "t-config-errors"));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
        job.build(env);
        return env.getStreamGraph().getStreamNodes().stream().filter(n -> n.getTransformationUID() != null)
                .collect(Collectors.toMap(StreamNode::getTransformationUID, n -> n, (a, b) -> a));
    }

    @Test
    void withoutAConfigTopicThereIsNoConfigSource() {
        Map<String, StreamNode> nodes = nodesByUid(false);
        assertThat(nodes).containsKeys("frames-source", "decode", "sam-encoder", "segmentation", "fusion");
        assertThat(nodes.keySet()).noneMatch(uid -> uid.startsWith("config"));
        assertThat(nodes.get("decode").getInEdges()).hasSize(1);
    }

    @Test
    void withAConfigTopicDecodeGetsTheBroadcastConfigsAndRejectsHaveTheirOwnSink() {
        Map<String, StreamNode> nodes = nodesByUid(true);
        assertThat(nodes).containsKeys("frames-source", "config-source", "decode", "sam-encoder", "segmentation",
                "fusion");
        assertThat(nodes.keySet()).anyMatch(uid -> uid.startsWith("config-errors-sink"));
        assertThat(nodes.get("config-source").getParallelism()).isEqualTo(1);
        StreamNode decode = nodes.get("decode");
        assertThat(decode.getInEdges()).hasSize(2);
        Set<String> partitioners = decode.getInEdges().stream().map(e -> e.getPartitioner().toString())
                .collect(Collectors.toSet());
        assertThat(partitioners).contains("BROADCAST");
    }
}
