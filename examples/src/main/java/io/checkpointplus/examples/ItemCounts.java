package io.checkpointplus.examples;

import java.io.Serializable;
import java.util.Locale;

/**
 * Impressions and clicks of one item: the state behind its click-through rate. Immutable and
 * serializable, since Spark checkpoints it as part of the streaming state.
 */
final class ItemCounts implements Serializable {
    private static final long serialVersionUID = 1L;

    static final ItemCounts ZERO = new ItemCounts(0, 0);

    private final long impressions;
    private final long clicks;

    ItemCounts(long impressions, long clicks) {
        this.impressions = impressions;
        this.clicks = clicks;
    }

    /** The counts of a single event. */
    static ItemCounts of(Event event) {
        return new ItemCounts(1, event.clicked() ? 1 : 0);
    }

    ItemCounts plus(ItemCounts other) {
        return new ItemCounts(impressions + other.impressions, clicks + other.clicks);
    }

    long impressions() {
        return impressions;
    }

    long clicks() {
        return clicks;
    }

    /** Clicks per impression, 0 without impressions. */
    double clickThroughRate() {
        return impressions == 0 ? 0.0 : (double) clicks / impressions;
    }

    /** The output line {@code item<TAB>impressions<TAB>clicks<TAB>ctr}. */
    String toLine(int item) {
        return String.format(Locale.ROOT, "%d\t%d\t%d\t%.6f",
                item, impressions, clicks, clickThroughRate());
    }

    @Override
    public String toString() {
        return "ItemCounts[impressions=" + impressions + ", clicks=" + clicks + "]";
    }
}
