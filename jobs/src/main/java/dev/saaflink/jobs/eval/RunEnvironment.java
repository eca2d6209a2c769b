package dev.saaflink.jobs.eval;

import ai.onnxruntime.OrtEnvironment;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.kafka.common.utils.AppInfoParser;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The machine and the software versions a measurement was taken with, for reports: figures from different cores,
 * JVMs or library versions are not comparable, and a report has to say which it was.
 */
public final class RunEnvironment {

    private RunEnvironment() {}

    /** Cores, memory, OS and JVM. */
    public static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("maxHeapMb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.vendor") + " " + System.getProperty("java.version"));
        return m;
    }

    /** Versions of the libraries that do the work: Flink, the Kafka client, ONNX Runtime, and this project. */
    public static Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("flink", EnvironmentInformation.getVersion());
        v.put("kafkaClients", AppInfoParser.getVersion());
        v.put("onnxRuntime", onnxRuntimeVersion());
        String project = RunEnvironment.class.getPackage().getImplementationVersion();
        v.put("saa", project == null ? "development build" : project);
        return v;
    }

    private static String onnxRuntimeVersion() {
        try {
            return OrtEnvironment.getEnvironment().getVersion();
        } catch (RuntimeException | LinkageError e) {
            return "unavailable (" + e.getClass().getSimpleName() + ")";
        }
    }
}
