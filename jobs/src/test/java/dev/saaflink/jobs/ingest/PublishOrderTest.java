package dev.saaflink.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.Test;

class PublishOrderTest {

    private static List<DatasetItem> items() {
        List<DatasetItem> items = new ArrayList<>();
        for (String subset : List.of("blowhole", "crack", "free")) {
            for (int i = 0; i < 10; i++) {
                String name = "img" + i;
                items.add(new DatasetItem("mtd", subset, name, Path.of(subset, name + ".jpg"), null,
                        subset + "/" + name + ".jpg"));
            }
        }
        return List.copyOf(items);
    }

    @Test
    void sortedKeepsTheScannedOrder() {
        List<DatasetItem> items = items();
        assertThat(PublishOrder.SORTED.apply(items, 99)).isEqualTo(items)
                .isSortedAccordingTo(Comparator.comparing(DatasetItem::frameId));
    }

    @Test
    void shuffledIsAPermutationFixedBySeed() {
        List<DatasetItem> items = items();
        List<DatasetItem> a = PublishOrder.SHUFFLED.apply(items, 7);

        assertThat(a).containsExactlyInAnyOrderElementsOf(items).isNotEqualTo(items);
        assertThat(PublishOrder.SHUFFLED.apply(items, 7)).isEqualTo(a);
        assertThat(PublishOrder.SHUFFLED.apply(items, 8)).containsExactlyInAnyOrderElementsOf(items).isNotEqualTo(a);
        // not sorted by defect type: the first ten are not all of one folder
        assertThat(a.subList(0, 10).stream().map(DatasetItem::subset).distinct().count()).isGreaterThan(1);
        assertThat(items).isEqualTo(items()); // the input is left alone
    }

    @Test
    void parsesTheThreeNamesOnly() {
        assertThat(PublishOrder.parse("Sorted")).isEqualTo(PublishOrder.SORTED);
        assertThat(PublishOrder.parse("shuffled")).isEqualTo(PublishOrder.SHUFFLED);
        assertThat(PublishOrder.parse(" BURST ")).isEqualTo(PublishOrder.BURST);
        assertThatThrownBy(() -> PublishOrder.parse("random")).hasMessageContaining("shuffled, sorted or burst");
    }

    /** 50 defect-free frames and 45 defects of three types (15 each), in scanned order. */
    private static List<DatasetItem> lineItems() {
        List<DatasetItem> items = new ArrayList<>();
        for (String subset : List.of("blowhole", "crack", "free", "uneven")) {
            int n = subset.equals("free") ? 50 : 15;
            for (int i = 0; i < n; i++) {
                String name = "img" + i;
                items.add(new DatasetItem("mtd", subset, name, Path.of(subset, name + ".jpg"), null,
                        subset + "/" + name + ".jpg"));
            }
        }
        return List.copyOf(items);
    }

    /** Lengths of the maximal runs of consecutive frames that are all defect-free or all defects, in order. */
    private static List<int[]> segments(List<DatasetItem> order) {
        List<int[]> out = new ArrayList<>(); // {1 = defect-free, length}
        for (DatasetItem item : order) {
            int kind = item.inNormalFolder() ? 1 : 0;
            if (!out.isEmpty() && out.get(out.size() - 1)[0] == kind) {
                out.get(out.size() - 1)[1]++;
            } else {
                out.add(new int[] {kind, 1});
            }
        }
        return out;
    }

    @Test
    void burstPutsDefectsInRunsOfTenToThirtyBetweenEvenStretchesOfGoodParts() {
        List<DatasetItem> items = lineItems();
        List<DatasetItem> a = PublishOrder.BURST.apply(items, 7);

        assertThat(a).containsExactlyInAnyOrderElementsOf(items);
        assertThat(PublishOrder.BURST.apply(items, 7)).isEqualTo(a);
        assertThat(PublishOrder.BURST.apply(items, 8)).isNotEqualTo(a);

        List<int[]> segments = segments(a);
        // good, defects, good, ..., defects, good: an odd number of segments, the first and the last defect-free
        assertThat(segments.size() % 2).isEqualTo(1);
        assertThat(segments.get(0)[0]).isEqualTo(1);
        assertThat(segments.get(segments.size() - 1)[0]).isEqualTo(1);
        List<Integer> runs = new ArrayList<>();
        List<Integer> stretches = new ArrayList<>();
        for (int[] s : segments) {
            (s[0] == 0 ? runs : stretches).add(s[1]);
        }
        assertThat(runs.stream().mapToInt(Integer::intValue).sum()).isEqualTo(45);
        // every run but the last is 10 to 30 long; the last is at most 30
        assertThat(runs.subList(0, runs.size() - 1)).allSatisfy(r -> assertThat(r).isBetween(10, 30));
        assertThat(runs.get(runs.size() - 1)).isBetween(1, 30);
        // 45 defects in runs of at least 10 (but the last): 2 to 5 runs; 50 good parts over runs + 1 stretches
        assertThat(runs.size()).isBetween(2, 5);
        assertThat(stretches).hasSize(runs.size() + 1);
        int shortest = 50 / stretches.size();
        assertThat(stretches).allSatisfy(s -> assertThat(s).isBetween(shortest, shortest + 1));
        assertThat(stretches.stream().mapToInt(Integer::intValue).sum()).isEqualTo(50);
    }

    @Test
    void burstGroupsTheDefectsByType() {
        List<DatasetItem> a = PublishOrder.BURST.apply(lineItems(), 7);
        List<String> defectTypes = a.stream().filter(i -> !i.inNormalFolder()).map(DatasetItem::subset).toList();
        // each type's 15 frames follow each other in the defect sequence: the type changes exactly twice
        int changes = 0;
        for (int i = 1; i < defectTypes.size(); i++) {
            if (!defectTypes.get(i).equals(defectTypes.get(i - 1))) {
                changes++;
            }
        }
        assertThat(changes).isEqualTo(2);
    }
}
