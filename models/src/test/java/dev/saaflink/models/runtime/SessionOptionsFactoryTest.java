package dev.saaflink.models.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import dev.saaflink.models.testutil.TinyOnnx;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provider selection on the CPU build of ONNX Runtime that the project depends on (it lists only CPU). */
class SessionOptionsFactoryTest {

    @TempDir
    Path tmp;

    @Test
    void cpuOptionsOpenASession() throws Exception {
        try (OrtSession.SessionOptions opts = SessionOptionsFactory.create(SessionSettings.cpu(1));
             OrtSession s = OrtSessions.environment().createSession(TinyOnnx.identity(), opts)) {
            assertThat(s.getInputNames()).containsExactly("x");
        }
    }

    @Test
    void gpuProvidersFailClearlyWhereTheRuntimeHasNone() throws Exception {
        // The test runs against the CPU jar; were a GPU build ever on the test classpath, this test says nothing.
        org.junit.jupiter.api.Assumptions.assumeFalse(
                OrtSessions.environment().getAvailableProviders().contains(OrtProvider.CUDA));
        for (ExecutionProvider p : new ExecutionProvider[] {ExecutionProvider.CUDA, ExecutionProvider.TENSORRT}) {
            assertThatThrownBy(() -> SessionOptionsFactory.create(SessionSettings.of(0, p, 0)))
                    .isInstanceOf(SessionOptionsFactory.ProviderUnavailableException.class)
                    .hasMessageContaining("'" + p.configName() + "'")
                    .hasMessageContaining("available: [CPU]")
                    .hasMessageContaining("com.microsoft.onnxruntime:onnxruntime_gpu")
                    .hasMessageContaining("lib folder on the GPU TaskManagers");
        }
    }

    @Test
    void sharedSessionsCheckTheProviderBeforeLoadingAndKeepNoReference() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                OrtSessions.environment().getAvailableProviders().contains(OrtProvider.CUDA));
        Path model = Files.write(tmp.resolve("id.onnx"), TinyOnnx.identity());
        SessionSettings cuda = SessionSettings.of(1, ExecutionProvider.CUDA, 0);
        assertThatThrownBy(() -> OrtSessions.acquire(model, cuda))
                .isInstanceOf(SessionOptionsFactory.ProviderUnavailableException.class);
        assertThat(OrtSessions.referenceCount(model, "", cuda)).isZero();
        System.out.println("provider error: " + catchMessage(cuda, model));
    }

    private static String catchMessage(SessionSettings s, Path model) {
        try {
            OrtSessions.acquire(model, s).close();
            return "(none)";
        } catch (Exception e) {
            return e.getMessage();
        }
    }

    @Test
    void providerNamesParse() {
        assertThat(ExecutionProvider.parse(" TensorRT ")).isEqualTo(ExecutionProvider.TENSORRT);
        assertThat(ExecutionProvider.parse(null)).isEqualTo(ExecutionProvider.CPU);
        assertThatThrownBy(() -> ExecutionProvider.parse("gpu")).hasMessageContaining("expected one of cpu, cuda, tensorrt");
    }
}
