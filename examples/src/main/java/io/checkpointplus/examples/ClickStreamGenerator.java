package io.checkpointplus.examples;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates the events of one batch as a pure function of the batch index.
 *
 * <p>Because nothing depends on the wall clock or on earlier batches, every run over the same
 * batch indices sees exactly the same input, including a run recovered from a checkpoint that
 * regenerates the batches lost in a crash. That is what makes the streaming output comparable
 * across runs.
 *
 * <p>Items with low ids are more popular, and each item has its own click probability (2% to
 * 30%), so click-through rates differ between items.
 */
final class ClickStreamGenerator implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int eventsPerBatch;
    private final int users;
    private final int items;
    private final int categories;

    ClickStreamGenerator(int eventsPerBatch, int users, int items, int categories) {
        this.eventsPerBatch = eventsPerBatch;
        this.users = users;
        this.items = items;
        this.categories = categories;
    }

    /** The events of batch {@code batchIndex} (0 for the first batch). */
    List<Event> eventsOf(long batchIndex) {
        Random random = new Random(seedOf(batchIndex));
        List<Event> events = new ArrayList<>(eventsPerBatch);
        for (int n = 0; n < eventsPerBatch; n++) {
            int user = random.nextInt(users);
            // The smaller of two uniform draws: item popularity falls off with the item id.
            int item = Math.min(random.nextInt(items), random.nextInt(items));
            boolean clicked = random.nextInt(1000) < clicksPerMille(item);
            events.add(new Event(user, item, item % categories, clicked));
        }
        return events;
    }

    /** A well-mixed seed per batch, so neighbouring batches are unrelated. */
    private static long seedOf(long batchIndex) {
        return (batchIndex + 1) * 0x9E3779B97F4A7C15L ^ 0x2545F4914F6CDD1DL;
    }

    /** The item's click probability in clicks per thousand impressions, 20 to 300. */
    static int clicksPerMille(int item) {
        return 20 + (int) ((item * 2654435761L) % 281);
    }
}
