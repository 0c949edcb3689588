package io.checkpointplus.spark.checkpoint;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.rdd.RDD;
import org.apache.spark.storage.StorageLevel;

/**
 * Persists marked RDDs so that their checkpoint reads what the job computed, and remembers which
 * RDDs the plugin itself persisted: only those are ever unpersisted by the plugin. A storage
 * level the application chose is never touched.
 */
public final class ReuseLedger {
  private final boolean enabled;
  private final StorageLevel level;
  private final boolean unpersistAfter;
  private final Set<Integer> persistedByPlugin = ConcurrentHashMap.newKeySet();

  public ReuseLedger(boolean enabled, StorageLevel level, boolean unpersistAfter) {
    this.enabled = enabled;
    this.level = level;
    this.unpersistAfter = unpersistAfter;
  }

  /** Persists {@code rdd} at the configured level if it has none; called at job submission. */
  public void persistForReuse(RDD<?> rdd) {
    if (!enabled) {
      return;
    }
    synchronized (rdd) {
      if (rdd.getStorageLevel().equals(StorageLevel.NONE())) {
        rdd.persist(level);
        persistedByPlugin.add(rdd.id());
      }
    }
  }

  /** Unpersists {@code rdd} if the plugin persisted it; called once its checkpoint is written. */
  public void release(RDD<?> rdd) {
    if (unpersistAfter && persistedByPlugin.remove(rdd.id())) {
      rdd.unpersist(false);
    }
  }
}
