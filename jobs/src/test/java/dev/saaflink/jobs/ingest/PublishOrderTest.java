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
    void parsesTheTwoNamesOnly() {
        assertThat(PublishOrder.parse("Sorted")).isEqualTo(PublishOrder.SORTED);
        assertThat(PublishOrder.parse("shuffled")).isEqualTo(PublishOrder.SHUFFLED);
        assertThatThrownBy(() -> PublishOrder.parse("random")).hasMessageContaining("shuffled or sorted");
    }
}
