package dev.saaflink.operators.config;

import java.io.Serializable;

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
 * </ul>
 */
public final class StreamContextConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_MEMORY_FRAMES = 16;
    public static final int DEFAULT_PATCHES_PER_FRAME = 1024;
    public static final double DEFAULT_LOWEST_FRACTION = 0.3;
    public static final int DEFAULT_WARMUP_FRAMES = 1;
    public static final int DEFAULT_POOL_CELLS = 5;
    public static final int DEFAULT_BORDER_CELLS = 5;

    private final boolean enabled;
    private final int memoryFrames;
    private final int patchesPerFrame;
    private final double lowestFraction;
    private final int warmupFrames;
    private final int poolCells;
    private final int borderCells;

    /** @throws InvalidConfigException naming the field when a value is out of range */
    public StreamContextConfig(boolean enabled, int memoryFrames, int patchesPerFrame, double lowestFraction,
                               int warmupFrames, int poolCells, int borderCells) {
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
    }

    /** On, with the defaults above. */
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

    /** How many per-frame distances a patch averages when the memory holds {@code frames} frames: round(q·m) in [1, m]. */
    public int distancesAveraged(int frames) {
        return Math.max(1, Math.min(frames, (int) Math.round(lowestFraction * frames)));
    }

    @Override
    public String toString() {
        return "StreamContextConfig{enabled=" + enabled + ", memoryFrames=" + memoryFrames + ", patchesPerFrame="
                + patchesPerFrame + ", lowestFraction=" + lowestFraction + ", warmupFrames=" + warmupFrames
                + ", poolCells=" + poolCells + ", borderCells=" + borderCells + "}";
    }
}
