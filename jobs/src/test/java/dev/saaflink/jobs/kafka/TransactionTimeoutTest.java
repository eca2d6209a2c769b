package dev.saaflink.jobs.kafka;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransactionTimeoutTest {

    @Test
    void theOptionWinsThenTheClientSettingThenTheDefault() {
        Map<String, String> client = Map.of("transaction.timeout.ms", "300000");
        assertThat(TransactionTimeout.resolve(120_000L, client)).isEqualTo(120_000);
        assertThat(TransactionTimeout.resolve(null, client)).isEqualTo(300_000);
        assertThat(TransactionTimeout.resolve(null, Map.of())).isEqualTo(600_000);
    }

    @Test
    void aClientSettingThatIsNoPositiveNumberIsRefused() {
        assertThatThrownBy(() -> TransactionTimeout.resolve(null, Map.of("transaction.timeout.ms", "10m")))
                .hasMessageContaining("transaction.timeout.ms must be a positive number of milliseconds, got '10m'");
        assertThatThrownBy(() -> TransactionTimeout.resolve(null, Map.of("transaction.timeout.ms", "0")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theTimeoutMustFitUnderTheBrokersCeilingAndSpanACheckpoint() {
        assertThat(TransactionTimeout.checkAgainstBroker(900_000, 900_000)).isNull();
        assertThat(TransactionTimeout.checkAgainstBroker(900_001, 900_000)).contains("exceeds");
        assertThat(TransactionTimeout.checkAgainstCheckpointInterval(10_001, 5_000)).isNull();
        assertThat(TransactionTimeout.checkAgainstCheckpointInterval(10_000, 5_000)).contains("twice");
    }
}
