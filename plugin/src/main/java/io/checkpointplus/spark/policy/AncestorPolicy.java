package io.checkpointplus.spark.policy;

import io.checkpointplus.spark.config.ConfigEntry;

/** Which marked RDDs a job checkpoints once it has run ({@code spark.checkpointplus.ancestors.policy}). */
public enum AncestorPolicy implements ConfigEntry.Named {
  /** Spark's rule: the nearest marked RDDs, or all of them when the job asks for it. */
  NEAREST,
  /** Every marked RDD in the job's lineage, parents before children. */
  MARKED,
  /** {@link #MARKED}, plus cut points the plugin chooses when lineage grows too deep. */
  AUTO;

  @Override
  public String configName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
