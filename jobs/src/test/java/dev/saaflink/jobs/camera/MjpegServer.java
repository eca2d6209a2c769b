package dev.saaflink.jobs.camera;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A camera's MJPEG-over-HTTP endpoint on loopback, in plain Java: any GET gets {@code multipart/x-mixed-replace}
 * with one JPEG part every {@code 1/fps} seconds, cycling through the given pictures. A test can kill it (every
 * socket closed without a final boundary, as a camera losing power would), start it again on the same port, or
 * freeze the connections it has (they stay open and send nothing: a stalled camera) while new ones are served.
 */
final class MjpegServer implements AutoCloseable {

    private static final String BOUNDARY = "saaframe";

    private final List<byte[]> jpegs;
    private final long periodMillis;
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final Set<Socket> frozen = ConcurrentHashMap.newKeySet();
    private final AtomicLong partsSent = new AtomicLong();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile ServerSocket server;
    private volatile int port;

    MjpegServer(List<byte[]> jpegs, double fps) {
        this.jpegs = List.copyOf(jpegs);
        this.periodMillis = Math.round(1000 / fps);
    }

    /** Listens on 127.0.0.1 at {@code port}, 0 for any free one the first time. */
    void start(int wanted) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), wanted));
        port = socket.getLocalPort();
        server = socket;
        Thread acceptor = new Thread(() -> acceptLoop(socket), "mjpeg-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts again on the port of the first start. */
    void restart() throws IOException {
        start(port);
    }

    int port() {
        return port;
    }

    String url() {
        return "http://127.0.0.1:" + port + "/video.mjpg";
    }

    long partsSent() {
        return partsSent.get();
    }

    int connectionsAccepted() {
        return accepted.get();
    }

    /** Stops listening and closes every connection mid-stream. */
    void kill() {
        closeQuietly(server);
        for (Socket client : clients) {
            closeQuietly(client);
        }
        clients.clear();
        frozen.clear();
    }

    /** The open connections send nothing more but stay open; later connections are served as usual. */
    void freeze() {
        frozen.addAll(clients);
    }

    @Override
    public void close() {
        kill();
    }

    private void acceptLoop(ServerSocket socket) {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                accepted.incrementAndGet();
                clients.add(client);
                Thread sender = new Thread(() -> serve(client), "mjpeg-client-" + accepted.get());
                sender.setDaemon(true);
                sender.start();
            } catch (IOException e) {
                return; // killed
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            client.setSoTimeout(5_000);
            readRequest(client.getInputStream());
            OutputStream out = client.getOutputStream();
            out.write(("HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=" + BOUNDARY
                    + "\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            for (long i = 0; !client.isClosed(); i++) {
                if (frozen.contains(client)) {
                    Thread.sleep(20);
                    continue;
                }
                byte[] jpeg = jpegs.get((int) (i % jpegs.size()));
                out.write(("--" + BOUNDARY + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + jpeg.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(jpeg);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                partsSent.incrementAndGet();
                Thread.sleep(periodMillis);
            }
        } catch (SocketException e) {
            // killed, or the client went away
        } catch (IOException | InterruptedException e) {
            // the test is over
        } finally {
            clients.remove(client);
            frozen.remove(client);
        }
    }

    /** Reads up to the blank line that ends the request headers. */
    private static void readRequest(InputStream in) throws IOException {
        int state = 0; // counts the bytes of "\r\n\r\n" seen in a row
        for (int total = 0; total < 64 * 1024; total++) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("request ended early");
            }
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                    ? state + 1 : (b == '\r' ? 1 : 0);
            if (state == 4) {
                return;
            }
        }
        throw new IOException("request headers too long");
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }
}
