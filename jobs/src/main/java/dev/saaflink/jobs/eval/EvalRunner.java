package dev.saaflink.jobs.eval;

import dev.saaflink.schemas.AvroBytes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.saaflink.jobs.embedded.EmbeddedInspection;
import dev.saaflink.jobs.embedded.TopicInspection;
import dev.saaflink.jobs.kafka.KafkaTopics;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetSplit;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.FrameFactory;
import dev.saaflink.jobs.ingest.PublishOrder;
import dev.saaflink.operators.eval.CategoryMetrics;
import dev.saaflink.operators.eval.EvaluationSummary;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.operators.saa.AnomalyMaps;
import dev.saaflink.operators.saa.Resize;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.AnomalyMap;
import dev.saaflink.schemas.DeadLetter;
import dev.saaflink.schemas.Frame;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code ./saa eval}: replays a labelled dataset through the real job (in-process broker, MiniCluster) and scores
 * the events against the ground truth with the reference protocol (section 11.1): maps at 400x400 (bilinear),
 * masks at 400x400 (nearest), all images of a category pooled, image score = max of the map (or, with
 * {@code anomalyMap.imageScore: top-mean}, the mean of its top pixels, as the job scores frames).
 */
public final class EvalRunner {

    /** The reference evaluates maps and masks at this resolution. */
    public static final int EVAL_SIZE = 400;
    private static final DateTimeFormatter RUN_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS");

    /** Where a frame's ground truth comes from. */
    public enum Labels {
        /** Pixel masks: every metric (MTD, MVTec with masks). */
        MASKS,
        /** The image's folder name: image metrics only (a folder in {@link DatasetItem#NORMAL_FOLDERS} is defect-free). */
        FOLDERS
    }


    private final PipelineSettings settings;
    private final PrintStream out;
    private final int maskThreshold;
    private final Labels labels;
    private DatasetSplit split = DatasetSplit.ALL;
    private Path saveEvents;

    /** @param maskThreshold a ground-truth pixel is a defect when its value is above this (127 for MTD's anti-aliased masks) */
    public EvalRunner(PipelineSettings settings, PrintStream out, int maskThreshold) {
        this(settings, out, maskThreshold, Labels.MASKS);
    }

    public EvalRunner(PipelineSettings settings, PrintStream out, int maskThreshold, Labels labels) {
        this.settings = settings;
        this.out = out;
        this.maskThreshold = maskThreshold;
        this.labels = labels;
        settings.anomalyMapSize = EVAL_SIZE;
        settings.anomalyMapBits = 16;
    }

    /**
     * Evaluates only this half of a dataset folder (see {@link DatasetSplit}; default all of it). A replayed topic
     * is always scored whole.
     */
    public EvalRunner split(DatasetSplit split) {
        this.split = java.util.Objects.requireNonNull(split, "split");
        return this;
    }

    /**
     * Also writes every event, Avro single-object encoded ({@link AnomalyEvent#toByteBuffer()}), to
     * {@code <dir>/<folder>/<name>.avro}: its 400x400 map and its regions (masks, detector and rescored scores) are
     * what an offline replay of the fusion variants needs ({@code EventReplay} in the jobs tests), so a variant of
     * the map costs seconds instead of a job run. Null (the default) writes nothing.
     */
    public EvalRunner saveEvents(Path dir) {
        this.saveEvents = dir;
        return this;
    }

    /**
     * @param saveMaps where to write every frame's 400x400 map as a 16-bit PNG ({@code <dir>/<folder>/<name>.png},
     *                 the dataset's own folder layout, so {@code ./saa score} can score them), or null
     */
    public Map<String, Object> run(Path dataset, String category, Path outDir, int limit, int parallelism,
                                   Path saveMaps) throws Exception {
        return run(dataset, category, outDir, limit, parallelism, saveMaps, PublishOrder.SORTED, 0);
    }

    /**
     * As {@link #run(Path, String, Path, int, int, Path)}, publishing the frames in the given {@link PublishOrder}
     * (the shuffle is a fixed permutation per seed, the same one {@code ./saa ingest} publishes). The order matters
     * with the stream-context saliency, which scores each frame against the frames before it.
     *
     * <p>The frames go to the job without their masks: the scoring side keeps them. Every file of the folder is
     * published, files that are not images included (see {@link DatasetScanner}); those end as dead letters and are
     * scored as misses.
     */
    public Map<String, Object> run(Path dataset, String category, Path outDir, int limit, int parallelism,
                                   Path saveMaps, PublishOrder order, long seed) throws Exception {
        List<DatasetItem> items = order.apply(stratifiedLimit(
                split.apply(new DatasetScanner().scan(dataset, category)), limit), seed);
        if (items.isEmpty()) {
            throw new IllegalArgumentException("no images found under " + dataset
                    + (split == DatasetSplit.ALL ? "" : " in the " + split + " half"));
        }
        if (labels == Labels.MASKS && items.stream().noneMatch(DatasetItem::hasMask)) {
            throw new IllegalArgumentException("no ground-truth masks under " + dataset + " (<folder>/masks/<name>.png):"
                    + " pixel metrics would count every frame as defect-free; add the masks, or give --labels folders"
                    + " for image metrics from the folder names");
        }
        out.printf("eval: %d frames from %s (%s) through the real job (parallelism %d, %s order%s)%n", items.size(),
                dataset, split == DatasetSplit.ALL ? "all images" : split + " half", parallelism, order,
                order != PublishOrder.SORTED ? ", seed " + seed : "");
        EmbeddedInspection.Outcome outcome = new EmbeddedInspection(settings).parallelism(parallelism)
                .run(items, true, List.of());
        return score(outcome, dataset.toString(), outDir, saveMaps, split);
    }

    /**
     * Replays a topic recorded with {@code ./saa ingest --with-ground-truth} on any Kafka cluster, bounded to its end
     * offsets at start, and scores it like {@link #run}. The job writes to two topics created for this run (deleted
     * afterwards unless {@code keepOutputTopics}); the recording itself is only read.
     */
    public Map<String, Object> replay(String bootstrapServers, Map<String, String> clientProperties, String topic,
                                      Path outDir, int parallelism, Path saveMaps, boolean keepOutputTopics)
            throws Exception {
        RecordedTopic recording = RecordedTopic.read(bootstrapServers, clientProperties, topic);
        if (recording.frames().isEmpty()) {
            throw new IllegalArgumentException("topic '" + topic + "' at " + bootstrapServers + " holds no frames ("
                    + recording.records() + " records); record one with ./saa ingest --with-ground-truth");
        }
        if (recording.duplicateIds() > 0) {
            throw new IllegalArgumentException("topic '" + topic + "' holds " + recording.duplicateIds()
                    + " frames whose id repeats an earlier one; scoring needs one record per frame id");
        }
        if (labels == Labels.MASKS && recording.framesWithGroundTruth() == 0) {
            throw new IllegalArgumentException("topic '" + topic + "' holds " + recording.frames().size()
                    + " frames and none carries a ground-truth mask: pixel metrics would count every frame as "
                    + "defect-free; record it with ./saa ingest --with-ground-truth, or give --labels folders for "
                    + "image metrics from the frames' '" + FrameFactory.ATTR_SUBSET + "' attribute (the folder name)");
        }
        out.printf("eval: replaying %d records (%d frames, %d with a mask, %d seed/reset records) of topic '%s' at %s,"
                        + " up to offsets %s%n", recording.records(), recording.frames().size(),
                recording.framesWithGroundTruth(), recording.memoryRecords(), topic, bootstrapServers,
                recording.endOffsets());

        String runId = "saa-eval-" + RUN_ID_TIME.format(LocalDateTime.now());
        String eventsTopic = runId + "-events";
        String deadLettersTopic = runId + "-dead-letters";
        int partitions = recording.endOffsets().size();
        KafkaTopics.createIfMissing(bootstrapServers, eventsTopic, partitions, (short) -1, clientProperties);
        KafkaTopics.createIfMissing(bootstrapServers, deadLettersTopic, 1, (short) -1, clientProperties);
        try {
            TopicInspection.Result result = new TopicInspection(bootstrapServers, clientProperties, settings)
                    .parallelism(parallelism)
                    .run(topic, recording.endOffsets(), eventsTopic, deadLettersTopic, runId, recording.records());
            EmbeddedInspection.Outcome outcome = new EmbeddedInspection.Outcome(recording.frames(),
                    recording.records() - recording.memoryRecords(), // frames = events + dead letters
                    result.events(), result.deadLetters(), result.jobSeconds());
            return score(outcome, "kafka://" + bootstrapServers + "/" + topic, outDir, saveMaps, DatasetSplit.ALL);
        } finally {
            if (keepOutputTopics) {
                out.printf("eval: kept output topics %s and %s%n", eventsTopic, deadLettersTopic);
            } else if (!KafkaTopics.deleteIfExists(bootstrapServers, List.of(eventsTopic, deadLettersTopic),
                    clientProperties)) {
                out.printf("eval: could not delete output topics %s and %s; delete them by hand%n", eventsTopic,
                        deadLettersTopic);
            }
        }
    }

    /** Scores the outcome and writes report.json and report.html; package-private for the bookkeeping tests. */
    Map<String, Object> score(EmbeddedInspection.Outcome outcome, String source, Path outDir, Path saveMaps)
            throws IOException {
        return score(outcome, source, outDir, saveMaps, DatasetSplit.ALL);
    }

    /**
     * Metrics that score each image as the job does ({@code anomalyMap.imageScore}): the map's maximum by default,
     * the mean of its top pixels with {@code top-mean}, both on the 400x400 map.
     */
    private CategoryMetrics newMetrics() {
        return new CategoryMetrics().imageScoreTopFraction(settings.inspection.getAnomalyMap().imageScoreTopFraction());
    }

    private static String subsetOf(Frame frame) {
        return frame.getAttributes().getOrDefault(FrameFactory.ATTR_SUBSET, "");
    }

    /** Where each scored frame goes: its category's and its subset's metrics, the pooled list, the event regions. */
    private final class Tally {
        final Map<String, CategoryMetrics> perCategory;
        final Map<String, CategoryMetrics> perSubset;
        final List<Scored> scored;
        final EventRegionScoring eventRegions;

        Tally(Map<String, CategoryMetrics> perCategory, Map<String, CategoryMetrics> perSubset, List<Scored> scored,
              EventRegionScoring eventRegions) {
            this.perCategory = perCategory;
            this.perSubset = perSubset;
            this.scored = scored;
            this.eventRegions = eventRegions;
        }

        /** Scores one frame's map (an event's, or all zeros for a miss: {@code event} null) against its labels. */
        Scored add(Frame frame, String category, String subset, float[] map, AnomalyEvent event) throws IOException {
            Scored s = new Scored(map, labels == Labels.MASKS ? groundTruth(frame) : null,
                    labels == Labels.FOLDERS && !DatasetItem.NORMAL_FOLDERS.contains(subset.toLowerCase(Locale.ROOT)));
            s.addTo(perCategory.computeIfAbsent(category, k -> newMetrics()));
            s.addTo(perSubset.computeIfAbsent(category + "/" + subset, k -> newMetrics()));
            scored.add(s);
            if (eventRegions != null) {
                eventRegions.add(event, frame, category, category + "/" + subset);
            }
            return s;
        }
    }

    private Map<String, Object> score(EmbeddedInspection.Outcome outcome, String source, Path outDir, Path saveMaps,
                                      DatasetSplit scoredSplit) throws IOException {
        Map<String, CategoryMetrics> perCategory = new TreeMap<>();
        Map<String, CategoryMetrics> perSubset = new TreeMap<>();
        List<Scored> scored = new ArrayList<>();
        List<Double> latencies = new ArrayList<>();
        Map<String, Double> stageTotals = new LinkedHashMap<>();
        double heatScale = 0;
        for (AnomalyEvent e : outcome.events) {
            heatScale = Math.max(heatScale, e.getAnomalyMap() == null ? 0 : e.getAnomalyMap().getMaxValue());
        }
        WorstCases worst = new WorstCases(WorstCases.DEFAULT_PER_SIDE, heatScale > 0 ? heatScale : 1);
        EventRegionScoring eventRegions = labels == Labels.MASKS ? new EventRegionScoring(maskThreshold) : null;
        Tally tally = new Tally(perCategory, perSubset, scored, eventRegions);
        for (AnomalyEvent e : outcome.events) {
            Frame frame = outcome.frames.get(e.getFrameId());
            if (frame == null) {
                throw new IllegalStateException("event for a frame that was never published: " + e.getFrameId());
            }
            String subset = subsetOf(frame);
            Scored s = tally.add(frame, e.getCategory(), subset, mapAtEvalSize(e.getAnomalyMap()), e);
            worst.offer(e.getFrameId(), subset, AvroBytes.toArray(frame.getImage()), s.map,
                    s.mask != null ? s.mask : new boolean[EVAL_SIZE * EVAL_SIZE], EVAL_SIZE, s.defect());
            latencies.add(e.getStageLatencyMs().getOrDefault("pipeline", 0.0));
            e.getStageLatencyMs().forEach((stage, ms) -> stageTotals.merge(stage, ms, Double::sum));
        }
        Misses misses = Misses.of(outcome);
        for (String frameId : misses.frameIds) {
            // No event: the job dead-lettered the frame (or lost it). A miss, not a frame to leave out: its map is all
            // zeros, so its image score is the lowest there is and none of its defect pixels is found.
            Frame frame = outcome.frames.get(frameId);
            tally.add(frame, frame.getCategory(), subsetOf(frame), new float[EVAL_SIZE * EVAL_SIZE], null);
        }

        // With one category the pooled figures are that category's: don't sweep the region metrics twice.
        CategoryMetrics all = perCategory.size() == 1 ? perCategory.values().iterator().next() : newMetrics();
        if (perCategory.size() != 1) {
            scored.forEach(s -> s.addTo(all));
        }
        if (saveMaps != null) {
            saveMaps(outcome, saveMaps);
        }
        if (saveEvents != null) {
            saveEvents(outcome, saveEvents);
        }

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("dataset", source);
        report.put("split", scoredSplit.toString());
        report.put("splitRule", scoredSplit.describe());
        report.put("frames", outcome.recordsPublished);
        report.put("events", outcome.events.size());
        report.put("deadLetters", outcome.deadLetters.size());
        report.put("deadLettersByReason", misses.byReason);
        report.put("framesScoredAsMisses", misses.frameIds.size());
        report.put("missedFrames", misses.frameIds.subList(0, Math.min(20, misses.frameIds.size())));
        report.put("framesWithoutResult", misses.withoutResult);
        report.put("missPolicy", "every published frame is in the metrics (missedFrames: the first 20 ids): a frame "
                + "that ended as a dead letter (or without an event) counts as a miss, its map all zeros (image score 0, "
                + "no defect pixel found); dead letters of records that are not frames have no ground truth and are "
                + "only counted");
        report.putAll(MetricsJson.of(all));
        if (eventRegions != null) {
            report.put("eventRegions", eventRegions.pooled());
            report.put("eventRegionsDefinition", EventRegionScoring.DEFINITION);
        }
        report.put("framesPerSecond", MetricsJson.round2(outcome.events.size() / outcome.jobSeconds));
        report.put("latencyMsP50", MetricsJson.round2(percentile(latencies, 50)));
        report.put("latencyMsP99", MetricsJson.round2(percentile(latencies, 99)));
        Map<String, Object> stageMeans = new LinkedHashMap<>();
        stageTotals.forEach((stage, total) -> stageMeans.put(stage, MetricsJson.round2(total / Math.max(1, outcome.events.size()))));
        report.put("stageMsMean", stageMeans);
        report.put("latencyDefinition", "in-job: Kafka read to event emit (stageLatencyMs.pipeline); a replay publishes "
                + "ahead of the job, so capture-to-event would measure the backlog");
        Map<String, Object> cats = new LinkedHashMap<>();
        perCategory.forEach((k, v) -> cats.put(k, withEventRegions(MetricsJson.of(v), eventRegions, k)));
        report.put("perCategory", cats);
        Map<String, Object> subsets = new LinkedHashMap<>();
        perSubset.forEach((k, v) -> subsets.put(k, withEventRegions(MetricsJson.of(v), eventRegions, k)));
        report.put("perSubset", subsets);
        report.put("labels", labels.name().toLowerCase(Locale.ROOT));
        report.put("protocol", labels == Labels.MASKS
                ? "maps bilinear and masks nearest to 400x400, defect pixel = mask > " + maskThreshold
                        + ", all images of a category pooled, image score = "
                        + settings.inspection.getAnomalyMap().describeImageScore() + ", percent"
                : "image labels from folder names (normal: " + String.join(", ", new TreeSet<>(DatasetItem.NORMAL_FOLDERS))
                        + "; every other folder a defect type), no pixel ground truth so no pixel or region metrics; "
                        + "maps bilinear to 400x400, image score = "
                        + settings.inspection.getAnomalyMap().describeImageScore() + ", percent");
        report.put("regionSource", outcome.events.isEmpty() ? null : outcome.events.get(0).getRegionSource().name());
        report.put("modelIds", outcome.events.isEmpty() ? Map.of() : outcome.events.get(0).getModelIds());
        report.put("configVersion", settings.inspection.getVersion());
        report.put("jobSeconds", MetricsJson.round2(outcome.jobSeconds));
        report.put("machine", RunEnvironment.machine());
        report.put("versions", RunEnvironment.versions());
        report.put("time", Instant.now().toString());

        Files.createDirectories(outDir);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(outDir.resolve("report.json").toFile(), report);
        HtmlReport.write(outDir.resolve("report.html"), report, HtmlReport.Curves.of(all, HtmlReport.CURVE_POINTS),
                worst);
        EvaluationSummary total = all.summary();
        out.printf(Locale.ROOT, "frames=%d events=%d deadLetters=%d (%d frames scored as misses) pixelMaxF1=%.2f "
                        + "pixelAuroc=%.2f imageAuroc=%.2f imageMaxF1=%.2f fps=%.3f -> %s%n",
                outcome.recordsPublished, outcome.events.size(), outcome.deadLetters.size(), misses.frameIds.size(),
                total.pixelMaxF1(),
                total.pixelAuroc(), total.imageAuroc(), total.imageMaxF1(), outcome.events.size() / outcome.jobSeconds,
                outDir.resolve("report.json"));
        out.printf("report: %s%n", outDir.resolve("report.html"));
        return report;
    }

    private static Map<String, Object> withEventRegions(Map<String, Object> metrics, EventRegionScoring eventRegions,
                                                        String key) {
        if (eventRegions != null && eventRegions.of(key) != null) {
            metrics.put("eventRegions", eventRegions.of(key));
        }
        return metrics;
    }

    /**
     * Writes the maps with one scale for the whole run (the largest map value), so scores stay comparable across
     * frames, as image-level metrics need.
     */
    private void saveMaps(EmbeddedInspection.Outcome outcome, Path dir) throws IOException {
        double scale = 0;
        for (AnomalyEvent e : outcome.events) {
            scale = Math.max(scale, e.getAnomalyMap().getMaxValue());
        }
        scale = scale > 0 ? scale : 1;
        for (AnomalyEvent e : outcome.events) {
            Path file = fileFor(outcome, e, dir, ".png");
            MapFiles.writePng16(file, mapAtEvalSize(e.getAnomalyMap()), EVAL_SIZE, EVAL_SIZE, scale);
        }
        out.printf("maps: %d 16-bit PNGs in %s (value/65535 * %.6f = raw score)%n", outcome.events.size(), dir, scale);
    }

    private void saveEvents(EmbeddedInspection.Outcome outcome, Path dir) throws IOException {
        for (AnomalyEvent e : outcome.events) {
            Files.write(fileFor(outcome, e, dir, ".avro"), AvroBytes.toArray(e.toByteBuffer()));
        }
        out.printf("events: %d Avro files in %s%n", outcome.events.size(), dir);
    }

    /** {@code dir/<frame's folder>/<frame name><suffix>} for an event, its folder created. */
    private static Path fileFor(EmbeddedInspection.Outcome outcome, AnomalyEvent e, Path dir, String suffix)
            throws IOException {
        Frame frame = outcome.frames.get(e.getFrameId());
        String folder = frame.getAttributes().getOrDefault(FrameFactory.ATTR_SUBSET, e.getCategory());
        String name = e.getFrameId().substring(e.getFrameId().lastIndexOf('/') + 1);
        Path file = dir.resolve(folder).resolve(name + suffix);
        Files.createDirectories(file.getParent());
        return file;
    }

    /**
     * The published frames that got no event, in publishing order, and what the dead letters say.
     *
     * @param frameIds      frames without an event (dead-lettered, or, should the job lose one, without any result)
     * @param byReason      dead letters per reason, all of them (records that are not frames included)
     * @param withoutResult frames with neither an event nor a dead letter
     */
    record Misses(List<String> frameIds, Map<String, Integer> byReason, int withoutResult) {
        static Misses of(EmbeddedInspection.Outcome outcome) {
            Set<String> withEvent = new HashSet<>();
            outcome.events.forEach(e -> withEvent.add(e.getFrameId()));
            Set<String> deadLettered = new HashSet<>();
            Map<String, Integer> byReason = new TreeMap<>();
            for (DeadLetter d : outcome.deadLetters) {
                byReason.merge(d.getReason(), 1, Integer::sum);
                if (d.getFrameId() != null) {
                    deadLettered.add(d.getFrameId());
                }
            }
            List<String> missed = new ArrayList<>();
            int withoutResult = 0;
            for (String frameId : outcome.frames.keySet()) {
                if (!withEvent.contains(frameId)) {
                    missed.add(frameId);
                    if (!deadLettered.contains(frameId)) {
                        withoutResult++;
                    }
                }
            }
            return new Misses(List.copyOf(missed), byReason, withoutResult);
        }
    }

    /** One evaluated frame: its map and either its mask or, without masks, its folder's label. */
    private record Scored(float[] map, boolean[] mask, boolean folderDefect) {
        void addTo(CategoryMetrics metrics) {
            if (mask != null) {
                metrics.add(map, mask);
            } else {
                metrics.addImageLabel(map, folderDefect);
            }
        }

        boolean defect() {
            if (mask == null) {
                return folderDefect;
            }
            for (boolean m : mask) {
                if (m) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Up to {@code limit} items taken round-robin over the subsets, so a small run still sees every defect type. */
    public static List<DatasetItem> stratifiedLimit(List<DatasetItem> items, int limit) {
        if (limit <= 0 || items.size() <= limit) {
            return items;
        }
        Map<String, List<DatasetItem>> bySubset = new TreeMap<>();
        for (DatasetItem item : items) {
            bySubset.computeIfAbsent(item.category() + "/" + item.subset(), k -> new ArrayList<>()).add(item);
        }
        List<DatasetItem> out = new ArrayList<>(limit);
        for (int round = 0; out.size() < limit; round++) {
            for (List<DatasetItem> group : bySubset.values()) {
                if (round < group.size() && out.size() < limit) {
                    out.add(group.get(round));
                }
            }
        }
        return out;
    }

    private static float[] mapAtEvalSize(AnomalyMap map) {
        if (map == null || map.getWidth() != EVAL_SIZE || map.getHeight() != EVAL_SIZE) {
            throw new IllegalStateException("evaluation needs the job's 400x400 anomaly map on every event");
        }
        return AnomalyMaps.fromPng(AvroBytes.toArray(map.getPng()), map.getMaxValue());
    }

    /**
     * The frame's mask at 400x400 (nearest), or all background when the frame carries none (a defect-free image of a
     * dataset with masks; a dataset or recording without any mask is refused before the run).
     */
    private boolean[] groundTruth(Frame frame) throws IOException {
        if (frame.getGroundTruthMask() == null) {
            return new boolean[EVAL_SIZE * EVAL_SIZE];
        }
        MapFiles.GrayImage mask = MapFiles.readGray(AvroBytes.toArray(frame.getGroundTruthMask()),
                "ground-truth mask of " + frame.getFrameId());
        return Resize.nearest(CategoryMetrics.binarise(mask.gray(), maskThreshold), mask.width(), mask.height(),
                EVAL_SIZE, EVAL_SIZE);
    }

    public static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        int idx = (int) Math.ceil(p / 100.0 * v.length) - 1;
        return v[Math.max(0, Math.min(v.length - 1, idx))];
    }


}
