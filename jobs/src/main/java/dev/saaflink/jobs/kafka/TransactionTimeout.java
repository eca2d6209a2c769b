package dev.saaflink.jobs.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The exactly-once sinks' {@code transaction.timeout.ms}: which value applies, and the broker's ceiling for it.
 *
 * <p>A sink's transaction stays open from one checkpoint until the next one completes and commits it. The broker
 * aborts a transaction older than its timeout: then the events in it are lost for read_committed readers, and the
 * commit after the next checkpoint fails the job. While a job is down (crash, redeploy), the transaction it left open
 * blocks read_committed readers of the partitions it wrote (they stop at its first record) until the restarted job
 * commits or aborts it, or until the timeout. So the timeout must exceed the checkpoint interval plus the longest
 * checkpoint, and should exceed the time a restart takes; and a broker refuses a producer whose timeout exceeds its
 * {@code transaction.max.timeout.ms} (15 minutes by default), which Flink only reports as a failing job.
 */
public final class TransactionTimeout {

    /** The property, as producers and the user's client settings name it. */
    public static final String PROPERTY = "transaction.timeout.ms";

    /** The broker setting that caps it. */
    public static final String BROKER_MAX = "transaction.max.timeout.ms";

    /** 10 minutes: below the broker's default ceiling of 15 minutes, far above a checkpoint interval. */
    public static final long DEFAULT_MS = 600_000;

    private TransactionTimeout() {}

    /**
     * The timeout that applies: the option when given, else the user's {@code transaction.timeout.ms} client
     * setting (environment, --kafka-config, --kafka-property), else {@link #DEFAULT_MS}.
     *
     * @throws IllegalArgumentException when the client setting is not a positive whole number
     */
    public static long resolve(Long option, Map<String, String> clientProperties) {
        if (option != null) {
            return option;
        }
        String configured = clientProperties.get(PROPERTY);
        if (configured == null) {
            return DEFAULT_MS;
        }
        try {
            long value = Long.parseLong(configured.trim());
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("Kafka client setting " + PROPERTY + " must be a positive number of "
                + "milliseconds, got '" + configured + "'");
    }

    /**
     * The smallest {@code transaction.max.timeout.ms} of the cluster's brokers (any of them may coordinate a
     * transaction). Needs the DescribeConfigs permission on the cluster.
     */
    public static OptionalLong brokerMaximum(String bootstrapServers, Map<String, String> clientProperties,
                                             Duration timeout) throws Exception {
        Map<String, Object> p = new HashMap<>(clientProperties);
        p.remove(PROPERTY); // a producer setting; an admin client would warn about it
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        try (Admin admin = Admin.create(p)) {
            Collection<Node> nodes = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<ConfigResource> brokers = nodes.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.BROKER, n.idString())).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(brokers,
                            new DescribeConfigsOptions().timeoutMs((int) timeout.toMillis()))
                    .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return configs.values().stream()
                    .map(c -> c.get(BROKER_MAX))
                    .filter(e -> e != null && e.value() != null)
                    .map(ConfigEntry::value)
                    .mapToLong(Long::parseLong)
                    .min();
        }
    }

    /** Why {@code timeoutMs} cannot work with the broker's ceiling, or null when it can. */
    public static String checkAgainstBroker(long timeoutMs, long brokerMaximumMs) {
        if (timeoutMs <= brokerMaximumMs) {
            return null;
        }
        return "the sinks' transaction timeout of " + timeoutMs + " ms exceeds the brokers' " + BROKER_MAX + " of "
                + brokerMaximumMs + " ms, so the brokers would refuse the job's producers. Lower it with "
                + "--transaction-timeout-ms (or raise " + BROKER_MAX + " on the brokers)";
    }

    /** Why {@code timeoutMs} cannot work with the checkpoint interval, or null when it can. */
    public static String checkAgainstCheckpointInterval(long timeoutMs, long checkpointIntervalMs) {
        // a transaction lives from one checkpoint until the next one completes: at least one interval
        if (timeoutMs > 2 * checkpointIntervalMs) {
            return null;
        }
        return "the sinks' transaction timeout of " + timeoutMs + " ms must be more than twice the checkpoint interval "
                + "(" + checkpointIntervalMs + " ms): a transaction stays open from one checkpoint until the next "
                + "one completes";
    }
}
