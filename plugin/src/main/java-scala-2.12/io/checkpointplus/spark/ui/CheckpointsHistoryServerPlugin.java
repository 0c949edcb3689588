package io.checkpointplus.spark.ui;

import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.status.AppHistoryServerPlugin;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.ui.SparkUI;

/**
 * The Checkpoints tab in the History Server (Scala 2.12: {@code createListeners} returns a
 * {@code scala.collection.Seq}). Registered in {@code META-INF/services}; everything it does is
 * in {@link CheckpointsUi}.
 */
public final class CheckpointsHistoryServerPlugin implements AppHistoryServerPlugin {
  @Override
  public scala.collection.Seq<SparkListener> createListeners(SparkConf conf,
      ElementTrackingStore store) {
    SparkListener listener = CheckpointsUi.historyListener(conf, store);
    return scala.collection.JavaConverters.asScalaBuffer(java.util.List.of(listener)).toList();
  }

  @Override
  public void setupUI(SparkUI ui) {
    CheckpointsUi.setupHistoryUi(ui);
  }
}
