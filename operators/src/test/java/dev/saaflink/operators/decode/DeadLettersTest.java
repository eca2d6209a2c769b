package dev.saaflink.operators.decode;

import dev.saaflink.schemas.AvroBytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.saaflink.schemas.DeadLetter;

import org.junit.jupiter.api.Test;


class DeadLettersTest {

    @Test
    void carriesCoordinatesReasonAndOriginalBytes() {
        RawRecord rec = new RawRecord("frames", 2, 99L, 5L, new byte[] {'k'}, new byte[] {9, 8, 7});
        DeadLetter d = DeadLetters.of(rec, "image-decode", RejectReason.TRUNCATED_IMAGE,
                new IllegalStateException("cut short"), "cam", "f1", 1234L);

        assertThat(d.getSourceTopic()).isEqualTo("frames");
        assertThat(d.getPartition()).isEqualTo(2);
        assertThat(d.getOffset()).isEqualTo(99L);
        assertThat(AvroBytes.toArray(d.getKey())).containsExactly('k');
        assertThat(d.getCameraId()).isEqualTo("cam");
        assertThat(d.getFrameId()).isEqualTo("f1");
        assertThat(d.getStage()).isEqualTo("image-decode");
        assertThat(d.getReason()).isEqualTo("TRUNCATED_IMAGE");
        assertThat(d.getErrorClass()).isEqualTo("java.lang.IllegalStateException");
        assertThat(d.getMessage()).isEqualTo("cut short");
        assertThat(AvroBytes.toArray(d.getPayload())).containsExactly(9, 8, 7);
        assertThat(d.getTimeMillis()).isEqualTo(1234L);
    }

    @Test
    void toleratesNullKeyValueAndIds() {
        RawRecord rec = new RawRecord("frames", 0, 1L, 0L, null, null);
        DeadLetter d = DeadLetters.of(rec, "envelope", RejectReason.NOT_AVRO, new RuntimeException(), null, null, 1L);

        assertThat(d.getKey()).isNull();
        assertThat(d.getCameraId()).isNull();
        assertThat(d.getPayload().remaining()).isZero();
        assertThat(d.getMessage()).isEqualTo("java.lang.RuntimeException");
    }

    @Test
    void fromRejectionUsesItsStageReasonAndIds() {
        RawRecord rec = new RawRecord("frames", 1, 2L, 3L, null, new byte[] {1});
        FrameRejectedException e = new FrameRejectedException("validate", RejectReason.MISSING_FIELD,
                "frameId is empty", "cam", "", null);
        DeadLetter d = DeadLetters.of(rec, e, 10L);

        assertThat(d.getStage()).isEqualTo("validate");
        assertThat(d.getReason()).isEqualTo("MISSING_FIELD");
        assertThat(d.getCameraId()).isEqualTo("cam");
        assertThat(d.getErrorClass()).isEqualTo(FrameRejectedException.class.getName());
        assertThat(d.getMessage()).contains("frameId is empty");
    }

    /** Issue 13: a large value is trimmed to the limit; its size, hash and coordinates stay. */
    @Test
    void trimsALargePayloadKeepingSizeHashAndCoordinates() throws Exception {
        byte[] value = new byte[3 * 1024 * 1024];
        new java.util.Random(13).nextBytes(value);
        RawRecord rec = new RawRecord("frames", 5, 123L, 0L, "cam-9".getBytes(), value);
        DeadLetter d = DeadLetters.of(rec, "envelope", RejectReason.NOT_AVRO, new RuntimeException("no magic"),
                null, null, 1L, 1000);

        assertThat(AvroBytes.toArray(d.getPayload())).isEqualTo(java.util.Arrays.copyOf(value, 1000));
        assertThat(d.getPayloadSize()).isEqualTo(value.length);
        assertThat(d.getPayloadTruncated()).isTrue();
        assertThat(d.getPayloadSha256()).isEqualTo(java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(value)));
        assertThat(d.getSourceTopic()).isEqualTo("frames");
        assertThat(d.getPartition()).isEqualTo(5);
        assertThat(d.getOffset()).isEqualTo(123L);
        assertThat(AvroBytes.toArray(d.getKey())).isEqualTo("cam-9".getBytes());
    }

    @Test
    void keepsASmallPayloadWholeAndUntruncated() {
        RawRecord rec = new RawRecord("frames", 0, 1L, 0L, null, new byte[] {1, 2, 3});
        DeadLetter d = DeadLetters.of(rec, "envelope", RejectReason.NOT_AVRO, new RuntimeException(), null, null, 1L, 3);
        assertThat(AvroBytes.toArray(d.getPayload())).containsExactly(1, 2, 3);
        assertThat(d.getPayloadSize()).isEqualTo(3);
        assertThat(d.getPayloadTruncated()).isFalse();
        assertThat(d.getPayloadSha256()).isEqualTo(DeadLetters.sha256(new byte[] {1, 2, 3})).hasSize(64);

        DeadLetter none = DeadLetters.of(rec, "envelope", RejectReason.NOT_AVRO, new RuntimeException(), null, null,
                1L, 0);
        assertThat(none.getPayload().remaining()).isZero();
        assertThat(none.getPayloadTruncated()).isTrue();
    }

    /** Issue 13: every text and the key are capped, so no dead letter outgrows {@link DeadLetters#worstCase}. */
    @Test
    void capsTextsAndKeySoTheWorstCaseBoundsEveryDeadLetter() throws Exception {
        String huge = "\u20ac".repeat(100_000);
        RawRecord rec = new RawRecord("frames", 0, 1L, 0L, new byte[100_000], new byte[5000]);
        DeadLetter d = DeadLetters.of(rec, huge, RejectReason.MODEL_FAILED, huge, huge, huge, huge, 1L, 4000);

        assertThat(d.getMessage().length()).isEqualTo(DeadLetters.MAX_MESSAGE_CHARS);
        assertThat(d.getMessage()).endsWith("...");
        assertThat(d.getCameraId().length()).isEqualTo(DeadLetters.MAX_ID_CHARS);
        assertThat(d.getFrameId().length()).isEqualTo(DeadLetters.MAX_ID_CHARS);
        assertThat(d.getStage().length()).isEqualTo(DeadLetters.MAX_NAME_CHARS);
        assertThat(d.getErrorClass().length()).isEqualTo(DeadLetters.MAX_NAME_CHARS);
        assertThat(d.getKey().remaining()).isEqualTo(DeadLetters.MAX_KEY_BYTES);
        assertThat(d.toByteBuffer().remaining()).isLessThanOrEqualTo(DeadLetters.worstCase(4000).toByteBuffer().remaining());
        assertThat(DeadLetters.worstCase(4000).toByteBuffer().remaining()).as("payload + about 26 KB of the rest")
                .isBetween(4000 + 20_000, 4000 + 40_000);
    }

    @Test
    void capNeverSplitsASurrogatePair() {
        String s = "a".repeat(5) + "\uD83D\uDE00" + "b".repeat(10);
        // cap 9: 6 chars kept before "...", the 6th being a high surrogate: it goes too.
        assertThat(DeadLetters.cap(s, 9)).isEqualTo("aaaaa...");
    }

    /** Issue 13: what fusion's dead letters are built from (the value stays behind at the split). */
    @Test
    void fromASourceRecordKeepsCoordinatesSizeAndHashWithoutTheValue() {
        RawRecord rec = new RawRecord("frames", 2, 9L, 0L, new byte[] {'k'}, new byte[] {1, 2});
        SourceRecord src = DeadLetters.sourceOf(rec);
        DeadLetter d = DeadLetters.of(src, "fusion", RejectReason.PROCESSING_FAILED, new IllegalStateException("x"),
                "cam", "f", 3L);
        assertThat(d.getSourceTopic()).isEqualTo("frames");
        assertThat(d.getPartition()).isEqualTo(2);
        assertThat(d.getOffset()).isEqualTo(9L);
        assertThat(AvroBytes.toArray(d.getKey())).containsExactly('k');
        assertThat(d.getPayloadSize()).isEqualTo(2);
        assertThat(d.getPayloadSha256()).isEqualTo(DeadLetters.sha256(new byte[] {1, 2}));
        assertThat(d.getPayloadTruncated()).isTrue();
        assertThat(d.getPayload().remaining()).isZero();
        assertThat(DeadLetters.of((SourceRecord) null, "fusion", RejectReason.PROCESSING_FAILED, null, null, null, 1L)
                .getOffset()).isEqualTo(-1L);
    }
}
