package dev.saaflink.jobs.view;

/**
 * The bounds of everything the live view keeps: no count of cameras, frames or events makes it grow past them.
 *
 * @param maxCameras cameras shown; the least recently updated one is dropped for a new one
 * @param pendingFrames frames per camera waiting for their event; the oldest is dropped beyond this
 * @param pendingEvents events per camera waiting for their frame; the oldest is shown without image beyond this
 * @param window events per camera in the rolling defect rate, latency percentiles and chart
 * @param anomalies last anomalous frames kept per camera (thumbnails)
 * @param pendingFrameBytes image bytes of all waiting frames together: frames can be megabytes each, so a count per
 *        camera alone would still let many cameras fill the heap; beyond it the busiest camera's oldest frame goes
 */
public record ViewLimits(int maxCameras, int pendingFrames, int pendingEvents, int window, int anomalies,
                         long pendingFrameBytes) {

    /** The default byte bound on waiting frames, 256 MiB. */
    public static final long DEFAULT_PENDING_FRAME_BYTES = 256L << 20;

    public ViewLimits(int maxCameras, int pendingFrames, int pendingEvents, int window, int anomalies) {
        this(maxCameras, pendingFrames, pendingEvents, window, anomalies, DEFAULT_PENDING_FRAME_BYTES);
    }

    public ViewLimits {
        if (pendingFrameBytes < 1) {
            throw new IllegalArgumentException("pending frame bytes must be at least 1, got " + pendingFrameBytes);
        }
        positive("max cameras", maxCameras);
        positive("pending frames", pendingFrames);
        positive("pending events", pendingEvents);
        positive("window", window);
        positive("anomalies", anomalies);
    }

    private static void positive(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + value);
        }
    }
}
