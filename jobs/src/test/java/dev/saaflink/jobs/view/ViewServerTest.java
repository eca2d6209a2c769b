package dev.saaflink.jobs.view;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The web server without a browser: the stream's messages, the pictures by URL, and the bound on open pages. */
class ViewServerTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void streamsUpdatesServesPicturesAndLimitsOpenPages() throws Exception {
        ViewState state = new ViewState(new ViewLimits(4, 4, 4, 10, 4));
        try (ViewServer server = new ViewServer(state, "127.0.0.1", 0, 1,
                Map.of("eventsTopic", "ev</script><b>", "framesTopic", "fr"))) {
            server.start();
            String base = "http://127.0.0.1:" + server.port();

            String page = get(base + "/").body();
            assertThat(page).contains("\"framesTopic\":\"fr\"")
                    .as("a topic name cannot end the settings script").doesNotContain("ev</script>");
            assertThat(get(base + "/camera/a/latest.jpg").statusCode()).isEqualTo(404);
            assertThat(get(base + "/nothing").statusCode()).isEqualTo(404);

            HttpResponse<InputStream> stream = http.send(request(base + "/events"),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("text/event-stream"));
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                assertThat(readUntil(lines, "event: status")).isNotNull();
                assertThat(lines.readLine()).startsWith("data: {\"events\":0,");

                // the bound: one open page, a second gets 503 while the first stays open
                assertThat(get(base + "/events").statusCode()).isEqualTo(503);

                state.onFrame(ViewFixtures.frame("cam/1", "f1", 32, 24));
                state.onEvent(ViewFixtures.event("cam/1", "f1", 0.9, 1000, 25, 32, 24));
                assertThat(readUntil(lines, "event: camera")).isNotNull();
                String data = lines.readLine();
                assertThat(data).startsWith("data: {\"id\":\"cam/1\"").contains("\"anomalous\":true")
                        .contains("\"latencyMs\":25.0");
            }
            HttpResponse<String> picture = get(base + "/camera/cam%2F1/latest.jpg");
            assertThat(picture.statusCode()).isEqualTo(200);
            assertThat(picture.headers().firstValue("Content-Type")).hasValue("image/jpeg");
            assertThat(get(base + "/camera/cam%2F1/anomalies/1.jpg").statusCode()).isEqualTo(200);
            assertThat(get(base + "/camera/cam%2F1/anomalies/2.jpg").statusCode()).isEqualTo(404);
        }
    }

    private HttpRequest request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build();
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(request(url), HttpResponse.BodyHandlers.ofString());
    }

    private static String readUntil(BufferedReader lines, String wanted) throws Exception {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.equals(wanted)) {
                return line;
            }
        }
        return null;
    }
}
