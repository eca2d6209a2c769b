package dev.saaflink.operators.pipeline;

import dev.saaflink.operators.decode.DecodedFrame;
import dev.saaflink.operators.decode.RawRecord;

import java.util.LinkedHashMap;

/**
 * One branch's result for one frame on its way to the fan-out's join: which branch, and the frame as that branch
 * left it. Only the carrier branch (the SAM encoder) sends the whole frame, pixels, original record and embedding;
 * the other branches send a {@linkplain #output light copy} that keeps the frame's ids, config and record coordinates
 * and their own output (a few boxes, a 64 x 64 grid), so the image crosses into the join once. A Flink POJO.
 */
public final class FramePart {
    /** The branch: a model stage name ({@code samEncoder}, {@code detector}, {@code features}). */
    public String branch;
    public FrameInProgress frame;

    public FramePart() {}

    private FramePart(String branch, FrameInProgress frame) {
        this.branch = branch;
        this.frame = frame;
    }

    /** The carrier's part: the whole frame. */
    public static FramePart carrier(String branch, FrameInProgress frame) {
        return new FramePart(branch, frame);
    }

    /** Another branch's part: its outputs, timings and failure, without the image, embedding or record value. */
    public static FramePart output(String branch, FrameInProgress frame) {
        return new FramePart(branch, light(frame));
    }

    /**
     * The join key: the frame's camera and id and its record's coordinates (topic, partition, offset), so two records
     * that reuse a frame id (a replay, a camera restarting its counter) never meet in one join.
     */
    public static String key(FramePart part) {
        return key(part.frame);
    }

    /** {@link #key(FramePart)} of a frame. */
    public static String key(FrameInProgress p) {
        RawRecord r = p.frame.source;
        return p.frame.cameraId + '\u0000' + p.frame.frameId + '\u0000'
                + (r == null ? "" : r.topic + '-' + r.partition + '@' + r.offset);
    }

    /** The frame without its heavy parts: enough to join it and, should the carrier never come, dead-letter it. */
    static FrameInProgress light(FrameInProgress p) {
        DecodedFrame d = new DecodedFrame();
        d.cameraId = p.frame.cameraId;
        d.frameId = p.frame.frameId;
        d.category = p.frame.category;
        d.captureTimeMillis = p.frame.captureTimeMillis;
        d.attributes = p.frame.attributes;
        d.decodeNanos = p.frame.decodeNanos;
        RawRecord r = p.frame.source;
        if (r != null) {
            d.source = new RawRecord(r.topic, r.partition, r.offset, r.timestamp, r.key, null);
        }
        FrameInProgress c = new FrameInProgress();
        c.frame = d;
        c.configCategory = p.configCategory;
        c.knownCategory = p.knownCategory;
        c.config = p.config;
        c.configVersion = p.configVersion;
        c.arrivalMillis = p.arrivalMillis;
        c.detected = p.detected;
        c.featureGrid = p.featureGrid;
        c.stageMs = new LinkedHashMap<>(p.stageMs);
        c.failure = p.failure;
        return c;
    }
}
