package io.checkpointplus.spark.ui;

import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.status.AppHistoryServerPlugin;
import org.apache.spark.status.ElementTrackingStore;

/**
 * The Checkpoints tab in the History Server, registered in {@code META-INF/services}. One class
 * for both Scala versions: this override has Scala 2.13's return type, javac's bridge method
 * Scala 2.12's (see {@link ScalaNeutralHistoryServerPlugin}).
 */
public final class CheckpointsHistoryServerPlugin extends ScalaNeutralHistoryServerPlugin
    implements AppHistoryServerPlugin {
  @Override
  public scala.collection.immutable.Seq<SparkListener> createListeners(SparkConf conf,
      ElementTrackingStore store) {
    return listeners(conf, store);
  }
}
