package dev.saaflink.jobs.cli;

import dev.saaflink.jobs.ingest.DatasetItem;
import dev.saaflink.jobs.ingest.PublishOrder;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.List;

/**
 * {@code --order} and {@code --seed}, shared by the commands that publish a dataset folder ({@code ingest},
 * {@code eval --dataset}); add it with {@code @Mixin OrderOptions order;}. See {@link PublishOrder} for why the
 * default is a seeded shuffle.
 */
public final class OrderOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--order", paramLabel = "shuffled|sorted|burst", defaultValue = "shuffled",
            description = "Publishing order: 'shuffled' (default; a fixed permutation per --seed, like a line that "
                    + "interleaves defect types and good parts), 'sorted' (by folder, then name) or 'burst' (defects "
                    + "in seeded runs of 10 to 30, mostly of one type, between even stretches of defect-free frames, "
                    + "like a machine that starts failing). The stream-context saliency scores each frame against "
                    + "the frames before it, so the order matters.")
    String order;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "" + PublishOrder.DEFAULT_SEED,
            description = "Seed of the shuffled and burst orders (default ${DEFAULT-VALUE}).")
    long seed;

    /** The order asked for; a usage error for anything but shuffled, sorted or burst, or a negative seed. */
    public PublishOrder order() {
        if (seed < 0) {
            throw new ParameterException(mixee.commandLine(), "--seed must be >= 0, got " + seed);
        }
        try {
            return PublishOrder.parse(order);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), e.getMessage());
        }
    }

    public long seed() {
        return seed;
    }

    /** {@code items} in the order asked for. */
    public List<DatasetItem> apply(List<DatasetItem> items) {
        return order().apply(items, seed);
    }
}
