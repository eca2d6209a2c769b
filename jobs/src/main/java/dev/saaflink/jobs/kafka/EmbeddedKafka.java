package dev.saaflink.jobs.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one node) running inside this JVM, for
 * tests and for the self-contained {@code ./saa demo} and {@code ./saa eval}. It wraps Kafka's own test kit,
 * which is internal Kafka API: no other class of this project may touch those types.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final KafkaClusterTestKit cluster;
    private final Path baseDirectory;
    private final Duration startupTime;
    private final Map<String, String> clientProperties;
    private final Thread shutdownHook;
    private boolean closed;

    private EmbeddedKafka(KafkaClusterTestKit cluster, Path baseDirectory, Duration startupTime,
                          Map<String, String> clientProperties) {
        this.cluster = cluster;
        this.baseDirectory = baseDirectory;
        this.startupTime = startupTime;
        this.clientProperties = Map.copyOf(clientProperties);
        // Ctrl-C on ./saa demo must not leave broker data behind in the temp folder
        this.shutdownHook = new Thread(this::close, "embedded-kafka-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a broker with the single-node defaults and returns once it accepts clients. */
    public static EmbeddedKafka start() {
        return start(Map.of());
    }

    /**
     * Starts a broker; {@code extraBrokerProperties} are broker settings applied on top of (and overriding)
     * the single-node defaults.
     */
    public static EmbeddedKafka start(Map<String, String> extraBrokerProperties) {
        return start(extraBrokerProperties, Map.of());
    }

    /**
     * Starts a broker whose client listener (on loopback, as always) takes SASL_PLAINTEXT with the PLAIN mechanism
     * and knows one user, {@code username} with {@code password}; the broker uses the same user on its own
     * inter-broker connections (transaction markers). The controller listener stays PLAINTEXT. No authorizer: any
     * authenticated client may do anything. A client needs {@link #saslClientProperties}; {@link #createTopic} and
     * {@link #clientProperties()} use them.
     */
    public static EmbeddedKafka startWithSaslPlain(String username, String password) {
        return startWithSaslPlain(username, password, Map.of());
    }

    /** As above, with extra broker settings. */
    public static EmbeddedKafka startWithSaslPlain(String username, String password,
                                                   Map<String, String> extraBrokerProperties) {
        if (username.isEmpty() || !username.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("SASL user name must be [A-Za-z0-9._-]+");
        }
        if (password.contains("\"") || password.contains("\\")) {
            throw new IllegalArgumentException("SASL password must not contain quotes or backslashes");
        }
        Map<String, String> broker = new LinkedHashMap<>();
        // The test kit names the client listener EXTERNAL and builds "listeners" and "inter.broker.listener.name"
        // from it; only its protocol changes here (the kit keeps a protocol map given to it).
        broker.put("listener.security.protocol.map", "EXTERNAL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
        broker.put("sasl.enabled.mechanisms", "PLAIN");
        broker.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        // the listener's own JAAS entry: username/password for the broker's outgoing inter-broker connections,
        // user_<name> the accepted logins. Nothing JVM-wide (no java.security.auth.login.config).
        broker.put("listener.name.external.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + username
                        + "\" password=\"" + password + "\" user_" + username + "=\"" + password + "\";");
        broker.putAll(extraBrokerProperties);
        return start(broker, saslClientProperties(username, password));
    }

    /** The client settings for a SASL_PLAINTEXT/PLAIN login as {@code username}. */
    public static Map<String, String> saslClientProperties(String username, String password) {
        Map<String, String> client = new LinkedHashMap<>();
        client.put("security.protocol", "SASL_PLAINTEXT");
        client.put("sasl.mechanism", "PLAIN");
        client.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + username + "\" password=\"" + password + "\";");
        return client;
    }

    private static EmbeddedKafka start(Map<String, String> extraBrokerProperties, Map<String, String> clientProperties) {
        long started = System.nanoTime();
        Path baseDirectory;
        try {
            baseDirectory = Files.createTempDirectory("saa-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the embedded broker", e);
        }
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBaseDirectory(baseDirectory)
                    // the kit defaults to the newest in-development metadata version; run what a real 4.2 cluster runs
                    .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                    .build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
            Map<String, String> settings = new LinkedHashMap<>(singleNodeDefaults());
            settings.putAll(extraBrokerProperties);
            settings.forEach(builder::setConfigProp);
            cluster = builder.build();
            formatKeepingStdoutClean(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            closeQuietly(cluster);
            deleteRecursively(baseDirectory);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("embedded Kafka broker did not start: " + e.getMessage(), e);
        }
        Duration startupTime = Duration.ofNanos(System.nanoTime() - started);
        EmbeddedKafka kafka = new EmbeddedKafka(cluster, baseDirectory, startupTime, clientProperties);
        LOG.info("Embedded Kafka broker ready at {} in {} ms", kafka.bootstrapServers(), startupTime.toMillis());
        return kafka;
    }

    /**
     * Kafka's storage formatter reports to System.out, which the command line keeps for results; its lines go
     * to this class's debug log instead. Formatting takes milliseconds and happens before any job runs.
     */
    private static void formatKeepingStdoutClean(KafkaClusterTestKit cluster) throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            cluster.format();
        } finally {
            System.setOut(stdout);
            captured.toString(StandardCharsets.UTF_8).lines().forEach(line -> LOG.debug("format: {}", line));
        }
    }

    /**
     * What one node needs to serve consumer groups and transactions on its own: every internal topic
     * defaults to three replicas, which a single node can never satisfy.
     */
    static Map<String, String> singleNodeDefaults() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Flink's exactly-once KafkaSink asks for one-hour transactions; the broker's 15-minute ceiling would
        // reject its producers at initTransactions().
        p.put("transaction.max.timeout.ms", Long.toString(Duration.ofHours(1).toMillis()));
        // Auto-created topics inherit this, so frames fit even in topics nobody created explicitly.
        p.put("message.max.bytes", Integer.toString(KafkaTopics.MAX_MESSAGE_BYTES));
        return p;
    }

    /** host:port of the broker's client listener. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** The client settings this broker needs (empty for a PLAINTEXT one); contains the password for SASL. */
    public Map<String, String> clientProperties() {
        return clientProperties;
    }

    /** How long {@link #start} took, from creating the directories to the broker being ready. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Creates a topic with the project's frame size limit; fails if it exists already. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /**
     * Creates a topic with extra topic settings (e.g. a {@code max.message.bytes} other than the project's 16 MB, as
     * operations may have created it); fails if it exists already.
     */
    public void createTopic(String name, int partitions, Map<String, String> topicConfigs) {
        boolean created;
        try (Admin admin = Admin.create(KafkaTopics.adminProperties(bootstrapServers(), clientProperties))) {
            created = KafkaTopics.createIfMissing(admin, name, partitions, (short) 1, topicConfigs);
        }
        if (!created) {
            throw new IllegalStateException("topic '" + name + "' exists already");
        }
    }

    /** Stops the broker and deletes its data directories. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down; the hook runs close() again, which returns at once
            }
        }
        closeQuietly(cluster);
        deleteRecursively(baseDirectory);
    }

    private static void closeQuietly(KafkaClusterTestKit cluster) {
        if (cluster == null) {
            return;
        }
        try {
            cluster.close();
        } catch (Exception e) {
            LOG.warn("Embedded Kafka broker did not shut down cleanly: {}", e.toString());
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", root, e.toString());
        }
    }
}
