package io.checkpointplus.spark.ui;

import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.ui.SparkUI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The History Server plugin's body, with {@code createListeners} under Scala 2.12's signature
 * ({@code scala.collection.Seq}). {@link CheckpointsHistoryServerPlugin} overrides it with Scala
 * 2.13's ({@code scala.collection.immutable.Seq}), so javac gives the class file both: the jar
 * built for either Scala works in a History Server of the other, instead of an
 * {@code AbstractMethodError} that {@code FsHistoryProvider} does not catch. Both fail open.
 */
abstract class ScalaNeutralHistoryServerPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(ScalaNeutralHistoryServerPlugin.class);

  /** Scala 2.12's signature; the subclass narrows it to Scala 2.13's. */
  public scala.collection.Seq<SparkListener> createListeners(SparkConf conf,
      ElementTrackingStore store) {
    return listeners(conf, store);
  }

  /**
   * The listener as a Scala list (the same class in both Scala versions); an empty list if it
   * cannot be made, so that the application's other tabs still load.
   */
  @SuppressWarnings("unchecked")
  static scala.collection.immutable.List<SparkListener> listeners(SparkConf conf,
      ElementTrackingStore store) {
    scala.collection.immutable.List<SparkListener> none =
        (scala.collection.immutable.List<SparkListener>) (Object)
            scala.collection.immutable.Nil$.MODULE$;
    try {
      return none.$colon$colon(CheckpointsUi.historyListener(conf, store));
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable t) {
      LOG.warn("spark-checkpoint-plus: no Checkpoints listener for this application: {}",
          t.toString());
      return none;
    }
  }

  public void setupUI(SparkUI ui) {
    CheckpointsUi.setupHistoryUi(ui); // fails open itself
  }
}
