package io.checkpointplus.spark.checkpoint;

import org.apache.spark.rdd.CheckpointRDD;
import org.apache.spark.rdd.CheckpointState$;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.RDDCheckpointData$;
import org.apache.spark.rdd.ReliableCheckpointRDD;
import org.apache.spark.rdd.ReliableRDDCheckpointData;
import scala.Option;

/**
 * Takes the place of Spark's {@link ReliableRDDCheckpointData} on a marked RDD. Being a subclass,
 * everything that recognises Spark's class keeps working ({@code RDD.getCheckpointFile},
 * {@code DStreamCheckpointData}, the context cleaner); only the write goes through the plugin's
 * {@link CheckpointWriter}, to the directory Spark fixed when {@code checkpoint()} was called.
 */
public final class PluginCheckpointData<T> extends ReliableRDDCheckpointData<T> {
  private static final long serialVersionUID = 1L;

  // Driver-side only: checkpoint data travels with the RDD in task binaries.
  private final transient RDD<T> rdd;
  private final transient String dir;
  private final transient CheckpointWriter writer;

  private PluginCheckpointData(RDD<T> rdd, String dir, CheckpointWriter writer) {
    super(rdd, rdd.elementClassTag());
    this.rdd = rdd;
    this.dir = dir;
    this.writer = writer;
  }

  /**
   * The plugin's checkpoint data for {@code rdd}, to replace {@code spark}'s, writing where
   * Spark's would have written; empty if that directory cannot be known.
   */
  public static <T> Option<PluginCheckpointData<T>> replacing(RDD<T> rdd,
      ReliableRDDCheckpointData<T> spark, CheckpointWriter writer) {
    String dir = SparkInternals.checkpointDirectory(spark);
    return dir == null ? Option.empty()
        : Option.apply(new PluginCheckpointData<>(rdd, dir, writer));
  }

  @Override
  public Option<String> getCheckpointDir() {
    synchronized (RDDCheckpointData$.MODULE$) {
      return isCheckpointed() ? Option.apply(dir) : Option.empty();
    }
  }

  /**
   * After a failed write that does not fail the action (an ancestor the policy added), puts the
   * RDD back to "marked", so that a later job can still write it as Spark would.
   */
  public void resetAfterFailure() {
    synchronized (RDDCheckpointData$.MODULE$) {
      if (cpState() == CheckpointState$.MODULE$.CheckpointingInProgress()) {
        cpState_$eq(CheckpointState$.MODULE$.Initialized());
      }
    }
  }

  /** The RDD this checkpoint data belongs to. */
  public int rddId() {
    return rdd.id();
  }

  /** Whether the RDD is marked and nothing has started writing it. */
  public boolean isMarked() {
    synchronized (RDDCheckpointData$.MODULE$) {
      return cpState() == CheckpointState$.MODULE$.Initialized();
    }
  }

  /**
   * Takes the RDD for a write off the job's thread ({@link #writeClaimed}): flips it from
   * "marked" to "in progress", as Spark's {@code checkpoint()} does first, so that Spark's own
   * {@code rdd.doCheckpoint()} after the job finds it taken and returns. False if it is not
   * marked (checkpointed, or taken by another job).
   */
  public boolean claim() {
    synchronized (RDDCheckpointData$.MODULE$) {
      if (cpState() != CheckpointState$.MODULE$.Initialized()) {
        return false;
      }
      cpState_$eq(CheckpointState$.MODULE$.CheckpointingInProgress());
      return true;
    }
  }

  /**
   * Writes the files of a {@linkplain #claim claimed} RDD, off the job's thread. The RDD stays
   * "in progress", not checkpointed: it has no checkpoint file (so Spark Streaming's metadata
   * does not name it) and its jobs use its lineage, until {@link #publish}. On failure the
   * failure is rethrown, and the RDD is put back to "marked" if {@code markAgainOnFailure}, for
   * a later job to write; else it stays "in progress", never written again, as Spark leaves an
   * RDD whose checkpoint failed.
   */
  public CheckpointRDD<T> writeFiles(boolean markAgainOnFailure) {
    try {
      return doCheckpoint();
    } catch (Throwable t) {
      if (markAgainOnFailure) {
        resetAfterFailure();
      }
      throw t;
    }
  }

  /**
   * Makes complete files the RDD's checkpoint, as Spark's {@code checkpoint()} does after its
   * write, under the same lock: the checkpoint RDD is set, the state is "checkpointed", and the
   * lineage is truncated ({@code markCheckpointed}). Called on a job's thread between two jobs,
   * where Spark's own {@code checkpoint()} runs, never while a job on this RDD is being
   * scheduled (SPARK-23053, SPARK-46861).
   */
  public void publish(CheckpointRDD<?> checkpoint) {
    synchronized (RDDCheckpointData$.MODULE$) {
      try {
        SparkInternals.setCheckpointRdd(this, checkpoint);
      } catch (IllegalAccessException | RuntimeException e) {
        cpState_$eq(CheckpointState$.MODULE$.Initialized());
        throw new IllegalStateException("cannot finish the checkpoint of RDD " + rdd.id(), e);
      }
      cpState_$eq(CheckpointState$.MODULE$.Checkpointed());
      rdd.markCheckpointed();
    }
    try {
      writer.truncated(rdd, dir);
    } catch (RuntimeException e) {
      // The event is the audit's; the checkpoint is done.
    }
  }

  @Override
  public CheckpointRDD<T> doCheckpoint() {
    ReliableCheckpointRDD<T> checkpoint = writer.write(rdd, dir, rdd.elementClassTag());
    if (rdd.conf().getBoolean("spark.cleaner.referenceTracking.cleanCheckpoints", false)
        && rdd.context().cleaner().isDefined()) {
      rdd.context().cleaner().get().registerRDDCheckpointDataForCleanup(checkpoint, rdd.id());
    }
    return checkpoint;
  }
}
