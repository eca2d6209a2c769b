package dev.saaflink.operators.stages;

import ai.onnxruntime.OrtException;
import dev.saaflink.models.gdino.Detection;
import dev.saaflink.models.gdino.DetectionFilter;
import dev.saaflink.models.gdino.GroundingDino;
import dev.saaflink.models.image.RgbImage;
import dev.saaflink.models.runtime.ExecutionProvider;
import dev.saaflink.models.runtime.SessionSettings;
import dev.saaflink.operators.config.CategoryConfig;
import dev.saaflink.operators.config.PromptSpec;
import dev.saaflink.operators.config.SaaParameters;
import dev.saaflink.operators.pipeline.FrameInProgress;
import dev.saaflink.operators.saa.RegionCandidate;
import dev.saaflink.schemas.RegionSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The language prompt P^L as SAA+ codes it (reference §3.2, §3.3, §5): GroundingDINO on the category's object word,
 * then on every defect prompt. Per frame:
 * <ol>
 *   <li>the image side runs once ({@link GroundingDino#encodeImage}: pre-processing, plus the backbone for a split
 *       export), where the reference recomputes the backbone for every prompt (Q11; same results);</li>
 *   <li><b>object pass</b>: caption {@code <objectPrompt>,} (normalised to {@code mtd,.}, §3.1), boxes with
 *       {@code 0 < w*h < 1/N} and score above the box threshold, no phrase filter; the area reference is the largest
 *       surviving object box's normalised area, 1 when none survives;</li>
 *   <li><b>defect passes</b>, one per prompt in {@link CategoryConfig#allPrompts()} order (general prompts first):
 *       boxes with {@code 0 < w*h < θ_area * objectArea}, score above the box threshold, and a phrase (tokens above
 *       the text threshold) that does not contain the prompt's filter word. Region score = the box's largest token
 *       probability; the label is the phrase. No NMS, no de-duplication across prompts (none in the reference).</li>
 * </ol>
 * Boxes go to pixels as {@code x1 = (cx - w/2) * W} etc., rounded to the nearest pixel and clipped to the image.
 *
 * <p>The model opens in {@link #open()} (or lazily on the first frame; sessions are shared per JVM) and is released
 * by {@link #close()}. Per frame, {@link #start} runs the image side once and the object pass; the defect prompts
 * run on the same image features when the candidates are asked for, and the features are released when the
 * frame's proposals are closed.
 */
public final class GroundingDinoRegionGenerator implements RegionGenerator, AutoCloseable {
    private static final long serialVersionUID = 1L;

    private final String manifest;
    private final double boxThreshold;
    private final double textThreshold;
    private final int ortIntraOpThreads;
    private final ExecutionProvider provider;
    private final int deviceId;
    private final String id;
    private final LinkedHashMap<String, String> modelIds;

    private transient volatile GroundingDino model;

    /** Result of one object pass. */
    private record ObjectPass(double area, List<RegionCandidate> boxes) {
    }

    /**
     * @param manifest          the GroundingDINO export's manifest (validated by the config loader)
     * @param algorithm         box and text thresholds
     * @param ortIntraOpThreads ONNX Runtime intra-op threads (0 = half the cores)
     */
    public GroundingDinoRegionGenerator(Path manifest, SaaParameters algorithm, int ortIntraOpThreads) {
        this(manifest, algorithm, ortIntraOpThreads, ExecutionProvider.CPU, 0);
    }

    /** As above, on the given execution provider and device (the job's {@code --execution-provider}). */
    public GroundingDinoRegionGenerator(Path manifest, SaaParameters algorithm, int ortIntraOpThreads,
                                        ExecutionProvider provider, int deviceId) {
        this.provider = provider;
        this.deviceId = deviceId;
        this.manifest = manifest.toAbsolutePath().toString();
        this.boxThreshold = algorithm.getBoxThreshold();
        this.textThreshold = algorithm.getTextThreshold();
        this.ortIntraOpThreads = ortIntraOpThreads;
        try {
            this.modelIds = new LinkedHashMap<>(GroundingDino.modelIds(manifest));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read GroundingDINO manifest " + manifest, e);
        }
        this.id = "groundingdino:" + modelIds.get("groundingDino");
    }

    /** The object caption of reference §3.1: the object word with the comma the property sentence leaves on it. */
    static String objectCaption(String objectPrompt) {
        String w = objectPrompt.strip();
        return w.endsWith(",") || w.endsWith(".") ? w : w + ",";
    }

    @Override
    public FrameProposals start(FrameInProgress frame, CategoryConfig category) {
        RgbImage img = frame.frame.image;
        GroundingDino.ImageFeatures features = null;
        try {
            features = model().encodeImage(img);
            return new Proposals(frame, category, features, objectPass(features, category, img.width, img.height));
        } catch (OrtException | RuntimeException e) {
            if (features != null) {
                features.close();
            }
            throw failure(frame, e);
        }
    }

    /** One frame's image features and object pass; the defect prompts run on the same features. */
    private final class Proposals implements FrameProposals {
        private final FrameInProgress frame;
        private final CategoryConfig category;
        private final GroundingDino.ImageFeatures features;
        private final ObjectPass objects;

        Proposals(FrameInProgress frame, CategoryConfig category, GroundingDino.ImageFeatures features,
                  ObjectPass objects) {
            this.frame = frame;
            this.category = category;
            this.features = features;
            this.objects = objects;
        }

        @Override
        public List<RegionCandidate> objectBoxes() {
            return objects.boxes();
        }

        @Override
        public double objectArea() {
            return objects.area();
        }

        @Override
        public List<RegionCandidate> candidates() {
            RgbImage img = frame.frame.image;
            DetectionFilter filter = new DetectionFilter(boxThreshold, textThreshold);
            double maxArea = category.getAreaRatio() * objects.area();
            List<RegionCandidate> out = new ArrayList<>();
            try {
                for (PromptSpec p : category.allPrompts()) {
                    for (Detection d : model().detect(features, p.getText(), filter, maxArea, 0.0, p.getFilterWord())) {
                        out.add(toCandidate(d, img.width, img.height));
                    }
                }
            } catch (OrtException e) {
                throw failure(frame, e);
            }
            return out;
        }

        @Override
        public void close() {
            features.close();
        }
    }

    private static IllegalStateException failure(FrameInProgress frame, Exception e) {
        return e instanceof IllegalStateException ise ? ise
                : new IllegalStateException("GroundingDINO failed on frame " + frame.frame.frameId + ": "
                        + e.getMessage(), e);
    }

    private ObjectPass objectPass(GroundingDino.ImageFeatures features, CategoryConfig category, int width, int height)
            throws OrtException {
        List<Detection> objects = model().detect(features, objectCaption(category.getObjectPrompt()),
                new DetectionFilter(boxThreshold, textThreshold), category.objectMaxArea(), 0.0, null);
        List<RegionCandidate> boxes = new ArrayList<>(objects.size());
        for (Detection d : objects) {
            boxes.add(toCandidate(d, width, height));
        }
        return new ObjectPass(DetectionFilter.objectArea(objects), List.copyOf(boxes));
    }

    /** Pixel box of a detection, rounded and clipped to the image, at least one pixel wide and high. */
    static RegionCandidate toCandidate(Detection d, int width, int height) {
        int x1 = clip((int) Math.round(d.x1(width)), width);
        int y1 = clip((int) Math.round(d.y1(height)), height);
        int x2 = clip((int) Math.round(d.x2(width)), width);
        int y2 = clip((int) Math.round(d.y2(height)), height);
        if (x2 <= x1) {
            x2 = Math.min(width, x1 + 1);
            x1 = x2 - 1;
        }
        if (y2 <= y1) {
            y2 = Math.min(height, y1 + 1);
            y1 = y2 - 1;
        }
        return new RegionCandidate(x1, y1, x2, y2, d.score(), d.phrase());
    }

    private static int clip(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }

    private GroundingDino model() {
        GroundingDino m = model;
        if (m == null) {
            synchronized (this) {
                m = model;
                if (m == null) {
                    try {
                        m = GroundingDino.open(Path.of(manifest),
                                SessionSettings.of(ortIntraOpThreads, provider, deviceId));
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot open GroundingDINO from " + manifest, e);
                    } catch (OrtException e) {
                        throw new IllegalStateException("cannot open GroundingDINO from " + manifest + ": "
                                + e.getMessage(), e);
                    }
                    model = m;
                }
            }
        }
        return m;
    }

    /** Opens the model now (e.g. in an operator's {@code open()}), so the first frame does not pay for it. */
    @Override
    public void open() {
        model();
    }

    /** Gives the model's sessions back; a later call opens them again. */
    @Override
    public synchronized void close() {
        if (model != null) {
            model.close();
            model = null;
        }
    }

    @Override
    public RegionSource source() {
        return RegionSource.DETECTOR;
    }

    @Override
    public String id() {
        return id;
    }

    /** Role to model id of every GroundingDINO file, for the events' {@code modelIds}. */
    public Map<String, String> modelIds() {
        return new LinkedHashMap<>(modelIds);
    }
}
