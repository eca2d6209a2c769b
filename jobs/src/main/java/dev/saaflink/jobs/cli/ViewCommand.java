package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.view.ViewFeed;
import dev.saaflink.jobs.view.ViewLimits;
import dev.saaflink.jobs.view.ViewServer;
import dev.saaflink.jobs.view.ViewState;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code saa view}: a local web page that follows the job's output live. It reads the events and frames topics
 * (read_committed, without a consumer group), joins them by camera and frame id, and shows per camera the latest
 * frame with its heat map and regions, the verdict, rolling charts and the last anomalous frames. Runs until stopped.
 */
@Command(name = "view",
        mixinStandardHelpOptions = true,
        description = {"Serve a live web page of the inspection results: per camera the latest frame with its anomaly"
                + " heat map and region outlines, verdict and score, rolling defect rate and latency charts, and the"
                + " last anomalous frames. Reads committed records only. Runs until stopped (Ctrl-C)."},
        footer = {"", "Example:",
                "  saa view --bootstrap-servers localhost:9092 --events-topic events --frames-topic frames"
                        + " --port 8080"})
public final class ViewCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--events-topic", required = true, paramLabel = "TOPIC", description = "The job's events topic.")
    String eventsTopic;

    @Option(names = "--frames-topic", required = true, paramLabel = "TOPIC",
            description = "The frames topic the job reads (the pictures).")
    String framesTopic;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
            description = "HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for all).")
    String bind;

    @Option(names = "--from-beginning",
            description = "Read both topics from their beginning instead of the last --history records.")
    boolean fromBeginning;

    @Option(names = "--history", paramLabel = "N", defaultValue = "200",
            description = "Records per partition read from before the end at start (default: ${DEFAULT-VALUE}).")
    long history;

    @Option(names = "--max-cameras", paramLabel = "N", defaultValue = "16",
            description = "Cameras shown; the least recently updated gives way (default: ${DEFAULT-VALUE}).")
    int maxCameras;

    @Option(names = "--window", paramLabel = "N", defaultValue = "200",
            description = "Events per camera in the rolling defect rate, latency percentiles and charts"
                    + " (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--anomalies", paramLabel = "K", defaultValue = "8",
            description = "Last anomalous frames kept per camera (default: ${DEFAULT-VALUE}).")
    int anomalies;

    @Option(names = "--join-buffer", paramLabel = "N", defaultValue = "64",
            description = "Frames (and events) per camera waiting for their match; the oldest is dropped and"
                    + " counted beyond this (default: ${DEFAULT-VALUE}).")
    int joinBuffer;

    @Option(names = "--join-buffer-mb", paramLabel = "MB", defaultValue = "256",
            description = "Image megabytes of all waiting frames together; beyond it the busiest camera's oldest"
                    + " frame is dropped and counted (default: ${DEFAULT-VALUE}).")
    long joinBufferMb;

    @Option(names = "--max-viewers", paramLabel = "N", defaultValue = "8",
            description = "Browser tabs served at once (default: ${DEFAULT-VALUE}).")
    int maxViewers;

    @Override
    public Integer call() throws Exception {
        String servers = kafka.bootstrapServers();
        require(!eventsTopic.isBlank(), "--events-topic must not be empty");
        require(!framesTopic.isBlank(), "--frames-topic must not be empty");
        require(port >= 0 && port <= 65535, "--port must be 0..65535, got " + port);
        require(history >= 0, "--history must not be negative, got " + history);
        require(maxViewers >= 1, "--max-viewers must be at least 1, got " + maxViewers);
        ViewLimits limits;
        try {
            require(joinBufferMb >= 1 && joinBufferMb <= 1L << 20, "--join-buffer-mb must be 1..1048576, got "
                    + joinBufferMb);
            limits = new ViewLimits(maxCameras, joinBuffer, joinBuffer, window, anomalies, joinBufferMb << 20);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        ViewState state = new ViewState(limits);
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("eventsTopic", eventsTopic);
        page.put("framesTopic", framesTopic);
        PrintWriter out = spec.commandLine().getOut();
        boolean interrupted = false;
        try (ViewFeed feed = new ViewFeed(state, servers, kafka.clientProperties(), eventsTopic, framesTopic,
                history, fromBeginning);
             ViewServer server = new ViewServer(state, bind, port, maxViewers, page)) {
            feed.start();
            server.start();
            String host = bind.contains(":") ? "[" + bind + "]" : bind;
            out.println("saa view: serving http://" + host + ":" + server.port() + "/ (Ctrl-C to stop)");
            out.flush();
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                interrupted = true; // stop: close the feed and server first, then keep the flag for the caller
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
