package dev.saaflink.jobs.cli;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The default name of a job's Kafka identities (consumer group, transactional-id prefix) and of its local checkpoint
 * folder: the job name plus a short hash of the job name and every topic the job reads or writes.
 *
 * <p>Why derived and not one constant: the exactly-once sinks name their transactions {@code <prefix>-<subtask>-<n>}
 * and, at start, abort whatever transactions with their prefix are still open. Two jobs with the same prefix on one
 * Kafka cluster therefore fence and abort each other's transactions. Why deterministic: a restarted job must use the
 * same prefix as before, so that it aborts the transactions its crashed predecessor left open (a transaction that
 * is never aborted blocks read_committed readers of its partitions until its timeout). The bootstrap servers are not
 * part of it: the same job reached through another broker address is still the same job.
 */
public final class JobIdentity {

    /** Hex digits of the hash kept in the name; 40 bits, enough to tell apart the jobs of one cluster. */
    static final int HASH_DIGITS = 10;

    private JobIdentity() {}

    /**
     * {@code <jobName>-<hash>}; null topics (no config topic) count as absent.
     *
     * @param topics frames, events, dead letters, config and config errors, in this order
     */
    public static String derive(String jobName, String... topics) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        update(sha256, jobName);
        for (String topic : topics) {
            update(sha256, topic == null ? "" : topic);
        }
        return jobName + "-" + HexFormat.of().formatHex(sha256.digest()).substring(0, HASH_DIGITS);
    }

    /** Length-prefixed, so that ("ab", "c") and ("a", "bc") hash differently. */
    private static void update(MessageDigest digest, String part) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        digest.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        digest.update((byte) ':');
        digest.update(bytes);
    }
}
