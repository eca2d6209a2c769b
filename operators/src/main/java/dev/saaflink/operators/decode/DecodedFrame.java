package dev.saaflink.operators.decode;

import dev.saaflink.models.image.RgbImage;

import java.util.Map;

/**
 * A frame whose envelope and pixels decoded cleanly: ids, attributes and an 8-bit RGB image ready for the
 * model stages. Produced by {@link FrameDecoder}; the original record travels along so that a later stage
 * (model failure, timeout) can still dead-letter it.
 *
 * <p>Ground truth never gets this far: a frame's optional {@code groundTruthMask} is for the scorer
 * ({@code ./saa eval} reads it from the recorded frames), not for the job, so it is neither a field here nor part of
 * {@link #source}. Otherwise every mask would ride through the async operators' checkpointed queues and the
 * stream-context keyBy for nothing.
 *
 * <p>A Flink POJO: public fields and a no-arg constructor.
 */
public class DecodedFrame {
    public String cameraId;
    public String frameId;
    public String category;
    public long captureTimeMillis;
    public Map<String, String> attributes;
    public RgbImage image;
    /**
     * The record the frame came from, byte for byte, except that a ground-truth mask the frame carried has been
     * taken out (see {@link FrameDecoder#decode}).
     */
    public RawRecord source;
    /** Wall time spent inside {@link FrameDecoder#decode}, nanoseconds. */
    public long decodeNanos;

    public DecodedFrame() {}

    @Override
    public String toString() {
        return "DecodedFrame{" + cameraId + "/" + frameId + ", category=" + category
                + ", " + (image == null ? "no image" : image.width + "x" + image.height) + "}";
    }
}
