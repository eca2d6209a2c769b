package dev.saaflink.jobs.kafka;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the topics this project writes frames and results to. Camera frames are far larger than
 * Kafka's 1 MB default, so every topic we create gets {@link #MAX_MESSAGE_BYTES} as its message limit.
 */
public final class KafkaTopics {

    /**
     * The largest record we produce or accept: the producer's max.request.size, the topic's
     * max.message.bytes and the embedded broker's message.max.bytes all use this one number.
     */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private static final long TIMEOUT_SECONDS = 30;

    private KafkaTopics() {}

    /**
     * Creates the topic unless it exists already. Returns true when this call created it.
     *
     * @param replicationFactor a replication factor, or -1 for the broker's default
     * @param clientProperties extra admin client settings (security), may be empty
     */
    public static boolean createIfMissing(String bootstrapServers, String name, int partitions,
            short replicationFactor, Map<String, String> clientProperties) {
        try (Admin admin = Admin.create(adminProperties(bootstrapServers, clientProperties))) {
            return createIfMissing(admin, name, partitions, replicationFactor);
        }
    }

    /** As above with an admin client the caller owns. */
    public static boolean createIfMissing(Admin admin, String name, int partitions, short replicationFactor) {
        return createIfMissing(admin, name, partitions, replicationFactor, Map.of());
    }

    /**
     * As above, with extra topic settings (e.g. {@code cleanup.policy=compact}) on top of the message size limit.
     * An existing topic is left as it is.
     */
    public static boolean createIfMissing(Admin admin, String name, int partitions, short replicationFactor,
                                          Map<String, String> topicConfigs) {
        Map<String, String> configs = new HashMap<>(topicConfigs);
        configs.putIfAbsent(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
        NewTopic topic = new NewTopic(name, Optional.of(partitions), Optional.of(replicationFactor))
                .configs(configs);
        try {
            admin.createTopics(List.of(topic)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw new IllegalStateException("could not create topic '" + name + "': " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic '" + name + "'", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic '" + name + "'", e);
        }
        awaitLeaders(admin, name);
        return true;
    }

    /** Deletes the topics that exist among {@code names}; returns false (and leaves them) when the cluster refuses. */
    public static boolean deleteIfExists(String bootstrapServers, Collection<String> names,
                                         Map<String, String> clientProperties) {
        try (Admin admin = Admin.create(adminProperties(bootstrapServers, clientProperties))) {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<String> present = names.stream().filter(existing::contains).toList();
            if (!present.isEmpty()) {
                admin.deleteTopics(present).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The controller acknowledges a new topic before every broker knows its leaders; waiting here
     * spares the first producer a round of retries and the first consumer an empty assignment.
     */
    private static void awaitLeaders(Admin admin, String name) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            try {
                TopicDescription description = admin.describeTopics(Set.of(name)).allTopicNames()
                        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(name);
                if (description != null
                        && description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                // metadata not propagated yet (UnknownTopicOrPartition): try again shortly
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            sleepQuietly(50);
        }
    }

    static Properties adminProperties(String bootstrapServers, Map<String, String> clientProperties) {
        Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        Properties properties = new Properties();
        properties.putAll(config);
        return properties;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
