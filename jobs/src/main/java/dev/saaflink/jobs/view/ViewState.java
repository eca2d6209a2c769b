package dev.saaflink.jobs.view;

import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.Frame;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the live view shows, fed by the two topics and read by the web server. Frames and events are joined by
 * (camera id, frame id): whichever comes first waits in a small per-camera buffer for the other, since the two topics
 * are read independently and nothing orders one against the other. Every collection here has a bound from
 * {@link ViewLimits}; what falls out of a bound is counted and shown on the page, never dropped silently.
 *
 * <p>All methods are synchronized: one consumer thread writes, the HTTP threads read, and {@link #awaitChange} lets
 * the server-sent-events streams sleep until something new arrives.
 */
public final class ViewState {

    private static final Logger LOG = LoggerFactory.getLogger(ViewState.class);

    /** Renders a joined frame and event; the real one is {@link OverlayImages#render}, tests may count calls. */
    interface Renderer {
        OverlayImages.Rendered render(Frame frame, AnomalyEvent event) throws Exception;
    }

    /** What a server-sent-events stream sends next: cameras changed since its last update, cameras gone, counters. */
    public record Update(long version, List<Map<String, Object>> cameras, List<String> removed,
                         Map<String, Object> status) {}

    private final ViewLimits limits;
    private final Renderer renderer;
    /** Least recently updated first: the next camera to evict is the first entry. */
    private final LinkedHashMap<String, Camera> cameras = new LinkedHashMap<>();
    private long version;
    private long events;
    private long frames;
    private long undecodable;
    private long droppedFrames;
    private long eventsWithoutFrame;
    private long renderFailures;
    private long evictedCameras;
    /** Image bytes of all frames waiting for their event, bounded by {@link ViewLimits#pendingFrameBytes}. */
    private long pendingFrameBytes;
    private String lastProblem = "";
    private boolean closed;

    public ViewState(ViewLimits limits) {
        this(limits, OverlayImages::render);
    }

    ViewState(ViewLimits limits, Renderer renderer) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.renderer = Objects.requireNonNull(renderer, "renderer");
    }

    /** An event from the events topic: updates the camera's verdict and statistics at once, its picture on a join. */
    public synchronized void onEvent(AnomalyEvent event) {
        events++;
        Camera camera = camera(event.getCameraId().toString(), true);
        camera.record(event);
        String frameId = event.getFrameId().toString();
        Frame frame = camera.pendingFrames.remove(frameId);
        if (frame != null) {
            pendingFrameBytes -= imageBytes(frame);
            attach(camera, frame, event, camera.eventCount);
        } else {
            camera.pendingEvents.put(frameId, new PendingEvent(event, camera.eventCount));
            if (camera.pendingEvents.size() > limits.pendingEvents()) {
                removeOldest(camera.pendingEvents);
                eventsWithoutFrame++;
            }
        }
        changed(camera);
    }

    /** A frame from the frames topic: joined with its event if that came first, else kept a while for it. */
    public synchronized void onFrame(Frame frame) {
        frames++;
        Camera camera = camera(frame.getCameraId().toString(), false);
        String frameId = frame.getFrameId().toString();
        PendingEvent pending = camera.pendingEvents.remove(frameId);
        if (pending != null) {
            attach(camera, frame, pending.event(), pending.seq());
            changed(camera);
            return;
        }
        Frame replaced = camera.pendingFrames.put(frameId, frame);
        if (replaced != null) { // the same frame id again: the newer copy waits instead
            pendingFrameBytes -= imageBytes(replaced);
        }
        pendingFrameBytes += imageBytes(frame);
        if (camera.pendingFrames.size() > limits.pendingFrames()) {
            dropOldestFrame(camera);
        }
        while (pendingFrameBytes > limits.pendingFrameBytes()) {
            Camera busiest = camera;
            for (Camera c : cameras.values()) {
                if (c.pendingFrames.size() > busiest.pendingFrames.size()) {
                    busiest = c;
                }
            }
            dropOldestFrame(busiest);
        }
    }

    /** Image bytes of all frames now waiting for their event. */
    synchronized long pendingFrameBytes() {
        return pendingFrameBytes;
    }

    private void dropOldestFrame(Camera camera) {
        Iterator<Frame> it = camera.pendingFrames.values().iterator();
        pendingFrameBytes -= imageBytes(it.next());
        it.remove();
        droppedFrames++;
    }

    private static long imageBytes(Frame frame) {
        return frame.getImage().remaining();
    }

    /** A record that is not an Avro frame or event: counted and shown, and logged. */
    public synchronized void onUndecodable(String topic, long offset, Exception cause) {
        undecodable++;
        lastProblem = "cannot decode the record at offset " + offset + " of " + topic + ": " + cause.getMessage();
        LOG.warn(lastProblem);
        version++;
        notifyAll();
    }

    /** Changes since the versions a stream already sent ({@code sent} is updated to what this update carries). */
    public synchronized Update update(Map<String, Long> sent) {
        List<Map<String, Object>> changed = new ArrayList<>();
        for (Camera camera : cameras.values()) {
            if (camera.latest != null && camera.version > sent.getOrDefault(camera.id, -1L)) {
                changed.add(camera.toJson());
                sent.put(camera.id, camera.version);
            }
        }
        List<String> removed = new ArrayList<>();
        for (Iterator<String> it = sent.keySet().iterator(); it.hasNext(); ) {
            String id = it.next();
            if (!cameras.containsKey(id)) {
                removed.add(id);
                it.remove();
            }
        }
        return new Update(version, changed, removed, status());
    }

    /** The counters shown in the page's status line. */
    public synchronized Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("events", events);
        s.put("frames", frames);
        s.put("cameras", cameras.values().stream().filter(c -> c.latest != null).count());
        s.put("undecodable", undecodable);
        s.put("droppedFrames", droppedFrames);
        s.put("eventsWithoutFrame", eventsWithoutFrame);
        s.put("renderFailures", renderFailures);
        s.put("evictedCameras", evictedCameras);
        s.put("lastProblem", lastProblem);
        return s;
    }

    /** The camera's latest picture with its overlay, or null. */
    public synchronized byte[] latestJpeg(String cameraId) {
        Camera camera = cameras.get(cameraId);
        return camera == null ? null : camera.imageJpeg;
    }

    /** Thumbnail of one of the camera's last anomalous frames by its sequence number, or null when gone. */
    public synchronized byte[] anomalyJpeg(String cameraId, long seq) {
        Camera camera = cameras.get(cameraId);
        if (camera != null) {
            for (Anomaly a : camera.anomalies) {
                if (a.seq == seq) {
                    return a.thumbnailJpeg;
                }
            }
        }
        return null;
    }

    /** Waits until the state moves past {@code seen} (or the timeout, or close); returns the version now. */
    public synchronized long awaitChange(long seen, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (version <= seen && !closed) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        return version;
    }

    public synchronized boolean closed() {
        return closed;
    }

    /** Wakes every waiting stream so it can end. */
    public synchronized void close() {
        closed = true;
        notifyAll();
    }

    synchronized int cameraCount() {
        return cameras.size();
    }

    synchronized List<String> cameraIds() {
        return new ArrayList<>(cameras.keySet());
    }

    synchronized int pendingFrames(String cameraId) {
        Camera c = cameras.get(cameraId);
        return c == null ? 0 : c.pendingFrames.size();
    }

    synchronized int pendingEvents(String cameraId) {
        Camera c = cameras.get(cameraId);
        return c == null ? 0 : c.pendingEvents.size();
    }

    synchronized Map<String, Object> cameraJson(String cameraId) {
        Camera c = cameras.get(cameraId);
        return c == null ? null : c.toJson();
    }

    /**
     * Draws a joined frame. It becomes the camera's picture unless the picture already shows a later event (a frame
     * can join after later ones did); an anomalous one joins the list of anomalous frames either way.
     *
     * @param eventSeq the event's position in its camera's event order
     */
    private void attach(Camera camera, Frame frame, AnomalyEvent event, long eventSeq) {
        OverlayImages.Rendered rendered;
        try {
            rendered = renderer.render(frame, event);
        } catch (Exception e) {
            renderFailures++;
            lastProblem = "cannot draw frame " + event.getFrameId() + " of camera " + camera.id + ": " + e;
            LOG.warn(lastProblem);
            return;
        }
        camera.imageSeq++;
        if (eventSeq >= camera.imageEventSeq) {
            camera.imageJpeg = rendered.jpeg();
            camera.imageFrameId = event.getFrameId().toString();
            camera.imageEventSeq = eventSeq;
            camera.imageVersion = camera.imageSeq;
        }
        if (event.getAnomalous()) {
            camera.anomalies.addFirst(new Anomaly(camera.imageSeq, event.getFrameId().toString(),
                    event.getImageScore(), rendered.thumbnailJpeg()));
            while (camera.anomalies.size() > limits.anomalies()) {
                camera.anomalies.removeLast();
            }
        }
    }

    /**
     * The camera's entry, created when new; an event also makes it the most recently updated one. A new camera
     * beyond the bound evicts the least recently updated one.
     */
    private Camera camera(String id, boolean touch) {
        Camera camera = cameras.get(id);
        if (camera != null) {
            if (touch) {
                cameras.remove(id);
                cameras.put(id, camera);
            }
            return camera;
        }
        camera = new Camera(id, limits);
        cameras.put(id, camera);
        if (cameras.size() > limits.maxCameras()) {
            Iterator<Camera> eldest = cameras.values().iterator();
            for (Frame f : eldest.next().pendingFrames.values()) {
                pendingFrameBytes -= imageBytes(f);
            }
            eldest.remove();
            evictedCameras++;
        }
        return camera;
    }

    private void changed(Camera camera) {
        version++;
        camera.version = version;
        notifyAll();
    }

    private static void removeOldest(Map<String, ?> map) {
        Iterator<String> it = map.keySet().iterator();
        it.next();
        it.remove();
    }

    private record PendingEvent(AnomalyEvent event, long seq) {}

    private record Anomaly(long seq, String frameId, double score, byte[] thumbnailJpeg) {}

    /** One camera's panel. */
    private static final class Camera {
        final String id;
        final RollingStats stats;
        /** One chart point per event: emit time, defect rate, latency p50, latency p95 (of the window then). */
        final Deque<double[]> series;
        final Deque<Anomaly> anomalies = new ArrayDeque<>();
        final LinkedHashMap<String, Frame> pendingFrames = new LinkedHashMap<>();
        final LinkedHashMap<String, PendingEvent> pendingEvents = new LinkedHashMap<>();
        final int window;
        long version;
        long eventCount;
        AnomalyEvent latest;
        double latestLatencyMs;
        byte[] imageJpeg;
        String imageFrameId = "";
        /** Position of the pictured event in the camera's event order (events counted from 1). */
        long imageEventSeq;
        long imageVersion;
        long imageSeq;

        Camera(String id, ViewLimits limits) {
            this.id = id;
            this.window = limits.window();
            this.stats = new RollingStats(limits.window());
            this.series = new ArrayDeque<>(limits.window());
        }

        void record(AnomalyEvent event) {
            eventCount++;
            latest = event;
            latestLatencyMs = Math.max(0, event.getEmitTimeMillis() - event.getCaptureTimeMillis());
            stats.add(event.getAnomalous(), latestLatencyMs);
            if (series.size() == window) {
                series.removeFirst();
            }
            series.addLast(new double[] {event.getEmitTimeMillis(), stats.defectRate(),
                    stats.latencyPercentile(50), stats.latencyPercentile(95)});
        }

        Map<String, Object> toJson() {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("id", id);
            j.put("version", version);
            j.put("events", eventCount);
            j.put("frameId", latest.getFrameId().toString());
            j.put("category", latest.getCategory().toString());
            j.put("anomalous", latest.getAnomalous());
            j.put("score", latest.getImageScore());
            j.put("threshold", latest.getThreshold());
            j.put("regions", latest.getRegions().size());
            j.put("latencyMs", latestLatencyMs);
            j.put("emitTimeMillis", latest.getEmitTimeMillis());
            j.put("imageFrameId", imageFrameId);
            j.put("imageVersion", imageJpeg == null ? 0 : imageVersion);
            j.put("window", stats.count());
            j.put("defectRate", stats.defectRate());
            j.put("latencyP50", stats.latencyPercentile(50));
            j.put("latencyP95", stats.latencyPercentile(95));
            j.put("series", new ArrayList<>(series));
            List<Map<String, Object>> list = new ArrayList<>();
            for (Anomaly a : anomalies) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("seq", a.seq);
                m.put("frameId", a.frameId);
                m.put("score", a.score);
                list.add(m);
            }
            j.put("anomalies", list);
            return j;
        }
    }
}
