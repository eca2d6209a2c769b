package dev.saaflink.jobs.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saaflink.jobs.cli.SaaCli;
import dev.saaflink.jobs.ingest.DatasetSplit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * End to end on tiny hand-made datasets. Masks are 2x2 PNGs, so at 400x400 (nearest) each mask pixel becomes a
 * 200x200 block; maps are written at 400x400, where the protocol's resize leaves them unchanged.
 */
class OfflineScorerTest {

    private static final int N = OfflineScorer.EVAL_SIZE;

    @TempDir
    Path dir;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    private OfflineScorer scorer(boolean allowMissing) {
        return new OfflineScorer(127, allowMissing, new PrintStream(printed, true));
    }

    /** An 8-bit 2x2 mask: top-left, top-right, bottom-left, bottom-right. */
    private void mask(Path file, int... values) throws IOException {
        BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < 4; i++) {
            data[i] = (byte) values[i];
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    /** A placeholder image: the scorer only needs its name. */
    private void image(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[] {1, 2, 3});
    }

    /** A 400x400 map that is {@code inside} on the top-left 200x200 block and {@code outside} elsewhere. */
    private static float[] blockMap(float inside, float outside) {
        float[] map = new float[N * N];
        for (int y = 0; y < N; y++) {
            for (int x = 0; x < N; x++) {
                map[y * N + x] = x < N / 2 && y < N / 2 ? inside : outside;
            }
        }
        return map;
    }

    /** Writes a map as float32 .npy (format v1). */
    private static void npy(Path file, float[] map, int w, int h) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, MapFilesTest.npy(1, MapFilesTest.dict("<f4", false, "(" + h + ", " + w + ")"),
                MapFilesTest.f4(map)));
    }

    /**
     * Category "a": a.png with a defect on the top-left quarter, b.png defect-free with an all-zero mask, c.png in a
     * folder that has masks/ but without a mask file of its own (so defect-free).
     */
    private Path dataset() throws IOException {
        Path data = dir.resolve("data");
        image(data.resolve("a/images/a.png"));
        image(data.resolve("a/images/b.jpg"));
        image(data.resolve("a/images/c.png"));
        mask(data.resolve("a/masks/a.png"), 255, 0, 0, 0);
        mask(data.resolve("a/masks/b.png"), 0, 0, 0, 0);
        return data;
    }

    private JsonNode read(Path report) throws IOException {
        return new ObjectMapper().readTree(report.toFile());
    }

    @Test
    void perfectMapsScoreOneHundredEverywhere() throws IOException {
        Path data = dataset();
        Path maps = dir.resolve("maps");
        MapFiles.writePng16(maps.resolve("a/a.png"), blockMap(1f, 0f), N, N, 1.0);
        npy(maps.resolve("a/b.npy"), blockMap(0f, 0f), N, N);
        npy(maps.resolve("a/c.npy"), new float[4], 2, 2); // resized to 400x400 like any other map
        Path report = dir.resolve("out/report.json");

        Map<String, Object> r = scorer(false).score(maps, data, null, report);

        JsonNode json = read(report);
        for (String key : List.of("pixelMaxF1", "pixelAuroc", "pixelAp", "imageAuroc", "imageMaxF1", "imageAp")) {
            assertThat(json.get(key).asDouble()).as(key).isEqualTo(100.0);
            assertThat(json.at("/perCategory/a/" + key).asDouble()).as(key).isEqualTo(100.0);
        }
        assertThat(json.get("images").asInt()).isEqualTo(3);
        assertThat(json.get("defectImages").asInt()).isEqualTo(1);
        assertThat(json.at("/counts/imagesScored").asInt()).isEqualTo(3);
        assertThat(json.at("/counts/imagesWithoutMaskFile/count").asInt()).isEqualTo(1);
        assertThat(json.at("/counts/imagesWithoutMaskFile/first/0").asText()).isEqualTo("a/c");
        assertThat(json.at("/counts/imagesWithoutMap/count").asInt()).isZero();
        assertThat(json.get("protocol").asText()).contains("400x400", "mask > 127", "max of the map");
        assertThat(r).containsKey("perCategory");
        assertThat(printed.toString()).startsWith("score: 3 images (1 defect) in 1 category")
                .contains("pixelAuroc=100.00");
    }

    /**
     * The halves of a/a, a/b and a/c, from {@code printf '%s' a/a | sha256sum} and so on: first bytes 01, c1, 24, so
     * a and b are in the validation half and c in the tuning half.
     */
    @Test
    void aSplitScoresOneHalfAndCountsTheOtherHalfsMapsAsKnown() throws IOException {
        Path data = dataset();
        Path maps = dir.resolve("maps");
        MapFiles.writePng16(maps.resolve("a/a.png"), blockMap(1f, 0f), N, N, 1.0);
        npy(maps.resolve("a/b.npy"), blockMap(0f, 0f), N, N);
        npy(maps.resolve("a/c.npy"), blockMap(0f, 0f), N, N);

        scorer(false).score(maps, data, null, dir.resolve("tune.json"), DatasetSplit.TUNE);
        JsonNode tune = read(dir.resolve("tune.json"));
        assertThat(tune.get("split").asText()).isEqualTo("tune");
        assertThat(tune.get("images").asInt()).isEqualTo(1);
        assertThat(tune.get("defectImages").asInt()).isZero();
        assertThat(tune.at("/counts/imagesInOtherHalf").asInt()).isEqualTo(2);
        assertThat(tune.at("/counts/mapsWithoutImage/count").asInt()).isZero();

        scorer(false).score(maps, data, null, dir.resolve("validate.json"), DatasetSplit.VALIDATE);
        JsonNode validate = read(dir.resolve("validate.json"));
        assertThat(validate.get("images").asInt()).isEqualTo(2);
        assertThat(validate.get("defectImages").asInt()).isEqualTo(1);
        assertThat(validate.get("imageAuroc").asDouble()).isEqualTo(100.0);
        assertThat(validate.at("/counts/imagesInOtherHalf").asInt()).isEqualTo(1);
        assertThat(validate.get("splitRule").asText()).contains("SHA-256", "odd");
    }

    @Test
    void constantMapsRankNothing() throws IOException {
        Path data = dataset();
        Files.delete(data.resolve("a/images/c.png"));
        Path maps = dir.resolve("maps");
        npy(maps.resolve("a/a.npy"), blockMap(0.5f, 0.5f), N, N);
        npy(maps.resolve("a/b.npy"), blockMap(0.5f, 0.5f), N, N);
        Path report = dir.resolve("report.json");

        scorer(false).score(maps, data, null, report);

        // 2 images of 160000 pixels, 40000 of them defect: prevalence 1/8. With one score for everything, AUROC is
        // 50, AP is the prevalence and max-F1 is 2P/(P+1) at recall 1.
        JsonNode json = read(report);
        assertThat(json.get("pixelAuroc").asDouble()).isEqualTo(50.0);
        assertThat(json.get("pixelAp").asDouble()).isEqualTo(12.5);
        assertThat(json.get("pixelMaxF1").asDouble()).isEqualTo(22.22); // 2 * 0.125 / 1.125
        assertThat(json.get("imageAuroc").asDouble()).isEqualTo(50.0);
        assertThat(json.get("imageAp").asDouble()).isEqualTo(50.0);
        assertThat(json.get("imageMaxF1").asDouble()).isEqualTo(66.67); // 2 * 0.5 / 1.5
    }

    @Test
    void imageScoreIsTheMaximumOfTheMap() throws IOException {
        Path data = dataset();
        Files.delete(data.resolve("a/images/c.png"));
        Path maps = dir.resolve("maps");
        // the defect image peaks at 0.6 inside its defect; the defect-free one has a single hot block at 0.9
        npy(maps.resolve("a/a.npy"), blockMap(0.6f, 0.1f), N, N);
        float[] falseAlarm = blockMap(0f, 0f);
        falseAlarm[N * N - 1] = 0.9f;
        npy(maps.resolve("a/b.npy"), falseAlarm, N, N);

        scorer(false).score(maps, data, null, dir.resolve("r.json"));

        JsonNode json = read(dir.resolve("r.json"));
        // images: the defect-free image outranks the defect image, so image AUROC is 0
        assertThat(json.get("imageAuroc").asDouble()).isEqualTo(0.0);
        // pixels: only one negative pixel (0.9) is above the 40000 positives (0.6); the rest are below them.
        // AUROC = 1 - 1/280000
        assertThat(json.get("pixelAuroc").asDouble()).isEqualTo(100.0);
    }

    @Test
    void missingMapIsAnErrorUnlessAllowed() throws IOException {
        Path data = dataset();
        Path maps = dir.resolve("maps");
        npy(maps.resolve("a/a.npy"), blockMap(1f, 0f), N, N);
        npy(maps.resolve("a/b.npy"), blockMap(0f, 0f), N, N);
        npy(maps.resolve("a/stray.npy"), blockMap(0f, 0f), N, N);
        Path report = dir.resolve("report.json");

        assertThatThrownBy(() -> scorer(false).score(maps, data, null, report))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 of 3 images have no map")
                .hasMessageContaining("a/c")
                .hasMessageContaining("--allow-missing");
        assertThat(report).doesNotExist();

        scorer(true).score(maps, data, null, report);
        JsonNode json = read(report);
        assertThat(json.at("/counts/imagesScored").asInt()).isEqualTo(2);
        assertThat(json.at("/counts/imagesWithoutMap/count").asInt()).isEqualTo(1);
        assertThat(json.at("/counts/imagesWithoutMap/first/0").asText()).isEqualTo("a/c");
        assertThat(json.at("/counts/mapsWithoutImage/count").asInt()).isEqualTo(1);
        assertThat(json.at("/counts/mapsWithoutImage/first/0").asText()).isEqualTo("a/stray.npy");
        assertThat(json.get("pixelAuroc").asDouble()).isEqualTo(100.0);
    }

    @Test
    void categoryOverridePoolsFoldersAndSkipsFoldersWithoutMasks() throws IOException {
        Path data = dir.resolve("mtd");
        image(data.resolve("blowhole/images/x.jpg"));
        mask(data.resolve("blowhole/masks/x.png"), 0, 0, 0, 200);
        image(data.resolve("free/images/y.jpg"));
        mask(data.resolve("free/masks/y.png"), 0, 0, 0, 100); // below the threshold: defect-free
        image(data.resolve("unlabelled/images/z.jpg")); // no masks/ folder at all
        Path maps = dir.resolve("maps");
        float[] bottomRight = new float[N * N];
        for (int y = N / 2; y < N; y++) {
            Arrays.fill(bottomRight, y * N + N / 2, y * N + N, 0.7f);
        }
        npy(maps.resolve("blowhole/x.npy"), bottomRight, N, N);
        npy(maps.resolve("mtd/y.npy"), blockMap(0.2f, 0.2f), N, N); // a pooled folder of maps works too

        scorer(false).score(maps, data, "mtd", dir.resolve("r.json"));

        JsonNode json = read(dir.resolve("r.json"));
        assertThat(json.get("category").asText()).isEqualTo("mtd");
        assertThat(json.get("perCategory").size()).isEqualTo(1);
        assertThat(json.at("/perCategory/mtd/images").asInt()).isEqualTo(2);
        assertThat(json.at("/perCategory/mtd/defectImages").asInt()).isEqualTo(1);
        assertThat(json.get("pixelMaxF1").asDouble()).isEqualTo(100.0);
        assertThat(json.get("imageAuroc").asDouble()).isEqualTo(100.0);
        assertThat(json.at("/counts/imagesWithoutGroundTruth/count").asInt()).isEqualTo(1);
        assertThat(json.at("/counts/imagesWithoutGroundTruth/first/0").asText()).isEqualTo("unlabelled/z");
        assertThat(json.has("meanOverCategories")).isFalse();
    }

    @Test
    void severalCategoriesAreAlsoPooledAndAveraged() throws IOException {
        Path data = dataset();
        Files.delete(data.resolve("a/images/c.png"));
        image(data.resolve("b/images/d.png"));
        mask(data.resolve("b/masks/d.png"), 255, 0, 0, 0);
        Path maps = dir.resolve("maps");
        npy(maps.resolve("a/a.npy"), blockMap(1f, 0f), N, N);
        npy(maps.resolve("a/b.npy"), blockMap(0f, 0f), N, N);
        npy(maps.resolve("b/d.npy"), blockMap(1f, 0f), N, N);

        scorer(false).score(maps, data, null, dir.resolve("r.json"));

        JsonNode json = read(dir.resolve("r.json"));
        assertThat(json.get("images").asInt()).isEqualTo(3);
        assertThat(json.get("perCategory").size()).isEqualTo(2);
        assertThat(json.at("/perCategory/a/pixelAuroc").asDouble()).isEqualTo(100.0);
        // category b has no defect-free image: image AUROC is undefined there, and so is its mean
        assertThat(json.at("/perCategory/b/imageAuroc").asText()).isEqualTo("NaN");
        assertThat(json.at("/meanOverCategories/pixelAuroc").asDouble()).isEqualTo(100.0);
        assertThat(json.get("imageAuroc").asDouble()).isEqualTo(100.0);
    }

    @Test
    void scoreCommandWritesTheReport() throws IOException {
        Path data = dataset();
        Path maps = dir.resolve("maps");
        npy(maps.resolve("a/a.npy"), blockMap(1f, 0f), N, N);
        npy(maps.resolve("a/b.npy"), blockMap(0f, 0f), N, N);
        Path report = dir.resolve("cli/report.json");

        int missing = SaaCli.commandLine().execute("score", "--maps", maps.toString(), "--masks", data.toString(),
                "--out", report.toString());
        int allowed = SaaCli.commandLine().execute("score", "--maps", maps.toString(), "--masks", data.toString(),
                "--out", report.toString(), "--allow-missing", "--mask-threshold", "0");

        assertThat(missing).isEqualTo(1);
        assertThat(allowed).isZero();
        assertThat(read(report).get("protocol").asText()).contains("mask > 0");
    }

    /**
     * Scoring needs maps and masks, not the images: a folder with masks/ but no images/ scores one image per mask,
     * its map named like the mask ({@code _mask} suffix dropped), alone or beside folders that do have images.
     */
    @Test
    void aMasksFolderWithoutImagesIsEnough() throws IOException {
        Path data = dir.resolve("masks-only");
        mask(data.resolve("a/masks/a.png"), 255, 0, 0, 0);
        mask(data.resolve("a/masks/b_mask.png"), 0, 0, 0, 0);
        Files.writeString(data.resolve("a/masks/notes.txt"), "not a mask");
        Path maps = dir.resolve("maps");
        MapFiles.writePng16(maps.resolve("a/a.png"), blockMap(1f, 0f), N, N, 1.0);
        MapFiles.writePng16(maps.resolve("a/b.png"), blockMap(0.5f, 0.5f), N, N, 1.0);

        scorer(false).score(maps, data, null, dir.resolve("out/a.json"));
        JsonNode json = read(dir.resolve("out/a.json"));

        assertThat(json.get("images").asInt()).isEqualTo(2);
        assertThat(json.get("defectImages").asInt()).isEqualTo(1);
        assertThat(json.get("imageAuroc").asDouble()).isEqualTo(100.0);
        assertThat(json.at("/counts/imagesScored").asInt()).isEqualTo(2);
        assertThat(json.at("/counts/imagesWithoutMap/count").asInt()).isZero();

        // the single-category root, <dataset>/masks, with its maps straight under <maps>
        Path root = data.resolve("a");
        Path flatMaps = dir.resolve("flat-maps");
        MapFiles.writePng16(flatMaps.resolve("a.png"), blockMap(1f, 0f), N, N, 1.0);
        MapFiles.writePng16(flatMaps.resolve("b.png"), blockMap(0f, 0f), N, N, 1.0);
        scorer(false).score(flatMaps, root, null, dir.resolve("out/root.json"));
        assertThat(read(dir.resolve("out/root.json")).get("pixelAuroc").asDouble()).isEqualTo(100.0);

        // beside a folder with images/, both are scored
        image(data.resolve("c/images/c.png"));
        mask(data.resolve("c/masks/c.png"), 0, 0, 0, 255);
        MapFiles.writePng16(maps.resolve("c/c.png"), blockMap(0f, 1f), N, N, 1.0);
        scorer(false).score(maps, data, "mix", dir.resolve("out/mix.json"));
        assertThat(read(dir.resolve("out/mix.json")).get("images").asInt()).isEqualTo(3);
    }

    @Test
    void filesThatAreNotImagesAreCountedNotScored() throws IOException {
        Path data = dataset();
        Files.writeString(data.resolve("a/images/readme.txt"), "about this folder");
        Path maps = dir.resolve("maps");
        MapFiles.writePng16(maps.resolve("a/a.png"), blockMap(1f, 0f), N, N, 1.0);
        MapFiles.writePng16(maps.resolve("a/b.png"), blockMap(0f, 0f), N, N, 1.0);
        MapFiles.writePng16(maps.resolve("a/c.png"), blockMap(0f, 0f), N, N, 1.0);

        scorer(false).score(maps, data, null, dir.resolve("out/r.json"));

        JsonNode json = read(dir.resolve("out/r.json"));
        assertThat(json.get("images").asInt()).isEqualTo(3);
        assertThat(json.at("/counts/filesNotImages/count").asInt()).isEqualTo(1);
        assertThat(json.at("/counts/filesNotImages/first/0").asText()).isEqualTo("a/readme.txt");
    }
}
