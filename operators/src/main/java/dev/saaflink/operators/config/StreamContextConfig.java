package dev.saaflink.operators.config;

import java.io.Serializable;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stream-context saliency ({@code streamContext:} in the config file): each frame's encoder patches are scored
 * against a bounded memory of the recent frames of the same camera and category, instead of against the frame's own
 * patches only (the within-image kNN of SAA+'s saliency prompt). A patch that looks like some patch of most recent
 * frames is normal; one that no recent frame has is anomalous. Immutable; validated at construction.
 *
 * <ul>
 *   <li>{@code memoryFrames} (M): frames kept per camera and category, oldest evicted first;</li>
 *   <li>{@code patchesPerFrame} (S): patch vectors kept per frame, evenly spaced over the frame's feature cells;</li>
 *   <li>{@code lowestFraction} (q): a patch's score is the mean of the round(q·m) smallest of its distances to the
 *       m frames in memory (at least one), so a defect that a minority of the memory frames also shows still
 *       scores high;</li>
 *   <li>{@code warmupFrames}: frames the memory must hold before a frame is scored against it; until then a frame
 *       is scored against its own patches (those whose pooling window does not overlap the cell's), which keeps its
 *       scores on the memory's scale; every frame enters the memory;</li>
 *   <li>{@code poolCells}: each patch vector is the mean of the {@code poolCells × poolCells} cells around it (edge
 *       cells repeated at the border), so a patch carries its neighbourhood, as PatchCore's local aggregation does;</li>
 *   <li>{@code borderCells}: the scores of the cells within this many cells of the image border are replaced by the
 *       nearest inner cell's. Border cells see the frame's edge and the encoder's padding, which differ with every
 *       frame's size and crop, so against the memory they look anomalous on every frame.</li>
 *   <li>{@code idleTtl}: a key's memory is dropped once no frame of it has arrived for this long (Flink state TTL,
 *       processing time), so cameras that went away do not hold heap forever; a camera that comes back warms up
 *       again. {@code 0} keeps memories forever. Written as a whole number with a unit: {@code 24h}, {@code 30m},
 *       {@code 90s}, {@code 500ms}, {@code 7d};</li>
 *   <li>{@code admission}: what of a scored frame enters the memory ({@link MemoryAdmissionConfig}): patches
 *       scoring above a quantile of recent remembered scores are left out, so a run of defects does not fill the
 *       memory with defects;</li>
 *   <li>{@code darkLines}: a pixel-level channel for thin dark marks, scored against the camera's recent frames and
 *       added to the anomaly map ({@link DarkLinesConfig});</li>
 *   <li>{@code maxCamerasPerSubtask}: most keys (camera and category) that hold a memory on one subtask of the
 *       operator; a frame that would start one more becomes a dead letter ({@code TOO_MANY_CAMERAS}) and allocates
 *       nothing. Keys whose memory expired free their place. Bounds the heap a producer that invents camera ids can
 *       take: at most this many memories of {@link #memoryBytesPerKey} each.</li>
 * </ul>
 */
public final class StreamContextConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_MEMORY_FRAMES = 48;
    public static final int DEFAULT_PATCHES_PER_FRAME = 341;
    public static final double DEFAULT_LOWEST_FRACTION = 0.3;
    public static final int DEFAULT_WARMUP_FRAMES = 1;
    public static final int DEFAULT_POOL_CELLS = 5;
    public static final int DEFAULT_BORDER_CELLS = 5;
    public static final Duration DEFAULT_IDLE_TTL = Duration.ofHours(24);
    public static final int DEFAULT_MAX_CAMERAS_PER_SUBTASK = 64;
    /** Largest {@code maxCamerasPerSubtask}. */
    public static final int MAX_CAMERAS_PER_SUBTASK_LIMIT = 1_000_000;

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)");

    private final boolean enabled;
    private final int memoryFrames;
    private final int patchesPerFrame;
    private final double lowestFraction;
    private final int warmupFrames;
    private final int poolCells;
    private final int borderCells;
    private final Duration idleTtl;
    private final int maxCamerasPerSubtask;
    private final MemoryAdmissionConfig admission;
    private final DarkLinesConfig darkLines;

    /** @throws InvalidConfigException naming the field when a value is out of range */
    public StreamContextConfig(boolean enabled, int memoryFrames, int patchesPerFrame, double lowestFraction,
                               int warmupFrames, int poolCells, int borderCells) {
        this(enabled, memoryFrames, patchesPerFrame, lowestFraction, warmupFrames, poolCells, borderCells,
                DEFAULT_IDLE_TTL, DEFAULT_MAX_CAMERAS_PER_SUBTASK);
    }

    /** As above, with the bounds on keys: {@code idleTtl} (zero: never expire) and {@code maxCamerasPerSubtask}. */
    public StreamContextConfig(boolean enabled, int memoryFrames, int patchesPerFrame, double lowestFraction,
                               int warmupFrames, int poolCells, int borderCells, Duration idleTtl,
                               int maxCamerasPerSubtask) {
        this(enabled, memoryFrames, patchesPerFrame, lowestFraction, warmupFrames, poolCells, borderCells, idleTtl,
                maxCamerasPerSubtask, MemoryAdmissionConfig.off());
    }

    /** As above, with the memory's admission gate (the constructors above leave it off). */
    public StreamContextConfig(boolean enabled, int memoryFrames, int patchesPerFrame, double lowestFraction,
                               int warmupFrames, int poolCells, int borderCells, Duration idleTtl,
                               int maxCamerasPerSubtask, MemoryAdmissionConfig admission) {
        this(enabled, memoryFrames, patchesPerFrame, lowestFraction, warmupFrames, poolCells, borderCells, idleTtl,
                maxCamerasPerSubtask, admission, DarkLinesConfig.off());
    }

    /** As above, with the dark-line channel (the constructors above leave it off). */
    public StreamContextConfig(boolean enabled, int memoryFrames, int patchesPerFrame, double lowestFraction,
                               int warmupFrames, int poolCells, int borderCells, Duration idleTtl,
                               int maxCamerasPerSubtask, MemoryAdmissionConfig admission, DarkLinesConfig darkLines) {
        if (admission == null) {
            throw new InvalidConfigException("streamContext.admission: missing");
        }
        if (darkLines == null) {
            throw new InvalidConfigException("streamContext.darkLines: missing");
        }
        if (idleTtl == null || idleTtl.isNegative()) {
            throw new InvalidConfigException("streamContext.idleTtl: must be 0 or a positive duration, got " + idleTtl);
        }
        if (maxCamerasPerSubtask < 1 || maxCamerasPerSubtask > MAX_CAMERAS_PER_SUBTASK_LIMIT) {
            throw new InvalidConfigException("streamContext.maxCamerasPerSubtask: must be in [1, "
                    + MAX_CAMERAS_PER_SUBTASK_LIMIT + "], got " + maxCamerasPerSubtask);
        }
        if (poolCells < 1 || poolCells > 9 || poolCells % 2 == 0) {
            throw new InvalidConfigException("streamContext.poolCells: must be odd and in [1, 9], got " + poolCells);
        }
        if (borderCells < 0 || borderCells > 16) {
            throw new InvalidConfigException("streamContext.borderCells: must be in [0, 16], got " + borderCells);
        }
        if (memoryFrames < 1 || memoryFrames > 256) {
            throw new InvalidConfigException("streamContext.memoryFrames: must be in [1, 256], got " + memoryFrames);
        }
        if (patchesPerFrame < 1 || patchesPerFrame > 16384) {
            throw new InvalidConfigException("streamContext.patchesPerFrame: must be in [1, 16384], got "
                    + patchesPerFrame);
        }
        if (!(lowestFraction > 0 && lowestFraction <= 1)) {
            throw new InvalidConfigException("streamContext.lowestFraction: must be in (0, 1], got " + lowestFraction);
        }
        if (warmupFrames < 1 || warmupFrames > memoryFrames) {
            throw new InvalidConfigException("streamContext.warmupFrames: must be in [1, memoryFrames = "
                    + memoryFrames + "], got " + warmupFrames);
        }
        this.enabled = enabled;
        this.memoryFrames = memoryFrames;
        this.patchesPerFrame = patchesPerFrame;
        this.lowestFraction = lowestFraction;
        this.warmupFrames = warmupFrames;
        this.poolCells = poolCells;
        this.borderCells = borderCells;
        this.idleTtl = idleTtl;
        this.maxCamerasPerSubtask = maxCamerasPerSubtask;
        this.admission = admission;
        this.darkLines = darkLines;
    }

    /** This config with other bounds on keys. */
    public StreamContextConfig withKeyBounds(Duration idleTtl, int maxCamerasPerSubtask) {
        return new StreamContextConfig(enabled, memoryFrames, patchesPerFrame, lowestFraction, warmupFrames, poolCells,
                borderCells, idleTtl, maxCamerasPerSubtask, admission, darkLines);
    }

    /** This config with another admission gate. */
    public StreamContextConfig withAdmission(MemoryAdmissionConfig admission) {
        return new StreamContextConfig(enabled, memoryFrames, patchesPerFrame, lowestFraction, warmupFrames, poolCells,
                borderCells, idleTtl, maxCamerasPerSubtask, admission, darkLines);
    }

    /** This config with another dark-line channel. */
    public StreamContextConfig withDarkLines(DarkLinesConfig darkLines) {
        return new StreamContextConfig(enabled, memoryFrames, patchesPerFrame, lowestFraction, warmupFrames, poolCells,
                borderCells, idleTtl, maxCamerasPerSubtask, admission, darkLines);
    }

    /** On, with the defaults above; the admission gate off (measured: it costs quality on MTD, docs/EXPERIMENTS.md). */
    public static StreamContextConfig defaults() {
        return new StreamContextConfig(true, DEFAULT_MEMORY_FRAMES, DEFAULT_PATCHES_PER_FRAME, DEFAULT_LOWEST_FRACTION,
                DEFAULT_WARMUP_FRAMES, DEFAULT_POOL_CELLS, DEFAULT_BORDER_CELLS);
    }

    /** Off: every frame gets the within-image saliency, as in SAA+. */
    public static StreamContextConfig off() {
        return new StreamContextConfig(false, DEFAULT_MEMORY_FRAMES, DEFAULT_PATCHES_PER_FRAME,
                DEFAULT_LOWEST_FRACTION, DEFAULT_WARMUP_FRAMES, DEFAULT_POOL_CELLS, DEFAULT_BORDER_CELLS);
    }

    public boolean isEnabled() {
        return enabled;
    }

    public int getMemoryFrames() {
        return memoryFrames;
    }

    public int getPatchesPerFrame() {
        return patchesPerFrame;
    }

    public double getLowestFraction() {
        return lowestFraction;
    }

    public int getWarmupFrames() {
        return warmupFrames;
    }

    /** Side of the square of feature cells averaged into each patch vector (1 = the cell alone). */
    public int getPoolCells() {
        return poolCells;
    }

    /** Depth of the band of cells along the image border whose score is replaced by the nearest inner cell's. */
    public int getBorderCells() {
        return borderCells;
    }

    /** How long a key's memory lives without a frame; {@link Duration#ZERO}: forever. */
    public Duration getIdleTtl() {
        return idleTtl;
    }

    /** What of a scored frame enters the memory. */
    public MemoryAdmissionConfig getAdmission() {
        return admission;
    }

    /** The dark-line channel ({@link DarkLinesConfig#off} unless configured). */
    public DarkLinesConfig getDarkLines() {
        return darkLines;
    }

    /** Most keys holding a memory on one subtask. */
    public int getMaxCamerasPerSubtask() {
        return maxCamerasPerSubtask;
    }

    /**
     * Heap one key's memory takes when full, for {@code channels}-dimensional patch vectors (256 for the SAM
     * encoders): memoryFrames x patchesPerFrame x channels floats.
     */
    public long memoryBytesPerKey(int channels) {
        return (long) memoryFrames * patchesPerFrame * channels * Float.BYTES;
    }

    /**
     * Parses a duration as written in the config: {@code 0}, or a whole number with a unit ms, s, m, h or d.
     *
     * @throws InvalidConfigException naming {@code path} when it is not one
     */
    public static Duration parseDuration(String text, String path) {
        String t = text == null ? "" : text.trim();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            throw new InvalidConfigException(path + ": must be 0 or a whole number with a unit (ms, s, m, h, d), "
                    + "e.g. 24h, got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** How many per-frame distances a patch averages when the memory holds {@code frames} frames: round(q·m) in [1, m]. */
    public int distancesAveraged(int frames) {
        return Math.max(1, Math.min(frames, (int) Math.round(lowestFraction * frames)));
    }

    @Override
    public String toString() {
        return "StreamContextConfig{enabled=" + enabled + ", memoryFrames=" + memoryFrames + ", patchesPerFrame="
                + patchesPerFrame + ", lowestFraction=" + lowestFraction + ", warmupFrames=" + warmupFrames
                + ", poolCells=" + poolCells + ", borderCells=" + borderCells + ", " + admission + ", " + darkLines
                + ", idleTtl=" + idleTtl + ", maxCamerasPerSubtask=" + maxCamerasPerSubtask + "}";
    }
}
