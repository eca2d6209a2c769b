package dev.saaflink.jobs.view;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live view's web server, the JDK's own {@link HttpServer} (no web framework): the page ({@code /}), a
 * server-sent-events stream of small JSON updates ({@code /events}), and the pictures by URL
 * ({@code /camera/<id>/latest.jpg}, {@code /camera/<id>/anomalies/<n>.jpg}). Each open stream holds one thread, so
 * streams are limited to {@code maxStreams}; a few more threads serve the page and pictures meanwhile.
 */
public final class ViewServer implements AutoCloseable {

    /** A stream with nothing new sends a comment this often, so proxies and the browser keep it open. */
    private static final long HEARTBEAT_MILLIS = 15_000;
    /** Updates are sent at most this often per stream: a busy topic batches into fewer, larger messages. */
    private static final long MIN_INTERVAL_MILLIS = 200;

    private final ViewState state;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Object> page;
    private final int maxStreams;
    private final AtomicInteger streams = new AtomicInteger();

    /**
     * @param page what the page shows besides the cameras (topic names, limits)
     */
    public ViewServer(ViewState state, String bind, int port, int maxStreams, Map<String, Object> page)
            throws IOException {
        this.state = state;
        this.maxStreams = maxStreams;
        this.page = new LinkedHashMap<>(page);
        server = HttpServer.create(new InetSocketAddress(bind, port), 0);
        AtomicInteger threads = new AtomicInteger();
        executor = Executors.newFixedThreadPool(maxStreams + 4, r -> {
            Thread t = new Thread(r, "saa-view-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    public void start() {
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                send(exchange, 405, "text/plain", "only GET\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            if (path.equals("/") || path.equals("/index.html")) {
                send(exchange, 200, "text/html; charset=utf-8", index());
            } else if (path.equals("/events")) {
                stream(exchange);
            } else if (path.startsWith("/camera/")) {
                picture(exchange, path.substring("/camera/".length()).split("/"));
            } else {
                send(exchange, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private byte[] index() throws IOException {
        try (InputStream in = ViewServer.class.getResourceAsStream("index.html")) {
            if (in == null) {
                throw new IOException("index.html missing from the classpath");
            }
            String html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            // the settings go in as JSON inside a script element: escape '<' so no value can end it
            String settings = json.writeValueAsString(page).replace("<", "\\u003c");
            return html.replace("/*SETTINGS*/{}", settings).getBytes(StandardCharsets.UTF_8);
        }
    }

    private void picture(HttpExchange exchange, String[] parts) throws IOException {
        byte[] jpeg = null;
        if (parts.length >= 2) {
            String camera = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            if (parts.length == 2 && parts[1].equals("latest.jpg")) {
                jpeg = state.latestJpeg(camera);
            } else if (parts.length == 3 && parts[1].equals("anomalies") && parts[2].matches("\\d{1,18}\\.jpg")) {
                jpeg = state.anomalyJpeg(camera, Long.parseLong(parts[2].substring(0, parts[2].length() - 4)));
            }
        }
        if (jpeg == null) {
            send(exchange, 404, "text/plain", "no such picture\n".getBytes(StandardCharsets.UTF_8));
        } else {
            send(exchange, 200, "image/jpeg", jpeg);
        }
    }

    private void stream(HttpExchange exchange) throws IOException {
        if (streams.incrementAndGet() > maxStreams) {
            streams.decrementAndGet();
            send(exchange, 503, "text/plain", ("at most " + maxStreams + " open views\n")
                    .getBytes(StandardCharsets.UTF_8));
            return;
        }
        try {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            Map<String, Long> sent = new HashMap<>();
            long seen = -1;
            while (!state.closed()) {
                ViewState.Update update = state.update(sent);
                seen = update.version();
                for (Map<String, Object> camera : update.cameras()) {
                    write(out, "camera", json.writeValueAsString(camera));
                }
                for (String id : update.removed()) {
                    write(out, "remove", json.writeValueAsString(id));
                }
                write(out, "status", json.writeValueAsString(update.status()));
                out.flush();
                Thread.sleep(MIN_INTERVAL_MILLIS);
                while (state.awaitChange(seen, HEARTBEAT_MILLIS) <= seen && !state.closed()) {
                    out.write(": ping\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // the browser went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            streams.decrementAndGet();
        }
    }

    private static void write(OutputStream out, String event, String data) throws IOException {
        out.write(("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        state.close();
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
