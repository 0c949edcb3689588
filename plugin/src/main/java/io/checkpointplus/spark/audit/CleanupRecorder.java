package io.checkpointplus.spark.audit;

import org.apache.spark.CleanerListener;

/**
 * Records the checkpoints Spark's context cleaner deletes once their RDD is garbage collected
 * ({@code spark.cleaner.referenceTracking.cleanCheckpoints=true}) as {@code checkpoint.cleaned}.
 */
public final class CleanupRecorder implements CleanerListener {
  private final AuditLog audit;

  public CleanupRecorder(AuditLog audit) {
    this.audit = audit;
  }

  @Override
  public void checkpointCleaned(long rddId) {
    audit.record(audit.event(AuditEvent.Type.CHECKPOINT_CLEANED)
        .with("rddId", rddId)
        .with("reason", "context-cleaner: the RDD was garbage collected")
        .build());
  }

  @Override
  public void rddCleaned(int rddId) {
  }

  @Override
  public void shuffleCleaned(int shuffleId) {
  }

  @Override
  public void broadcastCleaned(long broadcastId) {
  }

  @Override
  public void accumCleaned(long accId) {
  }
}
