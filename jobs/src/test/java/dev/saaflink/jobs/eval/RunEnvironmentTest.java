package dev.saaflink.jobs.eval;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RunEnvironmentTest {

    @Test
    void namesTheLibraryVersionsTheBuildUses() {
        // The versions the root pom pins: a report must state what it actually ran with.
        assertThat(RunEnvironment.versions())
                .containsEntry("flink", "2.2.1")
                .containsEntry("kafkaClients", "4.2.0")
                .containsEntry("onnxRuntime", "1.28.0")
                .containsKey("saa");
    }

    @Test
    void describesTheMachine() {
        assertThat(RunEnvironment.machine()).containsEntry("cores", Runtime.getRuntime().availableProcessors())
                .containsKeys("maxHeapMb", "os", "java");
    }
}
