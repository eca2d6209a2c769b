package dev.saaflink.jobs.eval;

import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.DatasetScanner;
import dev.saaflink.jobs.ingest.DatasetSplit;
import dev.saaflink.operators.eval.CategoryMetrics;
import dev.saaflink.operators.eval.EvaluationSummary;
import dev.saaflink.operators.saa.AnomalyMaps;
import dev.saaflink.operators.saa.MapSharpening;
import dev.saaflink.operators.saa.MaskRle;
import dev.saaflink.operators.saa.Resize;
import dev.saaflink.schemas.AnomalyEvent;
import dev.saaflink.schemas.AvroBytes;
import dev.saaflink.schemas.Region;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A research tool, not a test: replays the fusion's map variants on events saved by {@code ./saa eval --save-events}
 * and scores each with the project's metric code, so a variant of the map costs the metric sweep instead of a job
 * run. Uses the event's 400x400 map (the smoothed saliency) and its kept regions' masks (nearest to 400x400), which is
 * what {@link MapSharpening} sees in the job up to the resize order (the job sharpens at frame size, then resizes).
 *
 * <pre>
 * java -cp ... dev.saaflink.jobs.eval.EventReplay EVENTS_DIR DATASET CATEGORY tune|validate|all VARIANT...
 * </pre>
 * A variant is {@code key=value} pairs separated by commas:
 * <ul>
 *   <li>{@code sharpen=none|peak|mean|detector|keep}: the value of the first {@code n} kept masks: the map's peak or
 *       mean in the mask, the region's detector score (the stand-in component's peak raw saliency), or 0 (the map
 *       unchanged inside, only the outside scaled);</li>
 *   <li>{@code n=N} (default all), {@code rest=none|peak|mean|detector|keep} (the value of the other kept masks;
 *       none leaves them out), {@code scale=}, {@code restscale=} (factors on those values);</li>
 *   <li>{@code outside=β}, {@code maxmask=fraction} as in {@link MapSharpening};</li>
 *   <li>{@code top=fraction} (image score: mean of the top fraction; 0 = max), {@code sub=1} (per-subset pixel
 *       max-F1 too).</li>
 * </ul>
 * The shipped default ({@code anomalyMap.sharpen: masks}) is {@code sharpen=detector,n=1,rest=mean,maxmask=0.5}.
 */
public final class EventReplay {

    private static final int SIZE = EvalRunner.EVAL_SIZE;

    /** One frame as the replay needs it. */
    private record Frame(String subset, float[] map, List<boolean[]> masks, double[] detector, boolean[] gt) {}

    public static void main(String[] args) throws Exception {
        Path events = Path.of(args[0]);
        Path dataset = Path.of(args[1]);
        String category = args[2];
        DatasetSplit split = DatasetSplit.parse(args[3]);
        List<Frame> frames = load(events, dataset, category, split);
        System.out.printf(Locale.ROOT, "%d frames (%d with an event)%n", frames.size(),
                frames.stream().filter(f -> f.masks != null).count());
        for (int i = 4; i < args.length; i++) {
            long t0 = System.nanoTime();
            Map<String, String> v = parse(args[i]);
            double top = Double.parseDouble(v.getOrDefault("top", "0"));
            CategoryMetrics all = new CategoryMetrics().imageScoreTopFraction(top);
            Map<String, CategoryMetrics> perSubset = new TreeMap<>();
            boolean sub = "1".equals(v.get("sub"));
            for (Frame f : frames) {
                float[] map = variant(f, v);
                all.add(map, f.gt);
                if (sub) {
                    perSubset.computeIfAbsent(f.subset, k -> new CategoryMetrics().imageScoreTopFraction(top))
                            .add(map, f.gt);
                }
            }
            EvaluationSummary s = all.summary();
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                    "%-60s pixF1 %6.2f  regRef %6.2f  reg11 %6.2f  pixAUROC %6.2f  imgAUROC %6.2f  AUPRO %6.2f"
                            + "  pixAP %6.2f  imgF1 %6.2f  (%.0f s)",
                    args[i], s.pixelMaxF1(), s.regionMaxF1Reference(), s.regionMaxF1(), s.pixelAuroc(),
                    s.imageAuroc(), s.aupro(), s.pixelAp(), s.imageMaxF1(), (System.nanoTime() - t0) / 1e9));
            perSubset.forEach((k, m) -> b.append(String.format(Locale.ROOT, "%n    %-10s pixF1 %6.2f",
                    k, m.summary().pixelMaxF1())));
            System.out.println(b);
        }
    }

    private static float[] variant(Frame f, Map<String, String> v) {
        String sharpen = v.getOrDefault("sharpen", "none");
        if (f.masks == null || sharpen.equals("none")) {
            return f.map;
        }
        double outside = Double.parseDouble(v.getOrDefault("outside", "1"));
        double maxMask = Double.parseDouble(v.getOrDefault("maxmask", "1"));
        int n = Math.min(f.masks.size(), Integer.parseInt(v.getOrDefault("n", "99")));
        String rest = v.getOrDefault("rest", "none");
        List<boolean[]> masks = rest.equals("none") ? f.masks.subList(0, n) : f.masks;
        double[] map = new double[f.map.length];
        for (int i = 0; i < map.length; i++) {
            map[i] = f.map[i];
        }
        double scale = Double.parseDouble(v.getOrDefault("scale", "1"));
        double[] values = values(sharpen, map, masks, f.detector);
        for (int i = 0; i < values.length; i++) {
            values[i] *= scale;
        }
        if (!rest.equals("none")) {
            double[] others = values(rest, map, masks, f.detector);
            for (int i = n; i < values.length; i++) {
                values[i] = others[i] * Double.parseDouble(v.getOrDefault("restscale", "1"));
            }
        }
        double[] out = MapSharpening.sharpen(map, SIZE, SIZE, masks, values, outside, maxMask);
        float[] r = new float[out.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) out[i];
        }
        return r;
    }

    private static double[] values(String rule, double[] map, List<boolean[]> masks, double[] detector) {
        return switch (rule) {
            case "peak" -> MapSharpening.maskValues(map, masks, MapSharpening.MaskValue.PEAK);
            case "mean" -> MapSharpening.maskValues(map, masks, MapSharpening.MaskValue.MEAN);
            case "detector" -> java.util.Arrays.copyOf(detector, masks.size());
            case "keep" -> new double[masks.size()];
            default -> throw new IllegalArgumentException("mask value " + rule);
        };
    }

    private static Map<String, String> parse(String spec) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : spec.split(",")) {
            if (kv.isBlank()) {
                continue;
            }
            String[] p = kv.split("=", 2);
            m.put(p[0].trim(), p.length > 1 ? p[1].trim() : "");
        }
        return m;
    }

    private static List<Frame> load(Path events, Path dataset, String category, DatasetSplit split)
            throws IOException {
        List<Frame> out = new ArrayList<>();
        for (DatasetItem item : split.apply(new DatasetScanner().scan(dataset, category))) {
            boolean[] gt = new boolean[SIZE * SIZE];
            if (item.mask() != null) {
                MapFiles.GrayImage g = MapFiles.readGray(Files.readAllBytes(item.mask()), item.mask().toString());
                gt = Resize.nearest(CategoryMetrics.binarise(g.gray(), 127), g.width(), g.height(), SIZE, SIZE);
            }
            Path file = events.resolve(item.subset()).resolve(item.name() + ".avro");
            if (!Files.exists(file)) {
                out.add(new Frame(item.subset(), new float[SIZE * SIZE], null, null, gt));
                continue;
            }
            AnomalyEvent e = AnomalyEvent.fromByteBuffer(ByteBuffer.wrap(Files.readAllBytes(file)));
            float[] map = AnomalyMaps.fromPng(AvroBytes.toArray(e.getAnomalyMap().getPng()),
                    e.getAnomalyMap().getMaxValue());
            List<boolean[]> masks = new ArrayList<>();
            double[] detector = new double[e.getRegions().size()];
            int i = 0;
            for (Region r : e.getRegions()) {
                int w = r.getMask().getWidth();
                int h = r.getMask().getHeight();
                int[] counts = r.getMask().getCounts().stream().mapToInt(Integer::intValue).toArray();
                masks.add(Resize.nearest(MaskRle.decode(counts, w * h), w, h, SIZE, SIZE));
                detector[i++] = r.getDetectorScore();
            }
            out.add(new Frame(item.subset(), map, masks, detector, gt));
        }
        return out;
    }
}
