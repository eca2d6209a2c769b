package dev.saaflink.jobs.kafka;

import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.decode.DeadLetters;
import dev.saaflink.operators.flink.AvroValueSerializer;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.DeadLetter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The start check of the output topics' message limits. A record larger than its topic's {@code max.message.bytes}
 * fails the transactional sink with {@code RecordTooLargeException}; the job restarts from its last checkpoint, meets
 * the same record again and never gets past it. So before anything runs, the largest event and the largest dead letter
 * this job can write are compared with what the events, dead-letter and config-errors topics accept (and with the
 * producers' {@code max.request.size}), and the job refuses to start where one would not fit, saying which topic, its
 * limit, what is needed and what to change.
 *
 * <p>A topic that does not exist yet is measured against the broker's {@code message.max.bytes}, the limit it gets
 * when auto-created. Where the limits cannot be read (no DescribeConfigs permission, no answer in time) the check is
 * skipped with a warning rather than blocking the start.
 *
 * <p>The sizes: a dead letter is bounded exactly by {@link DeadLetters#worstCase} (payload trimmed to
 * {@code --dead-letter-payload-max-bytes}, every text capped) plus its Kafka key and the record batch's overhead. An
 * event is bounded by its anomaly map as an incompressible PNG, the decoder's id length cap and fixed allowances,
 * plus, per region (topK of the largest category in the config file), a mask of {@value #MASK_RUNS_PER_ROW} runs per
 * row at the largest frame side the decoder accepts. That mask allowance is an estimate (a SAM mask upsampled from a
 * low-resolution grid has few runs per row), not a proof: a frame with very ragged masks could still exceed it.
 */
public final class TopicLimits {

    /** A record batch's header (61 bytes) and one record's own framing, rounded up generously. */
    static final int RECORD_OVERHEAD_BYTES = 512;
    /**
     * An event without its map and regions: five ids of at most {@link DeadLetters#MAX_ID_CHARS} three-byte chars
     * (the decoder rejects longer ones), model ids and stage latencies.
     */
    static final int EVENT_FIXED_BYTES = 5 * DeadLetters.MAX_ID_CHARS * 3 + 4096;
    /** A region without its mask: box, scores, label (a prompt of the config) and the mask's size. */
    static final int REGION_FIXED_BYTES = 1024;
    /** Mask runs allowed per row of a region's mask (see the class comment). */
    static final int MASK_RUNS_PER_ROW = 4;
    /** Bytes of one run length as an Avro int (a zig-zag varint of at most 5 bytes). */
    static final int RUN_BYTES = 5;
    /** The producers' max.request.size, which {@code KafkaEndpoints} sets for every sink. */
    static final long PRODUCER_MAX_REQUEST_BYTES = KafkaTopics.MAX_MESSAGE_BYTES;

    private static final long TIMEOUT_MS = 15_000;

    private TopicLimits() {}

    /** What one output topic must accept: the largest record written to it, and how to make room. */
    public record Requirement(String topic, String role, long bytes, String explanation, String otherFix) {}

    /** An upper bound of the serialized size of any dead letter, as a Kafka record (value, key, batch overhead). */
    public static long maxDeadLetterBytes(int payloadMaxBytes) {
        // Serialized as the dead-letter sink does.
        return new AvroValueSerializer<>(DeadLetter.class).serialize(DeadLetters.worstCase(payloadMaxBytes)).length
                + (long) DeadLetters.MAX_KEY_BYTES + RECORD_OVERHEAD_BYTES;
    }

    /** The anomaly map as a PNG that does not compress at all: raw rows (with their filter byte) plus framing. */
    static long maxAnomalyMapBytes(PipelineSettings s) {
        if (s.anomalyMapSize == 0) {
            return 0;
        }
        long raw = (long) s.anomalyMapSize * (1 + (long) s.anomalyMapSize * (s.anomalyMapBits / 8));
        return raw + raw / 100 + 1024; // deflate's stored blocks, zlib and PNG chunk framing: well under 1 %
    }

    /** An upper bound (for the masks: an estimate, see the class comment) of an event as a Kafka record. */
    public static long maxEventBytes(PipelineSettings s) {
        int topK = 1;
        for (CategoryConfig c : s.inspection.getCategories().values()) {
            topK = Math.max(topK, c.getTopK());
        }
        long perRegion = REGION_FIXED_BYTES + (long) MASK_RUNS_PER_ROW * s.decodeLimits.maxSide() * RUN_BYTES;
        return EVENT_FIXED_BYTES + maxAnomalyMapBytes(s) + topK * perRegion + DeadLetters.MAX_ID_CHARS * 3L
                + RECORD_OVERHEAD_BYTES;
    }

    /**
     * The requirements of the job's output topics.
     *
     * @param configErrorsTopic null without a live config topic
     */
    public static List<Requirement> requirements(PipelineSettings s, String eventsTopic, String deadLetterTopic,
                                                 String configErrorsTopic) {
        List<Requirement> out = new ArrayList<>();
        out.add(new Requirement(eventsTopic, "events", maxEventBytes(s), "an event can take up to "
                + maxEventBytes(s) + " bytes (anomaly map " + s.anomalyMapSize + "x" + s.anomalyMapSize + " at "
                + s.anomalyMapBits + " bits: up to " + maxAnomalyMapBytes(s) + " bytes; region masks estimated at "
                + MASK_RUNS_PER_ROW + " runs per row of frames up to " + s.decodeLimits.maxSide() + " px)",
                "or make the anomaly map smaller"));
        long letter = maxDeadLetterBytes(s.deadLetterPayloadMaxBytes);
        String explanation = "a dead letter can take up to " + letter + " bytes (--dead-letter-payload-max-bytes "
                + s.deadLetterPayloadMaxBytes + " plus up to " + (letter - s.deadLetterPayloadMaxBytes)
                + " bytes of coordinates, ids, error message and key)";
        out.add(new Requirement(deadLetterTopic, "dead-letter", letter, explanation,
                "or lower --dead-letter-payload-max-bytes"));
        if (configErrorsTopic != null && !configErrorsTopic.equals(deadLetterTopic)) {
            out.add(new Requirement(configErrorsTopic, "config-errors", letter, explanation,
                    "or lower --dead-letter-payload-max-bytes"));
        }
        return out;
    }

    /**
     * Compares each requirement with the topic's limit ({@code limits}: topic to max.message.bytes and where that
     * value came from) and with the producers' max.request.size.
     */
    static List<String> problems(List<Requirement> requirements, Map<String, Limit> limits) {
        List<String> problems = new ArrayList<>();
        for (Requirement r : requirements) {
            Limit limit = limits.get(r.topic());
            if (r.bytes() > PRODUCER_MAX_REQUEST_BYTES) {
                problems.add(r.role() + " topic '" + r.topic() + "': " + r.explanation() + ", more than the producers'"
                        + " max.request.size of " + PRODUCER_MAX_REQUEST_BYTES + " bytes; " + r.otherFix().replaceFirst(
                        "^or ", ""));
            } else if (limit != null && r.bytes() > limit.bytes()) {
                problems.add(r.role() + " topic '" + r.topic() + "' accepts records up to " + limit.bytes()
                        + " bytes (" + limit.source() + "), but " + r.explanation() + ". Raise the topic's "
                        + "max.message.bytes to at least " + r.bytes() + " (kafka-configs.sh --alter --entity-type "
                        + "topics --entity-name " + r.topic() + " --add-config max.message.bytes=" + r.bytes() + ") "
                        + r.otherFix() + ".");
            }
        }
        return problems;
    }

    /** A topic's message limit and where it was read. */
    public record Limit(long bytes, String source) {}

    /**
     * Reads the limits of the requirements' topics and checks them.
     *
     * @return warnings about limits that could not be read (those are not checked)
     * @throws IllegalStateException naming each topic where a record would not fit
     */
    public static List<String> check(Admin admin, List<Requirement> requirements) {
        Collection<String> topics = new LinkedHashSet<>(requirements.stream().map(Requirement::topic).toList());
        List<String> warnings = new ArrayList<>();
        Map<String, Limit> limits = limits(admin, topics, warnings);
        List<String> problems = problems(requirements, limits);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the job would not get past a record too large for its topic; not "
                    + "starting: " + String.join(" ", problems));
        }
        return warnings;
    }

    /** As above with an admin client of its own. */
    public static List<String> check(String bootstrapServers, Map<String, String> clientProperties,
                                List<Requirement> requirements) {
        try (Admin admin = Admin.create(KafkaTopics.adminProperties(bootstrapServers, clientProperties))) {
            return check(admin, requirements);
        }
    }

    /** max.message.bytes per topic; a missing topic gets the broker's message.max.bytes. Unreadable ones are left out. */
    static Map<String, Limit> limits(Admin admin, Collection<String> topics, List<String> warnings) {
        Map<ConfigResource, KafkaFuture<Config>> futures = admin.describeConfigs(
                topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList(),
                new DescribeConfigsOptions().timeoutMs((int) TIMEOUT_MS)).values();
        Map<String, Limit> limits = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String topic : topics) {
            try {
                Config config = futures.get(new ConfigResource(ConfigResource.Type.TOPIC, topic))
                        .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                ConfigEntry entry = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                if (entry != null && entry.value() != null) {
                    limits.put(topic, new Limit(Long.parseLong(entry.value()), "its max.message.bytes"));
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    missing.add(topic);
                } else {
                    warnings.add("cannot read max.message.bytes of topic '" + topic + "' (" + e.getCause()
                            + "); its message size limit is not checked");
                }
            } catch (TimeoutException e) {
                warnings.add("no answer for max.message.bytes of topic '" + topic + "'; not checked");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return limits;
            }
        }
        if (!missing.isEmpty()) {
            Long broker = brokerLimit(admin, warnings);
            if (broker != null) {
                for (String topic : missing) {
                    limits.put(topic, new Limit(broker, "it does not exist yet; auto-created it gets the broker's "
                            + "message.max.bytes"));
                }
            }
        }
        return limits;
    }

    private static Long brokerLimit(Admin admin, List<String> warnings) {
        try {
            Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT_MS))
                    .nodes().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (nodes.isEmpty()) {
                warnings.add("no broker listed; the limit of topics that do not exist yet is not checked");
                return null;
            }
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER,
                    Integer.toString(nodes.iterator().next().id()));
            Config config = admin.describeConfigs(List.of(broker),
                    new DescribeConfigsOptions().timeoutMs((int) TIMEOUT_MS)).all()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS).get(broker);
            ConfigEntry entry = config.get("message.max.bytes");
            return entry == null || entry.value() == null ? null : Long.parseLong(entry.value());
        } catch (ExecutionException | TimeoutException e) {
            warnings.add("cannot read the broker's message.max.bytes (" + e + "); the limit of topics that do not "
                    + "exist yet is not checked");
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
