package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.ingest.FramePublisher;
import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.FrameDecoder;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.schemas.Frame;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code saa memory}: the records it builds are what the job's decoder reads as seed and reset records (the wire
 * contract seen from both ends), and bad options are refused before anything is published.
 */
class MemoryCommandTest {

    private static CommandSpec seedSpec() {
        return SaaCli.commandLine().getSubcommands().get("memory").getSubcommands().get("seed").getCommandSpec();
    }

    @Test
    void seedFramesAreTheFoldersGoodImagesMarkedForTheCameraAndCategory() throws Exception {
        List<Frame> frames = MemoryCommand.frames(seedSpec(), Samples.mtd(), "cam-9", "mtd-line2", "free", "all",
                null);
        assertThat(frames).hasSize(2);
        for (Frame f : frames) {
            assertThat(f.getCameraId()).isEqualTo("cam-9");
            assertThat(f.getCategory()).isEqualTo("mtd-line2");
            assertThat(f.getFrameId()).startsWith("seed-");
            assertThat(f.getAttributes()).containsEntry("saa.memory", "seed").containsEntry("subset", "free");
            DecodedFrame d = new FrameDecoder().decode(record(f));
            assertThat(d.image).as("a seed is decoded like a frame").isNotNull();
        }
        assertThat(MemoryCommand.frames(seedSpec(), Samples.mtd(), "c", "mtd", null, "all", 3)).hasSize(3);
    }

    @Test
    void aResetRecordDecodesAsAnImageLessReset() throws Exception {
        Frame reset = MemoryCommand.record("cam-9", "mtd", 1234L);
        DecodedFrame d = new FrameDecoder().decode(record(reset));
        assertThat(d.image).isNull();
        assertThat(d.cameraId).isEqualTo("cam-9");
        assertThat(d.category).isEqualTo("mtd");
        assertThat(d.attributes).containsEntry("saa.memory", "reset");
    }

    @Test
    void badOptionsAreRefused() {
        assertThatThrownBy(() -> MemoryCommand.frames(seedSpec(), Samples.mtd(), "c", "mtd", "no-such-folder",
                "all", null)).isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("no images");
        assertThatThrownBy(() -> MemoryCommand.frames(seedSpec(), Samples.mtd(), "c", "mtd", null, "half", null))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--split");
        assertThatThrownBy(() -> MemoryCommand.frames(seedSpec(), Samples.mtd(), "c", "mtd", null, "all", 0))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--limit");
        StringWriter err = new StringWriter();
        CommandLine cli = SaaCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("memory", "reset", "--bootstrap-servers", "localhost:1", "--topic", "frames",
                "--camera", "c")).isEqualTo(2);
        assertThat(err.toString()).contains("--category");
    }

    private static RawRecord record(Frame f) {
        return new RawRecord("frames", 0, 0L, 0L, f.getCameraId().getBytes(), FramePublisher.encode(f));
    }
}
