package io.checkpointplus.spark.ui;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import org.apache.spark.util.kvstore.KVIndex;

/**
 * The one status-store row that counts everything: every checkpoint the application started,
 * whatever {@code spark.checkpointplus.ui.retainedCheckpoints} dropped since, the latest
 * completed and failed, the hook's status and the effective (redacted) settings. Public fields
 * for Jackson (disk-backed stores).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class CheckpointsSummary {
  /** The natural key: there is one such row per application. */
  public static final String KEY = "checkpoints";

  @KVIndex
  public String key = KEY;
  public long started;
  public long completed;
  public long failed;
  /** {@code checkpoint.cleaned} events: files or directories the plugin or Spark removed. */
  public long cleaned;
  /**
   * Restored checkpoints verified against their manifest when read ({@code checkpoint.verified},
   * an event this plugin version does not record yet: 0 until it does).
   */
  public long verifiedOnRead;
  /** Restored checkpoints that failed verification against their manifest when read. */
  public long unverifiedOnRead;
  /** Spark Streaming's metadata checkpoints ({@code checkpoint-<time>} files). */
  public long metadataCheckpoints;
  public long ancestorDecisions;
  public long bytes;
  public long records;
  public long partitions;
  public long partitionsFromCache;
  public long partitionsRecomputed;
  public long partitionsByteCopied;
  public CheckpointRow latestCompleted;
  public CheckpointRow latestFailed;
  /** The last restored checkpoint that failed verification: its directory and cause. */
  public Map<String, Object> latestUnverified;
  public String hookStatus;
  public String hookReason;
  public String sparkVersion;
  public String verifiedRange;
  /** The effective {@code spark.checkpointplus.*} settings, redacted, from {@code hook.status}. */
  public Map<String, Object> configuration;
  public Statistic durationMs = new Statistic();
  public Statistic bytesWritten = new Statistic();
  public Statistic bytesPerSecond = new Statistic();

  public CheckpointsSummary() {
  }

  /** A copy the listener can go on changing while readers hold this one (statistics are immutable). */
  CheckpointsSummary copy() {
    CheckpointsSummary c = new CheckpointsSummary();
    c.started = started;
    c.completed = completed;
    c.failed = failed;
    c.cleaned = cleaned;
    c.verifiedOnRead = verifiedOnRead;
    c.unverifiedOnRead = unverifiedOnRead;
    c.metadataCheckpoints = metadataCheckpoints;
    c.ancestorDecisions = ancestorDecisions;
    c.bytes = bytes;
    c.records = records;
    c.partitions = partitions;
    c.partitionsFromCache = partitionsFromCache;
    c.partitionsRecomputed = partitionsRecomputed;
    c.partitionsByteCopied = partitionsByteCopied;
    c.latestCompleted = latestCompleted;
    c.latestFailed = latestFailed;
    c.latestUnverified = latestUnverified;
    c.hookStatus = hookStatus;
    c.hookReason = hookReason;
    c.sparkVersion = sparkVersion;
    c.verifiedRange = verifiedRange;
    c.configuration = configuration;
    c.durationMs = durationMs;
    c.bytesWritten = bytesWritten;
    c.bytesPerSecond = bytesPerSecond;
    return c;
  }

  /** Checkpoints started and neither completed nor failed yet. */
  public long inProgress() {
    return Math.max(0, started - completed - failed);
  }
}
