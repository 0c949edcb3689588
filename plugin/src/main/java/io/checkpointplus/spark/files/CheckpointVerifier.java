package io.checkpointplus.spark.files;

import io.checkpointplus.spark.audit.AuditEvent;
import io.checkpointplus.spark.audit.AuditLog;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.rdd.RDD;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies checkpoints before a job reads them: each {@code ReliableCheckpointRDD} met in a
 * job's lineage (the plugin's, stock Spark's, or one a DStream restored) is checked against its
 * manifest, on the driver, so a missing, truncated or corrupted file stops the job with a message
 * naming it instead of an obscure failure, or silently fewer records, in a task.
 *
 * <p>Only proof of damage stops a job. When the store cannot be asked (a listing refused, a
 * timeout), the checkpoint is neither passed nor failed: a WARN line and a
 * {@code checkpoint.unverified} audit event, and the job reads it as stock Spark would; the next
 * job tries again.
 *
 * <p>A checkpoint is remembered as verified only after it passed, so a job that arrives while
 * another is still verifying the same checkpoint verifies it too (reading twice costs less than
 * letting a job through unchecked). The memory is bounded ({@value #REMEMBERED} directories,
 * least recently used forgotten first): forgetting costs one more verification, never safety.
 */
public final class CheckpointVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointVerifier.class);

  /** How many verified checkpoint directories are remembered. */
  static final int REMEMBERED = 4096;

  private final VerifyMode mode;
  private final RetentionSweeper retention;
  private final AuditLog audit;
  private final Set<String> verified = Collections.synchronizedSet(
      Collections.newSetFromMap(new LinkedHashMap<String, Boolean>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REMEMBERED;
        }
      }));

  public CheckpointVerifier(VerifyMode mode, RetentionSweeper retention, AuditLog audit) {
    this.mode = mode;
    this.retention = retention;
    this.audit = audit;
  }

  /**
   * Verifies the checkpoint {@code checkpointRdd} reads, unless it already passed, and tells
   * retention that its directory is in use.
   *
   * @throws CheckpointVerificationException on proof of damage
   */
  public void verifyOnce(RDD<?> checkpointRdd) {
    if (checkpointRdd.getCheckpointFile().isEmpty()) {
      return;
    }
    verifyOnce(checkpointRdd.getCheckpointFile().get(),
        checkpointRdd.context().hadoopConfiguration());
  }

  /** As {@link #verifyOnce(RDD)}, for the checkpoint directory {@code dir}. */
  void verifyOnce(String dir, Configuration hadoopConf) {
    retention.referenced(dir);
    if (mode == VerifyMode.NONE || verified.contains(dir)) {
      return;
    }
    try {
      new CheckpointFileManager(new Path(dir), hadoopConf, CommitMode.RENAME).verify(mode);
      if (verified.add(dir)) {
        audit.record(audit.event(AuditEvent.Type.CHECKPOINT_VERIFIED)
            .with("dir", dir)
            .with("verify", mode.configName())
            .build());
      }
    } catch (IOException e) {
      LOG.warn("Checkpoint {} could not be verified against its manifest ({}); the job reads it"
          + " unverified, as stock Spark would", dir, e.toString());
      audit.record(audit.event(AuditEvent.Type.CHECKPOINT_UNVERIFIED)
          .with("dir", dir)
          .with("verify", mode.configName())
          .with("cause", e.toString())
          .build());
    }
  }

  /** Checkpoint directories remembered as verified; for tests of the bound. */
  int verifiedCount() {
    return verified.size();
  }
}
