package io.checkpointplus.spark.files;

import io.checkpointplus.spark.config.ConfigEntry;
import java.util.Locale;
import java.util.Set;

/** How a partition file becomes visible ({@code spark.checkpointplus.files.commit}). */
public enum CommitMode implements ConfigEntry.Named {
  /** Write a hidden attempt file, then rename it: atomic on local disk and HDFS. */
  RENAME,
  /**
   * Write the final name directly. For object stores, where an object appears only when its
   * stream closes and a rename is a copy: only the attempt Spark's output commit coordinator
   * authorises closes its stream; every other attempt aborts its upload, so nothing of it is
   * ever stored. On a file system where a file is visible while written (local disk, HDFS) a
   * second attempt would truncate a committed file: there {@code direct} writes an attempt file
   * and renames it, as {@link #RENAME}.
   */
  DIRECT,
  /** {@link #DIRECT} on object stores ({@code s3a}, {@code s3}, {@code gs}, {@code abfs(s)},
   * {@code wasb(s)}, {@code oss}), {@link #RENAME} elsewhere. */
  AUTO;

  private static final Set<String> OBJECT_STORES = Set.of("s3a", "s3", "s3n", "gs", "abfs",
      "abfss", "wasb", "wasbs", "oss");

  /** Whether {@code scheme} names an object store, where an object appears only when complete. */
  public static boolean isObjectStore(String scheme) {
    return scheme != null && OBJECT_STORES.contains(scheme.toLowerCase(Locale.ROOT));
  }

  /** The mode to use for a file system with URI scheme {@code scheme}. */
  public CommitMode resolve(String scheme) {
    if (this != AUTO) {
      return this;
    }
    return scheme != null && OBJECT_STORES.contains(scheme.toLowerCase(Locale.ROOT)) ? DIRECT
        : RENAME;
  }

  @Override
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
