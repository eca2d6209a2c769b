package dev.saaflink.models.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.saaflink.models.testutil.TinyOnnx;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtSessionsTest {

    @TempDir
    Path tmp;

    @Test
    void handlesOnTheSameModelAndSettingsShareOneSession() throws Exception {
        Path model = Files.write(tmp.resolve("id.onnx"), TinyOnnx.identity());
        SessionSettings s = SessionSettings.cpu(1);
        SharedSession h1 = OrtSessions.acquire(model, s);
        SharedSession h2 = OrtSessions.acquire(tmp.resolve(".").resolve("id.onnx"), s); // same file, other spelling
        assertThat(h2.session()).isSameAs(h1.session());
        assertThat(OrtSessions.referenceCount(model, "", s)).isEqualTo(2);

        SharedSession other = OrtSessions.acquire(model, SessionSettings.cpu(2));
        assertThat(other.session()).isNotSameAs(h1.session());
        other.close();

        h1.close();
        h1.close(); // a second close of the same handle does not release twice
        assertThat(OrtSessions.referenceCount(model, "", s)).isEqualTo(1);
        assertThat(h1.isClosed()).isTrue();
        assertThatThrownBy(h1::session).isInstanceOf(IllegalStateException.class);

        // the remaining handle still runs
        try (OnnxTensor x = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(new float[] {1, 2}),
                new long[] {2});
             OrtSession.Result r = h2.session().run(Map.of("x", x))) {
            assertThat(((float[]) r.get(0).getValue())).containsExactly(1f, 2f);
        }
        h2.close();
        assertThat(OrtSessions.referenceCount(model, "", s)).isZero();

        // after the last release a new acquire opens a fresh session
        try (SharedSession h3 = OrtSessions.acquire(model, s)) {
            assertThat(h3.session()).isNotNull();
            assertThat(OrtSessions.referenceCount(model, "", s)).isEqualTo(1);
        }
    }

    @Test
    void automaticThreadsShareWithTheirResolvedValue() throws Exception {
        Path model = Files.write(tmp.resolve("id2.onnx"), TinyOnnx.identity());
        SessionSettings auto = SessionSettings.defaults();
        int n = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        assertThat(auto.resolvedIntraOpThreads()).isEqualTo(n);
        try (SharedSession a = OrtSessions.acquire(model, auto);
             SharedSession b = OrtSessions.acquire(model, SessionSettings.cpu(n))) {
            assertThat(a.session()).isSameAs(b.session());
        }
    }

    @Test
    void missingModelFailsWithoutLeakingAReference() {
        Path model = tmp.resolve("missing.onnx");
        assertThatThrownBy(() -> OrtSessions.acquire(model, SessionSettings.defaults()))
                .hasMessageContaining("missing.onnx");
        assertThat(OrtSessions.referenceCount(model, "", SessionSettings.defaults())).isZero();
    }

    @Test
    void brokenModelReleasesItsReference() throws Exception {
        Path model = Files.write(tmp.resolve("broken.onnx"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> OrtSessions.acquire(model, SessionSettings.defaults()));
        assertThat(OrtSessions.referenceCount(model, "", SessionSettings.defaults())).isZero();
    }

    @Test
    void settingsValidation() {
        assertThatThrownBy(() -> new SessionSettings(0, 1, OptLevel.ALL_OPT, "rocm"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rocm").hasMessageContaining("cpu, cuda, tensorrt");
        assertThat(new SessionSettings(0, 1, OptLevel.ALL_OPT, " CUDA ", 1).provider()).isEqualTo(ExecutionProvider.CUDA);
        assertThatThrownBy(() -> new SessionSettings(0, 1, OptLevel.ALL_OPT, "cpu", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deviceId 1");
        assertThatThrownBy(() -> SessionSettings.of(0, ExecutionProvider.CUDA, -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionSettings.cpu(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SessionSettings(1, 0, OptLevel.ALL_OPT, "cpu"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new SessionSettings(1, 1, OptLevel.ALL_OPT, " CPU ").executionProvider()).isEqualTo("cpu");
        SessionSettings d = SessionSettings.defaults();
        assertThat(d.interOpThreads()).isEqualTo(1);
        assertThat(d.optimizationLevel()).isEqualTo(OptLevel.ALL_OPT);
        assertThat(d.withIntraOpThreads(3).resolvedIntraOpThreads()).isEqualTo(3);
    }
}
