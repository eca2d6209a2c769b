package dev.saaflink.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetScannerTest {

    private final DatasetScanner scanner = new DatasetScanner();

    @TempDir
    Path dir;

    @Test
    void readsCategoryFoldersWithMasksInSortedOrder() throws IOException {
        TestImages.write(dir.resolve("crack/images/b.jpg"), "jpg", 8, 8);
        TestImages.write(dir.resolve("crack/images/a.png"), "png", 8, 8);
        TestImages.write(dir.resolve("crack/masks/a.png"), "png", 8, 8);
        TestImages.write(dir.resolve("blowhole/images/z.jpeg"), "jpg", 8, 8);
        TestImages.write(dir.resolve("blowhole/masks/z_mask.png"), "png", 8, 8);
        Files.createDirectories(dir.resolve("no-images-here"));

        List<DatasetItem> items = scanner.scan(dir, null);

        assertThat(items).extracting(DatasetItem::frameId)
                .containsExactly("blowhole/blowhole/z", "crack/crack/a", "crack/crack/b");
        assertThat(items.get(0).mask()).isEqualTo(dir.resolve("blowhole/masks/z_mask.png"));
        assertThat(items.get(1).mask()).isEqualTo(dir.resolve("crack/masks/a.png"));
        assertThat(items.get(2).mask()).isNull();
        assertThat(items.get(2).source()).isEqualTo("crack/images/b.jpg");
    }

    /**
     * A file that is not an image is an item like any other (the job dead-letters it), so the folder's files add up
     * to events plus dead letters; it keeps its extension in its name, and a mask named after it still counts.
     */
    @Test
    void filesNotNamedLikeImagesAreItemsToo() throws IOException {
        TestImages.write(dir.resolve("crack/images/a.png"), "png", 8, 8);
        Files.writeString(dir.resolve("crack/images/notes.txt"), "not an image");
        Files.write(dir.resolve("crack/images/empty.png"), new byte[0]);
        Files.writeString(dir.resolve("crack/images/logo.svg"), "<svg/>");
        Files.writeString(dir.resolve("crack/images/scan.tif"), "II*");
        TestImages.write(dir.resolve("crack/masks/scan.png"), "png", 8, 8);
        Files.createDirectories(dir.resolve("crack/images/subfolder"));

        List<DatasetItem> items = scanner.scan(dir, null);

        assertThat(items).extracting(DatasetItem::name)
                .containsExactly("a", "empty", "logo.svg", "notes.txt", "scan.tif");
        assertThat(items).extracting(DatasetItem::namedLikeImage).containsExactly(true, true, false, false, false);
        assertThat(items.get(3).source()).isEqualTo("crack/images/notes.txt");
        assertThat(items.get(4).mask()).isEqualTo(dir.resolve("crack/masks/scan.png"));
        assertThat(items.get(2).mask()).isNull();
    }

    @Test
    void aFolderWithoutAnyFileNamedLikeAnImageIsRefused() throws IOException {
        Files.createDirectories(dir.resolve("docs"));
        Files.writeString(dir.resolve("docs/readme.txt"), "not a dataset");

        assertThatThrownBy(() -> scanner.scan(dir.resolve("docs"), null)).hasMessageContaining("no images");
    }

    @Test
    void overrideReplacesTheCategoryButKeepsTheFolderAsSubset() throws IOException {
        TestImages.write(dir.resolve("free/images/f1.jpg"), "jpg", 8, 8);
        TestImages.write(dir.resolve("fray/images/d1.jpg"), "jpg", 8, 8);

        List<DatasetItem> items = scanner.scan(dir, "mtd");

        assertThat(items).extracting(DatasetItem::category).containsOnly("mtd");
        assertThat(items).extracting(DatasetItem::subset).containsExactly("fray", "free");
        assertThat(items).extracting(DatasetItem::frameId).containsExactly("mtd/fray/d1", "mtd/free/f1");
    }

    @Test
    void readsAFlatFolderNamedAfterItself() throws IOException {
        Path flat = dir.resolve("line-3");
        TestImages.write(flat.resolve("2.png"), "png", 4, 4);
        TestImages.write(flat.resolve("1.BMP"), "bmp", 4, 4);

        List<DatasetItem> items = scanner.scan(flat, null);

        assertThat(items).extracting(DatasetItem::frameId).containsExactly("line-3/line-3/1", "line-3/line-3/2");
        assertThat(items).allSatisfy(item -> assertThat(item.mask()).isNull());
        assertThat(scanner.scan(flat, "bottle")).extracting(DatasetItem::category).containsOnly("bottle");
    }

    @Test
    void readsASingleCategoryFolder() throws IOException {
        TestImages.write(dir.resolve("crack/images/a.jpg"), "jpg", 8, 8);
        TestImages.write(dir.resolve("crack/masks/a.png"), "png", 8, 8);

        List<DatasetItem> items = scanner.scan(dir.resolve("crack"), null);

        assertThat(items).singleElement().satisfies(item -> {
            assertThat(item.frameId()).isEqualTo("crack/crack/a");
            assertThat(item.hasMask()).isTrue();
            assertThat(item.source()).isEqualTo("images/a.jpg");
        });
    }

    @Test
    void rejectsMissingOrEmptyFoldersAndNameClashes() throws IOException {
        assertThatThrownBy(() -> scanner.scan(dir.resolve("absent"), null)).hasMessageContaining("not found");
        assertThatThrownBy(() -> scanner.scan(dir, null)).hasMessageContaining("no images");

        TestImages.write(dir.resolve("x/images/a.jpg"), "jpg", 4, 4);
        TestImages.write(dir.resolve("x/images/a.png"), "png", 4, 4);
        assertThatThrownBy(() -> scanner.scan(dir, null)).hasMessageContaining("share the name 'a'");
    }

    @Test
    void scansTheMtdDevelopmentSplitAsOneCategory() {
        Path mtd = SharedData.require("mtd");

        List<DatasetItem> items = scanner.scan(mtd, "mtd");
        Map<String, Long> perSubset = items.stream()
                .collect(Collectors.groupingBy(DatasetItem::subset, Collectors.counting()));

        assertThat(items).hasSize(680);
        assertThat(items).extracting(DatasetItem::category).containsOnly("mtd");
        assertThat(perSubset).containsExactlyInAnyOrderEntriesOf(Map.of(
                "blowhole", 58L, "break", 41L, "crack", 36L, "fray", 12L, "uneven", 51L, "free", 482L));
        assertThat(items.stream().filter(i -> !i.subset().equals("free"))).hasSize(198);
        // every image of this split has a mask, the defect-free ones included (all zero)
        assertThat(items).allSatisfy(item -> assertThat(item.hasMask()).isTrue());
        assertThat(items).extracting(DatasetItem::frameId).doesNotHaveDuplicates();
        assertThat(scanner.scan(mtd, "mtd")).isEqualTo(items);
    }
}
