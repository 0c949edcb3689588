package io.checkpointplus.spark.checkpoint;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.rdd.RDD;
import org.apache.spark.storage.StorageLevel;

/**
 * Persists the RDDs a job's plan will checkpoint, so the checkpoint reads what the job computed,
 * and takes that persist back once no running job needs it, on every outcome: after every action
 * each RDD has the storage level stock Spark would show.
 *
 * <p>The plugin persists with a {@link StorageLevel} instance of its own. Spark compares levels
 * by value, but {@code RDD.persist} replaces the instance even when the value is equal, so
 * identity tells the plugin's persist from an application's later {@code persist} of the same
 * level: the plugin never unpersists a level the application set. Jobs that share an RDD hold it
 * together; the last one out unpersists.
 */
public final class ReuseLedger {
  private final boolean enabled;
  private final StorageLevel level;
  private final boolean unpersistAfter;
  /** RDD id to the number of running jobs holding the plugin's persist of it. */
  private final Map<Integer, Integer> holders = new HashMap<>();

  public ReuseLedger(boolean enabled, StorageLevel level, boolean unpersistAfter) {
    this.enabled = enabled;
    // A fresh instance, equal to the configured level, that no application code can hold.
    this.level = new StorageLevel(level.useDisk(), level.useMemory(), level.useOffHeap(),
        level.deserialized(), level.replication());
    this.unpersistAfter = unpersistAfter;
  }

  /**
   * Persists {@code rdd} for a job about to run, unless the application gave it a level; true
   * when the job now holds the plugin's persist and must {@link #release} it.
   */
  public synchronized boolean acquire(RDD<?> rdd) {
    if (!enabled) {
      return false;
    }
    StorageLevel current = rdd.getStorageLevel();
    if (current == level) {
      holders.merge(rdd.id(), 1, Integer::sum);
      return true;
    }
    if (!current.equals(StorageLevel.NONE())) {
      return false; // the application's level (or Spark's, e.g. a local checkpoint)
    }
    rdd.persist(level);
    holders.merge(rdd.id(), 1, Integer::sum);
    return true;
  }

  /**
   * Gives back one job's hold on {@code rdd}; the last holder unpersists it, if the level in
   * place is still the plugin's. {@code checkpointed} says whether the RDD's checkpoint is now
   * written: if it is not, the persist goes whatever {@code reuse.unpersistAfter} says, since
   * nothing will read it.
   */
  public synchronized void release(RDD<?> rdd, boolean checkpointed) {
    Integer count = holders.get(rdd.id());
    if (count == null) {
      return;
    }
    if (count > 1) {
      holders.put(rdd.id(), count - 1);
      return;
    }
    holders.remove(rdd.id());
    if (rdd.getStorageLevel() == level && (unpersistAfter || !checkpointed)) {
      rdd.unpersist(false);
    }
  }

  /** Whether {@code rdd}'s storage level is the plugin's persist, not one the application set. */
  public boolean isPluginPersist(RDD<?> rdd) {
    return rdd.getStorageLevel() == level;
  }

  /** How many RDDs running jobs hold persisted now (for tests and bounded-memory checks). */
  synchronized int held() {
    return holders.size();
  }
}
