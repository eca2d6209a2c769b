package dev.saaflink.jobs.camera;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

class FrameSlotTest {

    private static Frame frame(String id) {
        return Frame.newBuilder().setCameraId("c").setFrameId(id).setCategory("x").setCaptureTimeMillis(1)
                .setEncoding(ImageEncoding.JPEG).setImage(ByteBuffer.wrap(new byte[] {1})).setAttributes(Map.of())
                .build();
    }

    @Test
    void replaceKeepsOnlyTheNewestAndSaysWhenOneWasDropped() throws Exception {
        FrameSlot slot = new FrameSlot();
        assertThat(slot.replace(frame("a"))).isFalse();
        assertThat(slot.replace(frame("b"))).isTrue();
        assertThat(slot.replace(frame("c"))).isTrue();
        assertThat(slot.take().getFrameId()).isEqualTo("c");
        assertThat(slot.replace(frame("d"))).isFalse();
    }

    @Test
    void putWaitsForTheSlotAndCloseHandsOutTheLastOne() throws Exception {
        FrameSlot slot = new FrameSlot();
        assertThat(slot.put(frame("a"))).isTrue();
        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> {
            try {
                return slot.put(frame("b"));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(second).isNotDone();
        assertThat(slot.take().getFrameId()).isEqualTo("a");
        assertThat(second.get(5, TimeUnit.SECONDS)).isTrue();

        slot.close();
        assertThat(slot.take().getFrameId()).isEqualTo("b");
        assertThat(slot.take()).isNull();
        assertThat(slot.put(frame("c"))).isFalse();
        assertThat(slot.replace(frame("c"))).isFalse();
    }
}
