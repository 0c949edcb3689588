package io.checkpointplus.spark.ui;

import org.apache.spark.ui.SparkUI;
import org.apache.spark.ui.SparkUITab;

/**
 * The "Checkpoints" entry of Spark's navigation bar. It has no {@code WebUIPage}s (their
 * signatures differ between Spark lines): its pages are served by one servlet at
 * {@code /checkpoints}, see {@link CheckpointsUi}.
 */
public final class CheckpointsTab extends SparkUITab {
  public static final String PREFIX = "checkpoints";

  public CheckpointsTab(SparkUI parent) {
    super(parent, PREFIX);
  }
}
