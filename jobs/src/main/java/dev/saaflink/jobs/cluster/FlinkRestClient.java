package dev.saaflink.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The few calls of Flink's REST API (the JobManager's web port) that deploying and operating the job needs:
 * upload and run the job jar, watch a job, stop it with a savepoint, cancel it, read its checkpoints and
 * metrics. Plain JSON over {@link HttpClient}; nothing of Flink's client runtime, so {@code saa submit} needs
 * no Flink configuration on the submitting machine.
 *
 * <p>Every failure is an {@link IOException} whose message names the call and carries Flink's own error text.
 */
public final class FlinkRestClient {

    /** Terminal job states (Flink's {@code JobStatus} that are globally terminal, plus SUSPENDED for HA). */
    public static final Set<String> TERMINAL_STATES = Set.of("FINISHED", "CANCELED", "FAILED", "SUSPENDED");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http;

    public FlinkRestClient(String restUrl) {
        String url = restUrl.endsWith("/") ? restUrl.substring(0, restUrl.length() - 1) : restUrl;
        this.base = URI.create(url.contains("://") ? url : "http://" + url);
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The REST address, e.g. {@code http://localhost:8081}; the web UI lives at the same address. */
    public String address() {
        return base.toString();
    }

    /** The web UI page of a job. */
    public String jobPage(String jobId) {
        return address() + "/#/job/running/" + jobId + "/overview";
    }

    /** {@code GET /overview}: TaskManagers, slots, jobs by state and the Flink version. */
    public JsonNode overview() throws IOException {
        return get("/overview");
    }

    /** Uploads a jar ({@code POST /jars/upload}) and returns the id the run call takes. */
    public String uploadJar(Path jar) throws IOException {
        String boundary = "----saa-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String head = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"jarfile\"; filename=\"" + jar.getFileName() + "\"\r\n"
                + "Content-Type: application/x-java-archive\r\n\r\n";
        body.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        body.writeBytes(Files.readAllBytes(jar));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/jars/upload"))
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
        JsonNode answer = send("POST /jars/upload", request);
        String filename = answer.path("filename").asText("");
        if (filename.isEmpty()) {
            throw new IOException("POST /jars/upload: no file name in the answer " + answer);
        }
        return Path.of(filename).getFileName().toString();
    }

    /** What to run from an uploaded jar. */
    public record RunRequest(String entryClass, List<String> programArgs, Integer parallelism, String savepointPath,
                             boolean allowNonRestoredState) {
        public RunRequest {
            programArgs = List.copyOf(programArgs);
        }
    }

    /**
     * Runs an uploaded jar's main on the JobManager ({@code POST /jars/<id>/run}) and returns the job id. The main
     * runs detached there: its {@code execute()} submits the job and returns.
     */
    public String runJar(String jarId, RunRequest run) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        if (run.entryClass() != null) {
            body.put("entryClass", run.entryClass());
        }
        body.putPOJO("programArgsList", run.programArgs());
        if (run.parallelism() != null) {
            body.put("parallelism", run.parallelism());
        }
        if (run.savepointPath() != null) {
            body.put("savepointPath", run.savepointPath());
            body.put("allowNonRestoredState", run.allowNonRestoredState());
        }
        JsonNode answer = post("/jars/" + encode(jarId) + "/run", body, Duration.ofMinutes(3));
        String jobId = answer.path("jobid").asText("");
        if (jobId.isEmpty()) {
            throw new IOException("POST /jars/" + jarId + "/run: no job id in the answer " + answer);
        }
        return jobId;
    }

    /** Removes an uploaded jar from the JobManager ({@code DELETE /jars/<id>}); a submitted job no longer needs it. */
    public void deleteJar(String jarId) throws IOException {
        send("DELETE /jars/" + jarId, HttpRequest.newBuilder(base.resolve("/jars/" + encode(jarId)))
                .timeout(Duration.ofSeconds(30)).DELETE().build());
    }

    /** {@code GET /jobs/<id>}: name, state, vertices. */
    public JsonNode job(String jobId) throws IOException {
        return get("/jobs/" + encode(jobId));
    }

    public String jobState(String jobId) throws IOException {
        return job(jobId).path("state").asText();
    }

    /** {@code GET /jobs/overview}: every job the cluster knows with its state. */
    public JsonNode jobsOverview() throws IOException {
        return get("/jobs/overview");
    }

    /**
     * Waits until the job is in {@code state}; throws when it reaches a terminal state first or the timeout passes (the message carries the job's root exception when there is one).
     */
    public void awaitState(String jobId, String state, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String current = "";
        while (System.nanoTime() < deadline) {
            current = jobState(jobId);
            if (current.equals(state)) {
                return;
            }
            if (TERMINAL_STATES.contains(current)) {
                throw new IOException("job " + jobId + " is " + current + ", not " + state + rootException(jobId));
            }
            Thread.sleep(250);
        }
        throw new IOException("job " + jobId + " still " + current + " after " + timeout.toSeconds() + " s, not "
                + state + rootException(jobId));
    }

    /** {@code GET /jobs/<id>/checkpoints}: counts and the latest completed checkpoint. */
    public JsonNode checkpoints(String jobId) throws IOException {
        return get("/jobs/" + encode(jobId) + "/checkpoints");
    }

    /** How many checkpoints of the job completed. */
    public long completedCheckpoints(String jobId) throws IOException {
        return checkpoints(jobId).path("counts").path("completed").asLong();
    }

    /**
     * Stops the job with a savepoint ({@code POST /jobs/<id>/stop}: sources stop, a final savepoint is taken, the
     * sinks commit it) and returns the savepoint's path once it completed.
     *
     * @param targetDirectory where the savepoint goes; null for the cluster's
     *                        {@code execution.checkpointing.savepoint-dir}
     * @param drain           also flush event-time windows and timers (for a job that will not be resumed)
     */
    public String stopWithSavepoint(String jobId, String targetDirectory, boolean drain, Duration timeout)
            throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        if (targetDirectory != null) {
            body.put("targetDirectory", targetDirectory);
        }
        body.put("drain", drain);
        String trigger = post("/jobs/" + encode(jobId) + "/stop", body, Duration.ofSeconds(30))
                .path("request-id").asText("");
        if (trigger.isEmpty()) {
            throw new IOException("POST /jobs/" + jobId + "/stop: no request id in the answer");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode status = get("/jobs/" + encode(jobId) + "/savepoints/" + encode(trigger));
            if ("COMPLETED".equals(status.path("status").path("id").asText())) {
                JsonNode operation = status.path("operation");
                if (operation.has("location")) {
                    return operation.get("location").asText();
                }
                throw new IOException("stop with savepoint of job " + jobId + " failed: "
                        + firstLine(operation.path("failure-cause").path("stack-trace").asText(operation.toString())));
            }
            Thread.sleep(250);
        }
        throw new IOException("stop with savepoint of job " + jobId + " did not finish within "
                + timeout.toSeconds() + " s");
    }

    /** Cancels the job without a savepoint ({@code PATCH /jobs/<id>?mode=cancel}). */
    public void cancel(String jobId) throws IOException {
        send("PATCH /jobs/" + jobId, HttpRequest.newBuilder(base.resolve("/jobs/" + encode(jobId) + "?mode=cancel"))
                .timeout(Duration.ofSeconds(30))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()).build());
    }

    /** The job's vertices by name ({@code GET /jobs/<id>}), e.g. "decode", "sam-encoder", in graph order. */
    public Map<String, String> vertexIds(String jobId) throws IOException {
        Map<String, String> ids = new LinkedHashMap<>();
        for (JsonNode v : job(jobId).path("vertices")) {
            ids.put(v.path("name").asText(), v.path("id").asText());
        }
        return ids;
    }

    /** The metric ids a vertex offers ({@code GET /jobs/<id>/vertices/<vertex>/metrics}). */
    public List<String> vertexMetricIds(String jobId, String vertexId) throws IOException {
        List<String> ids = new ArrayList<>();
        for (JsonNode m : get("/jobs/" + encode(jobId) + "/vertices/" + encode(vertexId) + "/metrics")) {
            ids.add(m.path("id").asText());
        }
        return ids;
    }

    /** Values of the named vertex metrics; ids as {@link #vertexMetricIds} lists them, absent ones left out. */
    public Map<String, String> vertexMetrics(String jobId, String vertexId, List<String> metricIds) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        if (metricIds.isEmpty()) {
            return values;
        }
        String query = "?get=" + encode(String.join(",", metricIds));
        for (JsonNode m : get("/jobs/" + encode(jobId) + "/vertices/" + encode(vertexId) + "/metrics" + query)) {
            values.put(m.path("id").asText(), m.path("value").asText());
        }
        return values;
    }

    /** ": <root exception>" of a failed job, or "" when there is none or it cannot be read. */
    private String rootException(String jobId) {
        try {
            JsonNode exceptions = get("/jobs/" + encode(jobId) + "/exceptions");
            String root = exceptions.path("exceptionHistory").path("entries").path(0).path("stacktrace").asText("");
            return root.isEmpty() ? "" : ": " + firstLine(root);
        } catch (IOException e) {
            return "";
        }
    }

    private JsonNode get(String path) throws IOException {
        return send("GET " + path, HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .GET().build());
    }

    private JsonNode post(String path, JsonNode body, Duration timeout) throws IOException {
        return send("POST " + path, HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build());
    }

    private JsonNode send(String call, HttpRequest request) throws IOException {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IOException("no Flink JobManager answers at " + address() + " (" + call + "); is the cluster "
                    + "running? ('./saa cluster status')", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(call + " interrupted", e);
        }
        String text = response.body() == null ? "" : response.body();
        JsonNode json = text.isBlank() ? JSON.createObjectNode() : parse(call, text);
        if (response.statusCode() >= 300) {
            throw new IOException(call + " answered HTTP " + response.statusCode() + ": " + errors(json, text));
        }
        return json;
    }

    private static JsonNode parse(String call, String text) throws IOException {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IOException(call + ": the answer is not JSON: " + firstLine(text), e);
        }
    }

    /** Flink answers errors as {"errors": ["message", "stack trace"...]}: the first line of each. */
    private static String errors(JsonNode json, String text) {
        if (!json.has("errors")) {
            return firstLine(text);
        }
        List<String> lines = new ArrayList<>();
        for (JsonNode e : json.get("errors")) {
            String line = deepestCause(e.asText());
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        return String.join("; ", lines);
    }

    /**
     * A Flink error text is often a whole stack trace with nested "Caused by:" lines; the innermost cause says
     * what went wrong (e.g. the job main's usage error), the outer ones only where.
     */
    static String deepestCause(String trace) {
        String line = firstLine(trace);
        for (String l : trace.split("\\R")) {
            if (l.startsWith("Caused by: ")) {
                line = l.substring("Caused by: ".length()).trim();
            }
        }
        return line;
    }

    private static String firstLine(String text) {
        String t = text.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl).strip();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
