package dev.saaflink.operators.stages;

import ai.onnxruntime.OrtException;
import dev.saaflink.models.batching.BatchObserver;
import dev.saaflink.models.batching.BatchSettings;
import dev.saaflink.models.batching.MicroBatcher;
import dev.saaflink.models.batching.SharedBatchers;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.models.sam.SamEmbedding;
import dev.saaflink.models.sam.EncoderVariant;
import dev.saaflink.models.sam.SamEncoder;
import dev.saaflink.models.sam.SamModelFiles;
import dev.saaflink.operators.context.MemoryRecords;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;

import java.util.concurrent.ExecutionException;

/**
 * The SAM image encoder as a stage object: it owns its sessions ({@link #open} / {@link #apply} / {@link #close}), and
 * both the Flink operator ({@code SamEncoderFunction}) and the benchmarks run frames through it, so they measure the
 * same work. With {@code maxBatchSize > 1} frames go through the JVM's shared {@link MicroBatcher}: {@link #apply}
 * pre-processes the frame on the calling thread, hands it over and waits for its embedding.
 */
public final class EncoderStage implements AutoCloseable {
    /** The stage's timing key and stage name. */
    public static final String STAGE = "samEncoder";

    private final SamEncoder encoder;
    private final SharedBatchers.Handle<SamEncoder.Prepared, SamEmbedding> batcher;
    private final BatchObserver observer;
    private final boolean bgrQuirk;

    private EncoderStage(SamEncoder encoder, SharedBatchers.Handle<SamEncoder.Prepared, SamEmbedding> batcher,
                         BatchObserver observer, boolean bgrQuirk) {
        this.encoder = encoder;
        this.batcher = batcher;
        this.observer = observer;
        this.bgrQuirk = bgrQuirk;
    }

    /**
     * Opens the encoder on {@code session}; with batching on, also acquires the JVM's shared batcher.
     *
     * @param observer told about every batched call (the operator's batch metrics); null for none
     */
    public static EncoderStage open(PipelineSettings settings, SessionSettings session, BatchObserver observer)
            throws Exception {
        SamModelFiles files = settings.inspection.getSam().files();
        // Pre-processing (and the unbatched path) use this handle; the batcher holds its own on the same session.
        SamEncoder encoder = SamEncoder.open(files.encoder(), files.encoderManifest(), session,
                settings.inspection.getSam().encoderVariant());
        try {
            SharedBatchers.Handle<SamEncoder.Prepared, SamEmbedding> batcher = batching(settings)
                    ? openBatcher(files, session, settings) : null;
            return new EncoderStage(encoder, batcher, observer == null ? (a, b, c, d) -> { } : observer,
                    settings.inspection.getAlgorithm().isSamBgrQuirk());
        } catch (Exception | Error e) {
            encoder.close();
            throw e;
        }
    }

    /** Whether the settings put the encoder behind the shared micro-batcher. */
    public static boolean batching(PipelineSettings settings) {
        return settings.maxBatchSize > 1;
    }

    /** True when frames go through the shared micro-batcher. */
    public boolean batched() {
        return batcher != null;
    }

    /** The shared micro-batcher; null without batching. */
    public MicroBatcher<SamEncoder.Prepared, SamEmbedding> batcher() {
        return batcher == null ? null : batcher.batcher();
    }

    /** The JVM's shared encoder batcher for these files and settings. */
    private static SharedBatchers.Handle<SamEncoder.Prepared, SamEmbedding> openBatcher(
            SamModelFiles files, SessionSettings session, PipelineSettings settings) throws Exception {
        BatchSettings bs = BatchSettings.of(settings.maxBatchSize, settings.maxBatchWaitMillis);
        EncoderVariant variant = settings.inspection.getSam().encoderVariant();
        String key = "samEncoder|" + files.encoder().toAbsolutePath().normalize() + "|" + variant.key() + "|" + session
                + "|" + bs;
        return SharedBatchers.acquire(key, () -> {
            SamEncoder enc = SamEncoder.open(files.encoder(), files.encoderManifest(), session, variant);
            try {
                return new MicroBatcher<>("samEncoder " + enc.modelId(), bs, enc.declaredBatchLimit(),
                        enc::encodePrepared, enc);
            } catch (OrtException | RuntimeException e) {
                enc.close();
                throw e;
            }
        });
    }

    /**
     * Fills {@code frame.embedding} and records the stage time. A memory reset record has no image: it is left as
     * it is.
     */
    public void apply(FrameInProgress frame) throws Exception {
        if (MemoryRecords.kind(frame) == MemoryRecords.Kind.RESET) {
            return;
        }
        long t0 = System.nanoTime();
        if (batcher == null) {
            frame.embedding = encoder.encode(frame.frame.image, bgrQuirk);
        } else {
            SamEncoder.Prepared p = encoder.prepare(frame.frame.image, bgrQuirk);
            frame.embedding = await(batcher.batcher(), p, observer);
        }
        frame.recordStage(STAGE, t0);
    }

    /**
     * Submits one prepared frame and waits for its embedding; the batch's failure is rethrown as is. When the
     * thread's {@link dev.saaflink.models.runtime.ModelCall} is cancelled (the frame timed out) the wait ends at once
     * with a {@link dev.saaflink.models.runtime.ModelCallCancelledException}; the batch goes on for its other frames.
     */
    public static SamEmbedding await(MicroBatcher<SamEncoder.Prepared, SamEmbedding> batcher, SamEncoder.Prepared p,
                                     BatchObserver observer) throws Exception {
        try {
            return batcher.submit(p, observer).get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception ex) {
                throw ex;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        if (batcher != null) {
            batcher.close();
        }
        encoder.close();
    }
}
