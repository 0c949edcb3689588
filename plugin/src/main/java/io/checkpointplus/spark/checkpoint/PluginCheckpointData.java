package io.checkpointplus.spark.checkpoint;

import org.apache.spark.rdd.CheckpointRDD;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.ReliableCheckpointRDD;
import org.apache.spark.rdd.ReliableRDDCheckpointData;
import org.apache.spark.rdd.ReliableRDDCheckpointData$;

/**
 * Takes the place of Spark's {@link ReliableRDDCheckpointData} on a marked RDD. Being a subclass,
 * everything that recognises Spark's class keeps working ({@code RDD.getCheckpointFile},
 * {@code DStreamCheckpointData}, the context cleaner); only the write goes through the plugin's
 * {@link CheckpointWriter}.
 */
public final class PluginCheckpointData<T> extends ReliableRDDCheckpointData<T> {
  private static final long serialVersionUID = 1L;

  // Driver-side only: checkpoint data travels with the RDD in task binaries.
  private final transient RDD<T> rdd;
  private final transient String dir;
  private final transient CheckpointWriter writer;

  public PluginCheckpointData(RDD<T> rdd, CheckpointWriter writer) {
    super(rdd, rdd.elementClassTag());
    this.rdd = rdd;
    // Same rule and same moment as Spark's own constructor, so the directory is the same.
    this.dir = ReliableRDDCheckpointData$.MODULE$.checkpointPath(rdd.context(), rdd.id()).get()
        .toString();
    this.writer = writer;
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
