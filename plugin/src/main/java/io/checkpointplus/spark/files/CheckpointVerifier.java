package io.checkpointplus.spark.files;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.rdd.RDD;

/**
 * Verifies checkpoints before a job reads them: each {@code ReliableCheckpointRDD} met in a
 * job's lineage (the plugin's, stock Spark's, or one a DStream restored) is checked against its
 * manifest once per application, on the driver, so a missing, truncated or corrupted file stops
 * the job with a message naming it instead of an obscure deserialization failure in a task.
 */
public final class CheckpointVerifier {
  private final VerifyMode mode;
  private final RetentionSweeper retention;
  private final Set<Integer> verified = ConcurrentHashMap.newKeySet();

  public CheckpointVerifier(VerifyMode mode, RetentionSweeper retention) {
    this.mode = mode;
    this.retention = retention;
  }

  /**
   * Verifies the checkpoint {@code checkpointRdd} reads, unless already done, and tells
   * retention that its directory is in use.
   */
  public void verifyOnce(RDD<?> checkpointRdd) {
    if (checkpointRdd.getCheckpointFile().isEmpty() || !verified.add(checkpointRdd.id())) {
      return;
    }
    retention.referenced(checkpointRdd.getCheckpointFile().get());
    if (mode == VerifyMode.NONE) {
      return;
    }
    try {
      new CheckpointFileManager(new Path(checkpointRdd.getCheckpointFile().get()),
          checkpointRdd.context().hadoopConfiguration(), CommitMode.RENAME).verify(mode);
    } catch (CheckpointVerificationException e) {
      verified.remove(checkpointRdd.id());
      throw e;
    } catch (IOException e) {
      // e.g. a local file system's own checksum catching the damage first
      verified.remove(checkpointRdd.id());
      throw new CheckpointVerificationException("Checkpoint "
          + checkpointRdd.getCheckpointFile().get() + " could not be verified: " + e);
    }
  }
}
