package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.cluster.FlinkRestClient;
import picocli.CommandLine.Option;

/** Where the Flink cluster's REST API is, for the commands that talk to a running cluster ({@code submit}, {@code stop}). */
public final class FlinkRestOptions {

    static final String DEFAULT_URL = "http://localhost:8081";

    @Option(names = "--rest-url", defaultValue = "${env:SAA_FLINK_REST:-" + DEFAULT_URL + "}", paramLabel = "URL",
            description = "The JobManager's REST address (default: $SAA_FLINK_REST or ${DEFAULT-VALUE}).")
    String restUrl;

    FlinkRestClient client() {
        return new FlinkRestClient(restUrl);
    }

    /** " --rest-url URL" when it is not the default, for the commands printed as next steps. */
    String asArgument() {
        return DEFAULT_URL.equals(restUrl) ? "" : " --rest-url " + restUrl;
    }
}
