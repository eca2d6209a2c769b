package dev.saaflink.operators.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The per-subtask bound on stream-context keys: capacity, idle expiry, and a restore. */
class KeyBudgetTest {

    @Test
    void admitsUpToItsCapacityAndKeepsAdmittingKnownKeys() {
        KeyBudget b = new KeyBudget(2, 0);
        assertThat(b.admit("a", 1)).isTrue();
        assertThat(b.admit("b", 2)).isTrue();
        assertThat(b.admit("c", 3)).as("full").isFalse();
        assertThat(b.admit("a", 4)).as("known key").isTrue();
        assertThat(b.size()).isEqualTo(2);
        assertThat(b.admit("c", Long.MAX_VALUE / 2)).as("TTL 0: nobody ever leaves").isFalse();
    }

    @Test
    void aKeyIdleForTheTtlFreesItsPlace() {
        KeyBudget b = new KeyBudget(2, 100);
        b.admit("a", 0);
        b.admit("b", 50);
        assertThat(b.admit("c", 99)).as("a was seen 99 ms ago").isFalse();
        assertThat(b.admit("c", 100)).as("a idle for the TTL: expired, as Flink's TTL has it").isTrue();
        assertThat(b.entries()).containsOnlyKeys("b", "c");
        assertThat(b.admit("b", 140)).isTrue();
        assertThat(b.admit("d", 160)).as("b was refreshed at 140").isFalse();
        assertThat(b.admit("d", 200)).as("c (seen at 100) expired").isTrue();
        assertThat(b.entries()).containsOnlyKeys("b", "d");
    }

    @Test
    void restoresEntriesUpToItsCapacity() {
        KeyBudget b = new KeyBudget(2, 100);
        b.restore("a", 10);
        b.restore("b", 20);
        b.restore("c", 30);
        assertThat(b.entries()).containsOnlyKeys("a", "b");
        assertThat(b.admit("c", 111)).as("a (10) expired at 110").isTrue();
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new KeyBudget(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeyBudget(1, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
