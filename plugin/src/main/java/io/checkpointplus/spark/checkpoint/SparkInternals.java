package io.checkpointplus.spark.checkpoint;

import java.lang.reflect.Field;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.ReliableRDDCheckpointData;

/**
 * The two private fields of Spark's checkpoint path the plugin reads, in one place: what Spark
 * fixed when {@code checkpoint()} was called, and whether an action already walked past an RDD.
 * A Spark build without them makes these answer "unknown", and the plugin then leaves the RDD
 * to Spark.
 */
public final class SparkInternals {
  private static final Field CP_DIR = field(ReliableRDDCheckpointData.class, "cpDir");
  private static final Field DO_CHECKPOINT_CALLED = field(RDD.class, "doCheckpointCalled");

  private SparkInternals() {
  }

  private static Field field(Class<?> owner, String name) {
    try {
      Field f = owner.getDeclaredField(name);
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  /**
   * Spark's {@code cpDir}: {@code checkpointPath(sc, id)} at the time {@code checkpoint()} was
   * called (a later {@code setCheckpointDir} does not move it); null if unknown.
   */
  static String checkpointDirectory(ReliableRDDCheckpointData<?> data) {
    try {
      return CP_DIR == null ? null : (String) CP_DIR.get(data);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Whether an earlier action's {@code doCheckpoint} already walked past {@code rdd}: Spark's own
   * checkpoint step never visits it again (SPARK-19215), so stock Spark will not checkpoint it
   * nor anything only reachable through it. False if unknown.
   */
  public static boolean doCheckpointCalled(RDD<?> rdd) {
    try {
      return DO_CHECKPOINT_CALLED != null && DO_CHECKPOINT_CALLED.getBoolean(rdd);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
