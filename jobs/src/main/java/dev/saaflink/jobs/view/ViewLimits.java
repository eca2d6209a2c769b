package dev.saaflink.jobs.view;

/**
 * The bounds of everything the live view keeps: no count of cameras, frames or events makes it grow past them.
 *
 * @param maxCameras cameras shown; the least recently updated one is dropped for a new one
 * @param pendingFrames frames per camera waiting for their event; the oldest is dropped beyond this
 * @param pendingEvents events per camera waiting for their frame; the oldest is shown without image beyond this
 * @param window events per camera in the rolling defect rate, latency percentiles and chart
 * @param anomalies last anomalous frames kept per camera (thumbnails)
 */
public record ViewLimits(int maxCameras, int pendingFrames, int pendingEvents, int window, int anomalies) {

    public ViewLimits {
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
