package dev.saaflink.operators.flink;

import dev.saaflink.operators.config.InspectionConfigLoader;
import dev.saaflink.operators.config.InvalidConfigException;
import dev.saaflink.operators.config.LiveCategoryConfig;
import dev.saaflink.operators.decode.DeadLetters;
import dev.saaflink.operators.decode.RawRecord;
import dev.saaflink.operators.decode.RejectReason;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.pipeline.PipelineSettings;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The decode operator when category configs can change at runtime: frames on the first input are decoded as by
 * {@link DecodeFrameFunction} (the same {@link DecodeStep}), but their category config is resolved with the live
 * overrides from the second, broadcast input, the records of the config topic.
 *
 * <p>A config record: key = category name (UTF-8), value = one category block in YAML with a {@code version:}
 * (see {@link InspectionConfigLoader#parseLiveCategory}); a null value (tombstone) removes the override and the
 * category goes back to the file config. A record that does not validate changes nothing: the config in force stays
 * and the record becomes a dead letter on {@link DeadLetterOutput#CONFIG_ERRORS} (stage "config", reason
 * CONFIG_INVALID). Every parallel instance sees every record; only subtask 0 emits the dead letter and logs at
 * INFO/WARN, so one bad record gives one dead letter and one log line.
 *
 * <p>The broadcast state keeps the accepted YAML text as it came (checkpointed, independent of the Java classes);
 * the parsed configs are a per-instance cache rebuilt from it after a restore.
 */
public final class LiveConfigDecodeFunction extends BroadcastProcessFunction<RawRecord, RawRecord, FrameInProgress> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LiveConfigDecodeFunction.class);

    /** Category name to the YAML of its accepted live config. */
    public static final MapStateDescriptor<String, String> CONFIG_STATE =
            new MapStateDescriptor<>("live-category-configs", Types.STRING, Types.STRING);

    /** The dead-letter stage of rejected config records. */
    public static final String STAGE = "config";

    private final DecodeStep decode;
    /** Category to its parsed live config, for the YAML it was parsed from. */
    private transient Map<String, Parsed> parsed;
    private transient Counter accepted;
    private transient Counter rejected;
    private transient boolean reporter;

    private record Parsed(String yaml, LiveCategoryConfig live) {}

    public LiveConfigDecodeFunction(PipelineSettings settings) {
        this.decode = new DecodeStep(settings);
    }

    @Override
    public void open(OpenContext openContext) {
        decode.open(getRuntimeContext().getMetricGroup());
        parsed = new HashMap<>();
        accepted = getRuntimeContext().getMetricGroup().counter("configUpdatesAccepted");
        rejected = getRuntimeContext().getMetricGroup().counter("configUpdatesRejected");
        reporter = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0;
    }

    @Override
    public void processElement(RawRecord raw, ReadOnlyContext ctx, Collector<FrameInProgress> out) throws Exception {
        ReadOnlyBroadcastState<String, String> state = ctx.getBroadcastState(CONFIG_STATE);
        FrameInProgress p = decode.decode(raw, category -> live(state, category),
                d -> ctx.output(DeadLetterOutput.TAG, d));
        if (p != null) {
            out.collect(p);
        }
    }

    @Override
    public void processBroadcastElement(RawRecord raw, Context ctx, Collector<FrameInProgress> out) throws Exception {
        BroadcastState<String, String> state = ctx.getBroadcastState(CONFIG_STATE);
        String at = raw.topic + "-" + raw.partition + "@" + raw.offset;
        String category = null;
        try {
            category = utf8(raw.key, "key");
            if (category.isBlank()) {
                throw new InvalidConfigException("key: must be the category name, got an empty key");
            }
            if (raw.value == null) {
                boolean had = state.contains(category);
                state.remove(category);
                parsed.remove(category);
                accepted.inc();
                info("Live config for category '{}' removed (tombstone at {}){}", category, at,
                        had ? "; back to the config file" : "; it had none");
                return;
            }
            if (raw.value.length == 0) {
                throw new InvalidConfigException("categories." + category
                        + ": the value is empty (to remove the live config, send a null value: a tombstone)");
            }
            String yaml = utf8(raw.value, "value");
            LiveCategoryConfig live = InspectionConfigLoader.parseLiveCategory(category, yaml);
            state.put(category, yaml);
            parsed.put(category, new Parsed(yaml, live));
            accepted.inc();
            info("Live config for category '{}' accepted: version {} (record at {})", category, live.version(), at);
            LOG.debug("Live config for category '{}': {}", category, live.config());
        } catch (RuntimeException e) {
            // Any failure to read a config record rejects it: a record that failed the job would fail it again on
            // every restart from the checkpoint before it.
            rejected.inc();
            if (reporter) {
                LOG.warn("Live config record at {} for category '{}' rejected, the config in force stays: {}", at,
                        category, e instanceof InvalidConfigException ? e.getMessage() : e.toString());
                ctx.output(DeadLetterOutput.CONFIG_ERRORS, DeadLetters.of(raw, STAGE, RejectReason.CONFIG_INVALID, e,
                        null, null, System.currentTimeMillis(), decode.deadLetterPayloadMaxBytes()));
            }
        }
    }

    /** The live config of a category, parsed once per accepted YAML (again after a restore); null if none. */
    private LiveCategoryConfig live(ReadOnlyBroadcastState<String, String> state, String category) {
        String yaml;
        try {
            yaml = state.get(category);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the live config of category '" + category + "'", e);
        }
        if (yaml == null) {
            return null;
        }
        Parsed p = parsed.get(category);
        if (p == null || !p.yaml().equals(yaml)) {
            LiveCategoryConfig live;
            try {
                live = InspectionConfigLoader.parseLiveCategory(category, yaml);
            } catch (InvalidConfigException e) {
                // Accepted before, so only a stricter validation after an upgrade gets here: use the file config.
                LOG.warn("Restored live config of category '{}' no longer validates; using the config file: {}",
                        category, e.getMessage());
                live = null;
            }
            p = new Parsed(yaml, live);
            parsed.put(category, p);
        }
        return p.live();
    }

    private void info(String format, Object... args) {
        if (reporter) {
            LOG.info(format, args);
        } else {
            LOG.debug(format, args);
        }
    }

    private static String utf8(byte[] bytes, String what) {
        if (bytes == null) {
            throw new InvalidConfigException(what + ": missing; the key must be the category name");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidConfigException(what + ": not valid UTF-8 (" + e + ")");
        }
    }
}
