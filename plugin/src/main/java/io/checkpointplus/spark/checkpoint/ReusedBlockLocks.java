package io.checkpointplus.spark.checkpoint;

import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back, when a task ends, the block locks it still holds on the plugin's reuse persist.
 * A task reading a persisted partition holds the block's read lock until it reads the records
 * to the end; an action that stops early ({@code take}) leaves it held. Spark then releases it
 * after the task and logs it, or fails the task under {@code spark.storage.exceptionOnPinLeak}:
 * a failure stock Spark, which persisted nothing, does not have. The job's local property
 * {@link #PROPERTY} names the RDDs the plugin persisted for it; a completion listener each of
 * its tasks registers at start releases the locks on their blocks, and only those: a lock on
 * the application's own cache is Spark's to judge.
 */
public final class ReusedBlockLocks {
  /** The job property listing the ids of the RDDs the plugin persisted for the job. */
  public static final String PROPERTY = "spark.checkpointplus.reusedRddIds";

  private static final Logger LOG = LoggerFactory.getLogger(ReusedBlockLocks.class);

  private ReusedBlockLocks() {
  }

  /**
   * Names {@code reused} in the job properties {@code properties}, which the job's tasks carry;
   * returns the value it replaced, for {@link #restore}.
   */
  public static String name(Properties properties, Iterable<RDD<?>> reused) {
    String previous = properties.getProperty(PROPERTY);
    Set<String> ids = new HashSet<>();
    reused.forEach(rdd -> ids.add(String.valueOf(rdd.id())));
    if (!ids.isEmpty()) {
      properties.setProperty(PROPERTY, String.join(",", ids));
    }
    return previous;
  }

  /** Puts back the value {@link #name} replaced, once the job is over. */
  public static void restore(Properties properties, String previous) {
    if (previous == null) {
      properties.remove(PROPERTY);
    } else {
      properties.setProperty(PROPERTY, previous);
    }
  }

  /**
   * On an executor, as a task starts: if its job reads RDDs the plugin persisted, registers the
   * release of the locks the task still holds on their blocks when it completes. Spark runs
   * completion listeners inside the task, before it checks for locks left behind.
   */
  public static void onTaskStart() {
    try {
      TaskContext task = TaskContext.get();
      String property = task == null ? null : task.getLocalProperty(PROPERTY);
      if (property == null || property.isEmpty()) {
        return;
      }
      Set<Integer> rddIds = java.util.Arrays.stream(property.split(","))
          .map(Integer::valueOf).collect(Collectors.toSet());
      task.addTaskCompletionListener((TaskCompletionListener) completed ->
          SparkInternals.releaseReadLocks(SparkEnv.get(), completed, rddIds));
    } catch (RuntimeException | LinkageError e) {
      // Spark releases what a task still holds when it ends.
      LOG.debug("Cannot watch the reused block locks of this task", e);
    }
  }
}
