package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.embedded.TopicTail;
import dev.saaflink.jobs.kafka.EmbeddedKafka;
import dev.saaflink.jobs.kafka.TransactionTimeout;
import dev.saaflink.schemas.AnomalyEvent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Several inspection jobs on one Kafka cluster, and the sinks' transaction timeout against the broker's ceiling.
 *
 * <p>Two {@code saa inspect} jobs with default ids but different topics, at the same time on one broker: each
 * derives its own consumer group and transactional-id prefix, so neither fences nor aborts the other's transactions,
 * and each writes exactly one event per frame of its own topic. (With the one constant prefix of before, the second
 * job's sinks aborted the first's open transactions and fenced its producers.)
 */
class JobIsolationITCase {

    private static final int FRAMES_PER_JOB = 3;

    @Test
    void twoJobsWithDefaultIdsOnOneBrokerBothDeliverEveryEvent(@TempDir Path tmp) throws Exception {
        Path samples = Samples.mtd();
        assumeTrue(samples != null, "samples/mtd not found");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            for (String job : List.of("a", "b")) {
                kafka.createTopic(job + "-frames", 1);
                kafka.createTopic(job + "-events", 1);
                kafka.createTopic(job + "-dead-letters", 1);
                SampleFrames.publish(bootstrap, Map.of(), job + "-frames",
                        SampleFrames.of(samples, FRAMES_PER_JOB, job));
            }
            ExecutorService threads = Executors.newFixedThreadPool(2);
            List<StringWriter> errs = List.of(new StringWriter(), new StringWriter());
            KafkaSecurityITCase.Capture logs = new KafkaSecurityITCase.Capture();
            KafkaSecurityITCase.Restore restoreLogging = logs.attach();
            try {
                // job a also overrides the transaction timeout; b keeps the default
                Future<Integer> a = threads.submit(() -> cli(errs.get(0), "inspect", "--bootstrap-servers", bootstrap,
                        "--frames-topic", "a-frames", "--events-topic", "a-events", "--dead-letter-topic",
                        "a-dead-letters", "--bounded", "--checkpoint-interval-ms", "500", "--checkpoint-dir",
                        tmp.resolve("a").toString(), "--transaction-timeout-ms", "120000"));
                Future<Integer> b = threads.submit(() -> cli(errs.get(1), "inspect", "--bootstrap-servers", bootstrap,
                        "--frames-topic", "b-frames", "--events-topic", "b-events", "--dead-letter-topic",
                        "b-dead-letters", "--bounded", "--checkpoint-interval-ms", "500", "--checkpoint-dir",
                        tmp.resolve("b").toString()));
                assertThat(a.get(4, TimeUnit.MINUTES)).as(errs.get(0).toString()).isZero();
                assertThat(b.get(4, TimeUnit.MINUTES)).as(errs.get(1).toString()).isZero();
            } finally {
                threads.shutdownNow();
                restoreLogging.run();
            }
            // neither job's producers were fenced, neither job failed over (it would still end with all events)
            assertThat(logs.text()).as("job logs").contains("switched from state RUNNING to FINISHED")
                    .doesNotContain("ProducerFenced").doesNotContain("RESTARTING");

            for (String job : List.of("a", "b")) {
                assertThat(frameIds(bootstrap, job + "-events")).as("events of job " + job)
                        .containsExactly(job + "-000", job + "-001", job + "-002");
                assertThat(TopicTail.readAll(bootstrap, Map.of(), job + "-dead-letters")).isEmpty();
                assertThat(LocalCheckpoints.latest(tmp.resolve(job))).as("a job that finished keeps no checkpoint")
                        .isEmpty();
            }

            // each job's transactions carry its own derived prefix and its own timeout
            String prefixA = JobIdentity.derive("saa-inspection", "a-frames", "a-events", "a-dead-letters", null, null);
            String prefixB = JobIdentity.derive("saa-inspection", "b-frames", "b-events", "b-dead-letters", null, null);
            assertThat(prefixA).isNotEqualTo(prefixB).startsWith("saa-inspection-");
            Map<String, TransactionDescription> transactions = transactions(bootstrap);
            List<String> ofA = transactions.keySet().stream().filter(id -> id.startsWith(prefixA + "-")).toList();
            List<String> ofB = transactions.keySet().stream().filter(id -> id.startsWith(prefixB + "-")).toList();
            assertThat(ofA).as("transactions %s", transactions.keySet()).isNotEmpty();
            assertThat(ofB).as("transactions %s", transactions.keySet()).isNotEmpty();
            assertThat(ofA.size() + ofB.size()).isEqualTo(transactions.size());
            ofA.forEach(id -> assertThat(transactions.get(id).transactionTimeoutMs()).as(id).isEqualTo(120_000));
            ofB.forEach(id -> assertThat(transactions.get(id).transactionTimeoutMs()).as(id)
                    .isEqualTo((int) TransactionTimeout.DEFAULT_MS));
        }
    }

    @Test
    void aTransactionTimeoutAboveTheBrokersCeilingIsRefusedAtStart() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(Map.of("transaction.max.timeout.ms", "60000"))) {
            String bootstrap = kafka.bootstrapServers();
            String[] job = {"inspect", "--bootstrap-servers", bootstrap, "--frames-topic", "f", "--events-topic", "e",
                    "--dead-letter-topic", "d", "--bounded", "--checkpoint-interval-ms", "500", "--checkpoint-dir",
                    "target/unused-checkpoints"};

            StringWriter err = new StringWriter();
            assertThat(cli(err, concat(job, "--transaction-timeout-ms", "120000"))).as(err.toString()).isEqualTo(2);
            assertThat(err.toString()).contains("transaction timeout of 120000 ms exceeds the brokers' "
                    + "transaction.max.timeout.ms of 60000 ms");

            // the default (10 minutes) too, and a user's client setting is what is checked when given
            StringWriter err2 = new StringWriter();
            assertThat(cli(err2, job)).as(err2.toString()).isEqualTo(2);
            assertThat(err2.toString()).contains("transaction timeout of 600000 ms exceeds");
            StringWriter err3 = new StringWriter();
            assertThat(cli(err3, concat(job, "--kafka-property", "transaction.timeout.ms=90000")))
                    .as(err3.toString()).isEqualTo(2);
            assertThat(err3.toString()).contains("transaction timeout of 90000 ms exceeds");
        }
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    static List<String> frameIds(String bootstrap, String topic) throws Exception {
        List<String> ids = new ArrayList<>();
        for (byte[] value : TopicTail.readAll(bootstrap, Map.of(), topic)) {
            ids.add(AnomalyEvent.getDecoder().decode(ByteBuffer.wrap(value)).getFrameId());
        }
        ids.sort(null);
        return ids;
    }

    private static Map<String, TransactionDescription> transactions(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> ids = new TreeSet<>();
            for (TransactionListing t : admin.listTransactions().all().get(30, TimeUnit.SECONDS)) {
                ids.add(t.transactionalId());
            }
            return admin.describeTransactions(ids).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static int cli(StringWriter err, String... args) {
        CommandLine cli = SaaCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }
}
