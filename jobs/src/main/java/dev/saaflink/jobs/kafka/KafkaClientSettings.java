package dev.saaflink.jobs.kafka;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Kafka client settings (security, timeouts) from the environment, and their redaction for logs. The one place that
 * decides (1) how an environment variable names a client property and (2) which property values are secrets.
 *
 * <p><b>Environment.</b> {@code SAA_KAFKA_<PROPERTY>} sets the client property {@code <property>}: the name after the
 * prefix lower-cased, each {@code _} a {@code .}. So {@code SAA_KAFKA_SECURITY_PROTOCOL=SASL_SSL} is
 * {@code security.protocol}, {@code SAA_KAFKA_SASL_JAAS_CONFIG} is {@code sasl.jaas.config}. Properties whose names
 * contain an underscore cannot be set this way (Kafka client properties have none). Precedence, lowest first:
 * environment, {@code --kafka-config FILE}, {@code --kafka-property K=V}.
 *
 * <p><b>Redaction.</b> A property is secret when its name contains {@code password}, {@code secret}, {@code jaas},
 * {@code token}, {@code credentials} or {@code key} (but not the {@code key.serializer}/{@code key.deserializer}
 * class names); {@link #redact} replaces the value of every secret one by {@value #MASK}.
 */
public final class KafkaClientSettings {

    /** Prefix of the environment variables that carry client properties. */
    public static final String ENV_PREFIX = "SAA_KAFKA_";

    /** What a secret value is shown as. */
    public static final String MASK = "[redacted]";

    private static final Pattern SECRET_NAME = Pattern.compile("password|secret|jaas|token|credentials|key");
    private static final Pattern NOT_SECRET = Pattern.compile("(^|\\.)(key\\.serializer|key\\.deserializer)$");

    private KafkaClientSettings() {}

    /** The client properties the environment {@code env} sets (sorted by name). */
    public static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> properties = new TreeMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length() && value != null) {
                properties.put(propertyName(name), value);
            }
        });
        return properties;
    }

    /** {@code SAA_KAFKA_SASL_JAAS_CONFIG} → {@code sasl.jaas.config}. */
    public static String propertyName(String environmentVariable) {
        return environmentVariable.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** {@code sasl.jaas.config} → {@code SAA_KAFKA_SASL_JAAS_CONFIG}. */
    public static String environmentVariable(String property) {
        return ENV_PREFIX + property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * The merged client properties: {@code environment}, then {@code file}, then {@code commandLine}, each later one
     * overriding an earlier one's value for the same name.
     */
    public static Map<String, String> merge(Map<String, String> environment, Map<String, String> file,
                                            Map<String, String> commandLine) {
        Map<String, String> merged = new LinkedHashMap<>(environment);
        merged.putAll(file);
        merged.putAll(commandLine);
        return merged;
    }

    /** Whether the value of the client property {@code name} is a secret that must not be logged. */
    public static boolean isSecret(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return SECRET_NAME.matcher(n).find() && !NOT_SECRET.matcher(n).find();
    }

    /** A copy with every secret value replaced by {@value #MASK}; for logs, reports and error messages. */
    public static Map<String, String> redact(Map<String, ?> properties) {
        Map<String, String> out = new TreeMap<>();
        properties.forEach((k, v) -> out.put(String.valueOf(k), isSecret(String.valueOf(k)) ? MASK : String.valueOf(v)));
        return out;
    }

    /** {@code k1=v1, k2=[redacted]} (sorted by name), for one log line. */
    public static String describe(Map<String, ?> properties) {
        return redact(properties).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /**
     * {@code args} with the value of every secret {@code --kafka-property NAME=VALUE} (either {@code --kafka-property
     * N=V} or {@code --kafka-property=N=V}) masked, for a command line that is shown or logged.
     */
    public static String[] redactArguments(String... args) {
        String[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            String a = out[i];
            if (a.equals("--kafka-property") && i + 1 < out.length) {
                out[i + 1] = redactAssignment(out[i + 1]);
                i++;
            } else if (a.startsWith("--kafka-property=")) {
                out[i] = "--kafka-property=" + redactAssignment(a.substring("--kafka-property=".length()));
            }
        }
        return out;
    }

    private static String redactAssignment(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq < 0) {
            return assignment;
        }
        String name = assignment.substring(0, eq);
        return isSecret(name) ? name + "=" + MASK : assignment;
    }
}
