package dev.saaflink.models.saliency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.saaflink.models.runtime.ModelCall;
import dev.saaflink.models.runtime.ModelCallCancelledException;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: the plain-Java memory scoring cannot be interrupted from outside, so it checks the call current on its
 * thread between query patches: a cancelled call stops it, and without a call it runs as before.
 */
class MemoryScoringCancelTest {

    private static final float[] QUERY = {1, 0, 0, 1};          // 2 patches x 2 channels
    private static final float[] MEMORY = {1, 0, 0, 1};         // 1 frame, 2 channels x 2 patches, unit columns

    @Test
    void aCancelledCallStopsTheScoring() {
        ModelCall call = new ModelCall("test");
        call.cancel();
        try (ModelCall.Scope scope = call.enter()) {
            assertThatThrownBy(() -> MemoryScoring.score(QUERY, 2, 2, MEMORY, 1, 2, 1))
                    .isInstanceOf(ModelCallCancelledException.class).hasMessageContaining("test");
        }
    }

    @Test
    void withoutACancelledCallItScores() {
        assertThat(MemoryScoring.score(QUERY, 2, 2, MEMORY, 1, 2, 1)).containsExactly(0f, 0f);
        ModelCall call = new ModelCall("live");
        try (ModelCall.Scope scope = call.enter()) {
            assertThat(MemoryScoring.score(QUERY, 2, 2, MEMORY, 1, 2, 1)).containsExactly(0f, 0f);
        }
    }
}
