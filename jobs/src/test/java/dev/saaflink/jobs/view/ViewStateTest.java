package dev.saaflink.jobs.view;

import static dev.saaflink.jobs.view.ViewFixtures.event;
import static dev.saaflink.jobs.view.ViewFixtures.frame;
import static org.assertj.core.api.Assertions.assertThat;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.saaflink.schemas.Frame;
import org.junit.jupiter.api.Test;

class ViewStateTest {

    private static final int W = 64;
    private static final int H = 48;

    /** Counts renders and returns tiny stand-in pictures: these tests are about joins and bounds. */
    private int renders;

    private ViewState state(int cameras, int pendingFrames, int pendingEvents, int window, int anomalies) {
        return new ViewState(new ViewLimits(cameras, pendingFrames, pendingEvents, window, anomalies), (f, e) -> {
            renders++;
            byte[] tag = e.getFrameId().toString().getBytes();
            return new OverlayImages.Rendered(tag, tag);
        });
    }

    @Test
    void joinsAFrameWithItsLaterEvent() {
        ViewState s = state(4, 4, 4, 10, 4);
        s.onFrame(frame("a", "f1", W, H));
        assertThat(s.pendingFrames("a")).isEqualTo(1);
        assertThat(s.latestJpeg("a")).isNull();
        s.onEvent(event("a", "f1", 0.9, 1000, 40, W, H));
        assertThat(s.pendingFrames("a")).isZero();
        assertThat(new String(s.latestJpeg("a"))).isEqualTo("f1");
        assertThat(s.cameraJson("a")).containsEntry("imageFrameId", "f1").containsEntry("anomalous", true);
    }

    @Test
    void joinsAnEventWithItsLaterFrame() {
        ViewState s = state(4, 4, 4, 10, 4);
        s.onEvent(event("a", "f1", 0.1, 1000, 40, W, H));
        assertThat(s.pendingEvents("a")).isEqualTo(1);
        // the verdict shows at once, the picture when the frame comes
        assertThat(s.cameraJson("a")).containsEntry("anomalous", false).containsEntry("imageVersion", 0L);
        s.onFrame(frame("a", "f1", W, H));
        assertThat(s.pendingEvents("a")).isZero();
        assertThat(new String(s.latestJpeg("a"))).isEqualTo("f1");
    }

    @Test
    void framesWithoutEventAreDroppedOldestFirstBeyondTheBound() {
        ViewState s = state(4, 3, 4, 10, 4);
        for (int i = 1; i <= 5; i++) {
            s.onFrame(frame("a", "f" + i, W, H));
        }
        assertThat(s.pendingFrames("a")).isEqualTo(3);
        assertThat(s.status()).containsEntry("droppedFrames", 2L).containsEntry("frames", 5L);
        s.onEvent(event("a", "f1", 0.9, 1000, 40, W, H)); // f1 was dropped: no picture, the event waits
        assertThat(renders).isZero();
        assertThat(s.pendingEvents("a")).isEqualTo(1);
        s.onEvent(event("a", "f5", 0.9, 1001, 40, W, H));
        assertThat(renders).isEqualTo(1);
        assertThat(s.pendingFrames("a")).isEqualTo(2);
    }

    @Test
    void waitingFramesAreBoundedInBytesAcrossCamerasTheBusiestGivesWay() {
        long size = frame("a", "x", W, H).getImage().remaining();
        ViewState s = new ViewState(new ViewLimits(4, 100, 4, 10, 4, 3 * size + size / 2), (f, e) -> {
            renders++;
            return new OverlayImages.Rendered(new byte[1], new byte[1]);
        });
        s.onFrame(frame("a", "a1", W, H));
        s.onFrame(frame("a", "a2", W, H));
        s.onFrame(frame("b", "b1", W, H));
        assertThat(s.pendingFrameBytes()).isEqualTo(3 * size);
        s.onFrame(frame("b", "b2", W, H)); // 4 frames do not fit; a tie: the camera that overflowed loses b1
        assertThat(s.pendingFrames("a")).isEqualTo(2);
        assertThat(s.pendingFrames("b")).isEqualTo(1);
        assertThat(s.pendingFrameBytes()).isEqualTo(3 * size);
        assertThat(s.status()).containsEntry("droppedFrames", 1L);
        s.onFrame(frame("b", "b3", W, H)); // a tie again: b loses b2
        assertThat(s.pendingFrames("a")).isEqualTo(2);
        assertThat(s.pendingFrames("b")).isEqualTo(1);
        s.onFrame(frame("c", "c1", W, H)); // a has the most waiting (2 against 1 and 1): it loses a1, its oldest
        assertThat(s.pendingFrames("a")).isEqualTo(1);
        assertThat(s.pendingFrames("b")).isEqualTo(1);
        assertThat(s.pendingFrames("c")).isEqualTo(1);
        assertThat(s.status()).containsEntry("droppedFrames", 3L);
        s.onEvent(event("a", "a1", 0.9, 1000, 40, W, H));
        assertThat(renders).as("a1 was dropped").isZero();
        s.onEvent(event("a", "a2", 0.9, 1001, 40, W, H)); // a join frees its bytes
        assertThat(renders).isEqualTo(1);
        assertThat(s.pendingFrameBytes()).isEqualTo(2 * size);
    }

    @Test
    void anEvictedCameraFreesItsWaitingFrames() {
        ViewState s = state(1, 4, 4, 10, 4);
        s.onFrame(frame("a", "a1", W, H));
        assertThat(s.pendingFrameBytes()).isPositive();
        s.onEvent(event("b", "b1", 0.1, 1000, 40, W, H));
        assertThat(s.cameraIds()).containsExactly("b");
        assertThat(s.pendingFrameBytes()).isZero();
    }

    @Test
    void eventsWithoutFrameAreForgottenOldestFirstBeyondTheBound() {
        ViewState s = state(4, 4, 2, 10, 4);
        for (int i = 1; i <= 3; i++) {
            s.onEvent(event("a", "e" + i, 0.9, 1000 + i, 40, W, H));
        }
        assertThat(s.pendingEvents("a")).isEqualTo(2);
        assertThat(s.status()).containsEntry("eventsWithoutFrame", 1L).containsEntry("events", 3L);
        s.onFrame(frame("a", "e1", W, H)); // its event was forgotten: the frame waits instead
        assertThat(renders).isZero();
        s.onFrame(frame("a", "e3", W, H));
        assertThat(renders).isEqualTo(1);
    }

    @Test
    void theLeastRecentlyUpdatedCameraGivesWayAndStreamsAreToldToRemoveIt() {
        ViewState s = state(2, 4, 4, 10, 4);
        Map<String, Long> sent = new HashMap<>();
        s.onEvent(event("a", "1", 0.1, 1000, 40, W, H));
        s.onEvent(event("b", "1", 0.1, 1000, 40, W, H));
        assertThat(s.update(sent).cameras()).extracting(c -> c.get("id")).containsExactly("a", "b");
        s.onEvent(event("a", "2", 0.1, 1001, 40, W, H)); // a is now the most recent
        s.onEvent(event("c", "1", 0.1, 1000, 40, W, H));
        assertThat(s.cameraIds()).containsExactly("a", "c");
        assertThat(s.status()).containsEntry("evictedCameras", 1L);
        ViewState.Update update = s.update(sent);
        assertThat(update.removed()).containsExactly("b");
        assertThat(update.cameras()).extracting(c -> c.get("id")).containsExactly("a", "c");
        assertThat(sent).containsOnlyKeys("a", "c");
    }

    @Test
    void anUpdateCarriesOnlyCamerasThatChangedSinceTheLast() {
        ViewState s = state(4, 4, 4, 10, 4);
        Map<String, Long> sent = new HashMap<>();
        s.onEvent(event("a", "1", 0.1, 1000, 40, W, H));
        s.onEvent(event("b", "1", 0.1, 1000, 40, W, H));
        assertThat(s.update(sent).cameras()).hasSize(2);
        assertThat(s.update(sent).cameras()).isEmpty();
        s.onEvent(event("b", "2", 0.1, 1001, 40, W, H));
        assertThat(s.update(sent).cameras()).extracting(c -> c.get("frameId")).containsExactly("2");
    }

    @Test
    void thePictureFollowsTheLatestEventNotTheEmitTime() {
        ViewState s = state(4, 4, 4, 10, 4);
        s.onFrame(frame("a", "f1", W, H));
        s.onEvent(event("a", "f1", 0.9, 1000, 500, W, H)); // emitted at 1500
        s.onFrame(frame("a", "f2", W, H));
        s.onEvent(event("a", "f2", 0.1, 1001, 100, W, H)); // emitted at 1101, but the later event
        assertThat(new String(s.latestJpeg("a"))).isEqualTo("f2");
        // a frame joining late (its event came first, a later event has a picture already) does not replace it
        s.onEvent(event("a", "f3", 0.9, 1002, 100, W, H));
        s.onFrame(frame("a", "f4", W, H));
        s.onEvent(event("a", "f4", 0.1, 1003, 100, W, H));
        s.onFrame(frame("a", "f3", W, H));
        assertThat(new String(s.latestJpeg("a"))).isEqualTo("f4");
        assertThat(s.cameraJson("a")).containsEntry("imageFrameId", "f4");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> anomalies = (List<Map<String, Object>>) s.cameraJson("a").get("anomalies");
        assertThat(anomalies).extracting(m -> m.get("frameId")).containsExactly("f3", "f1");
    }

    @Test
    void keepsTheLastAnomalousFramesNewestFirst() {
        ViewState s = state(4, 4, 4, 10, 2);
        for (int i = 1; i <= 5; i++) {
            s.onFrame(frame("a", "f" + i, W, H));
            s.onEvent(event("a", "f" + i, i == 5 ? 0.1 : 0.9, 1000 + i, 40, W, H));
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> anomalies = (List<Map<String, Object>>) s.cameraJson("a").get("anomalies");
        assertThat(anomalies).extracting(a -> a.get("frameId")).containsExactly("f4", "f3");
        long newest = (Long) anomalies.get(0).get("seq");
        assertThat(new String(s.anomalyJpeg("a", newest))).isEqualTo("f4");
        assertThat(s.anomalyJpeg("a", newest - 2)).as("f2 fell out of the list").isNull();
        assertThat(s.cameraJson("a")).containsEntry("imageFrameId", "f5").containsEntry("anomalous", false);
    }

    @Test
    void rollingRateAndLatencyPercentilesOverTheWindow() {
        ViewState s = state(4, 4, 4, 4, 4);
        boolean[] anomalous = {true, false, true, true, false};
        for (int i = 0; i < 5; i++) {
            s.onEvent(event("a", "f" + i, anomalous[i] ? 0.9 : 0.1, 1000 + i, 10L * (i + 1), W, H));
        }
        // window of 4: latencies 20, 30, 40, 50; verdicts F, T, T, F
        Map<String, Object> json = s.cameraJson("a");
        assertThat(json).containsEntry("window", 4).containsEntry("defectRate", 0.5)
                .containsEntry("latencyP50", 30.0).containsEntry("latencyP95", 50.0)
                .containsEntry("latencyMs", 50.0).containsEntry("events", 5L);
        @SuppressWarnings("unchecked")
        List<double[]> series = (List<double[]>) json.get("series");
        assertThat(series).hasSize(4);
        // the first point left in the chart is event f1's (emitted at 1001 + 20): the window then held 10, 20 with verdicts T, F
        assertThat(series.get(0)).containsExactly(1021.0, 0.5, 10.0, 20.0);
    }

    @Test
    void aFrameThatCannotBeDrawnIsCountedAndTheVerdictStillShows() {
        ViewState s = new ViewState(new ViewLimits(4, 4, 4, 10, 4));
        Frame broken = Frame.newBuilder(frame("a", "f1", W, H))
                .setImage(ByteBuffer.wrap(new byte[] {1, 2, 3})).build();
        s.onFrame(broken);
        s.onEvent(event("a", "f1", 0.9, 1000, 40, W, H));
        assertThat(s.status()).containsEntry("renderFailures", 1L);
        assertThat((String) s.status().get("lastProblem")).contains("f1");
        assertThat(s.latestJpeg("a")).isNull();
        assertThat(s.cameraJson("a")).containsEntry("anomalous", true);
    }

    @Test
    @SuppressWarnings("unchecked")
    void drawsTheHeatMapOntoTheFrame() throws Exception {
        ViewState s = new ViewState(new ViewLimits(4, 4, 4, 10, 4));
        s.onFrame(frame("a", "f1", W, H));
        s.onEvent(event("a", "f1", 0.9, 1000, 40, W, H));
        BufferedImage picture = ImageIO.read(new ByteArrayInputStream(s.latestJpeg("a")));
        assertThat(picture.getWidth()).isEqualTo(W);
        assertThat(picture.getHeight()).isEqualTo(H);
        assertThat(ViewFixtures.heatRed(picture.getRGB(W / 2, H / 2))).as("hot centre").isTrue();
        assertThat(ViewFixtures.heatRed(picture.getRGB(2, 2))).as("cold corner").isFalse();
        long seq = (Long) ((List<Map<String, Object>>) s.cameraJson("a").get("anomalies")).get(0).get("seq");
        BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(s.anomalyJpeg("a", seq)));
        assertThat(thumb.getWidth()).isEqualTo(W); // smaller than the thumbnail side: not enlarged
    }
}
