package dev.saaflink.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

class DatasetSplitTest {

    private static DatasetItem item(String category, String subset, String fileName) {
        String name = fileName.substring(0, fileName.lastIndexOf('.'));
        return new DatasetItem(category, subset, name, Path.of("somewhere", subset, "images", fileName), null,
                subset + "/images/" + fileName);
    }

    /**
     * Expected halves worked out outside Java: {@code printf '%s' KEY | sha256sum}, first two hex digits (even first
     * byte = tune): blowhole/exp1_num_108889 32, good/000 34, good/001 ec, MT_Blowhole/exp1_num_108889 b8,
     * contamination/000 0b, crack/exp1_num_1 c1, a/b c1.
     */
    @Test
    void handPickedNamesFallInTheHalfTheShellComputes() {
        assertThat(DatasetSplit.ofKey("blowhole/exp1_num_108889")).isEqualTo(DatasetSplit.TUNE);
        assertThat(DatasetSplit.ofKey("good/000")).isEqualTo(DatasetSplit.TUNE);
        assertThat(DatasetSplit.ofKey("good/001")).isEqualTo(DatasetSplit.TUNE);
        assertThat(DatasetSplit.ofKey("MT_Blowhole/exp1_num_108889")).isEqualTo(DatasetSplit.TUNE);
        assertThat(DatasetSplit.ofKey("contamination/000")).isEqualTo(DatasetSplit.VALIDATE);
        assertThat(DatasetSplit.ofKey("crack/exp1_num_1")).isEqualTo(DatasetSplit.VALIDATE);
        assertThat(DatasetSplit.ofKey("a/b")).isEqualTo(DatasetSplit.VALIDATE);
    }

    @Test
    void theKeyIsFolderAndNameOnlyNotWhereTheDataSitsNorTheExtensionNorTheCategory() {
        DatasetItem a = item("mtd", "contamination", "000.png");
        DatasetItem b = new DatasetItem("bottle", "contamination", "000", Path.of("/elsewhere/x/000.jpg"),
                Path.of("m.png"), "contamination/images/000.jpg");

        assertThat(DatasetSplit.key(a)).isEqualTo("contamination/000").isEqualTo(DatasetSplit.key(b));
        assertThat(DatasetSplit.of(a)).isEqualTo(DatasetSplit.VALIDATE).isEqualTo(DatasetSplit.of(b));
        assertThat(DatasetSplit.VALIDATE.contains(a)).isTrue();
        assertThat(DatasetSplit.TUNE.contains(a)).isFalse();
        assertThat(DatasetSplit.ALL.contains(a)).isTrue();
    }

    @Test
    void halvesPartitionTheSetAndDoNotDependOnTheOrder() {
        List<DatasetItem> items = new ArrayList<>();
        for (String subset : List.of("good", "broken_large", "crack")) {
            for (int i = 0; i < 40; i++) {
                items.add(item("c", subset, String.format("%03d.png", i)));
            }
        }
        List<DatasetItem> tune = DatasetSplit.TUNE.apply(items);
        List<DatasetItem> validate = DatasetSplit.VALIDATE.apply(items);

        assertThat(tune).isNotEmpty().doesNotContainAnyElementsOf(validate);
        assertThat(validate).isNotEmpty();
        List<DatasetItem> union = new ArrayList<>(tune);
        union.addAll(validate);
        assertThat(union).containsExactlyInAnyOrderElementsOf(items);
        assertThat(DatasetSplit.ALL.apply(items)).isEqualTo(items);

        List<DatasetItem> shuffled = new ArrayList<>(items);
        Collections.shuffle(shuffled, new Random(3));
        assertThat(DatasetSplit.TUNE.apply(shuffled)).containsExactlyInAnyOrderElementsOf(tune);
        assertThat(DatasetSplit.TUNE.apply(List.copyOf(tune))).isEqualTo(tune);
    }

    @Test
    void parsesTheThreeNamesAndRefusesOthers() {
        assertThat(DatasetSplit.parse(" Tune ")).isEqualTo(DatasetSplit.TUNE);
        assertThat(DatasetSplit.parse("validate")).isEqualTo(DatasetSplit.VALIDATE);
        assertThat(DatasetSplit.parse("ALL")).isEqualTo(DatasetSplit.ALL);
        assertThatThrownBy(() -> DatasetSplit.parse("test")).hasMessageContaining("all, tune or validate");
    }

    /** The per-type counts that docs/EXPERIMENTS.md gives for the development data (skipped without the data). */
    @Test
    void documentedCountsOfTheSharedData() {
        assertThat(countsByType(SharedData.require("mtd"))).isEqualTo(Map.of(
                "blowhole", "32/26", "break", "25/16", "crack", "17/19", "fray", "4/8", "free", "264/218",
                "uneven", "32/19"));
        assertThat(countsByType(SharedData.require("mvtec_bottle"))).isEqualTo(Map.of(
                "broken_large", "4/4", "broken_small", "4/7", "contamination", "8/2", "good", "5/6"));
    }

    private static Map<String, String> countsByType(Path dataset) {
        Map<String, int[]> counts = new TreeMap<>();
        for (DatasetItem item : new DatasetScanner().scan(dataset, null)) {
            counts.computeIfAbsent(item.subset(), k -> new int[2])[DatasetSplit.of(item) == DatasetSplit.TUNE ? 0 : 1]++;
        }
        Map<String, String> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v[0] + "/" + v[1]));
        return out;
    }
}
