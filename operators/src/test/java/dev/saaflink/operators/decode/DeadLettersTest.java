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

}
