package dev.saaflink.operators.decode;

import dev.saaflink.models.image.RgbImage;

import java.util.Map;

/**
 * A frame whose envelope and pixels decoded cleanly: ids, attributes and an 8-bit RGB image ready for the
 * model stages. Produced by {@link FrameDecoder}; the original record travels along so that a later stage
 * (model failure, timeout) can still dead-letter the exact bytes.
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
     * The frame's optional ground-truth mask, still PNG-encoded (evaluation replays only); null when absent.
     * Left undecoded here because only the evaluation path needs it.
     */
    public byte[] groundTruthMask;
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
