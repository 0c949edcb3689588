package io.checkpointplus.examples;

import java.io.Serializable;
import java.util.Objects;

/**
 * One impression of an item shown to a user, and whether the user clicked it.
 *
 * <p>Every event counts as an impression; {@link #clicked()} marks the ones that were also
 * clicked. A plain class rather than a record so that any Spark serializer (Java or Kryo)
 * handles it.
 */
public final class Event implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int userId;
    private final int itemId;
    private final int category;
    private final boolean clicked;

    public Event(int userId, int itemId, int category, boolean clicked) {
        this.userId = userId;
        this.itemId = itemId;
        this.category = category;
        this.clicked = clicked;
    }

    public int userId() {
        return userId;
    }

    public int itemId() {
        return itemId;
    }

    /** The item's category, {@code itemId % categories}. */
    public int category() {
        return category;
    }

    public boolean clicked() {
        return clicked;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Event e
                && e.userId == userId && e.itemId == itemId
                && e.category == category && e.clicked == clicked;
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, itemId, category, clicked);
    }

    @Override
    public String toString() {
        return "Event[user=" + userId + ", item=" + itemId + ", category=" + category
                + ", clicked=" + clicked + "]";
    }
}
