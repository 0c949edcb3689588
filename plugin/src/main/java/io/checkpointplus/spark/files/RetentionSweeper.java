package io.checkpointplus.spark.files;

import io.checkpointplus.spark.audit.AuditEvent;
import io.checkpointplus.spark.audit.AuditLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the {@code <uuid>} directories that earlier runs left under a checkpoint root
 * (SPARK-33000: every {@code setCheckpointDir} creates one and nothing removes it). A directory
 * goes when it is not among the newest {@code keepLast} and nothing in it changed for
 * {@code olderThanMs}. Never touched: this application's own directory, a directory holding a
 * checkpoint this application reads (a streaming job restored from its checkpoint reads the
 * previous run's), and a directory changed recently (another application may be writing there).
 * Runs after a completed checkpoint, at most once per root every {@code olderThan} (between
 * one second and ten minutes): sweeping more often could not find anything newly idle.
 */
public final class RetentionSweeper {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionSweeper.class);
  private static final Pattern UUID = Pattern.compile(
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private final boolean enabled;
  private final int keepLast;
  private final long olderThanMs;
  private final boolean dryRun;
  private final AuditLog audit;
  private final Set<String> referenced = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> lastSweep = new ConcurrentHashMap<>();

  public RetentionSweeper(boolean enabled, int keepLast, long olderThanMs, boolean dryRun,
      AuditLog audit) {
    this.enabled = enabled;
    this.keepLast = keepLast;
    this.olderThanMs = olderThanMs;
    this.dryRun = dryRun;
    this.audit = audit;
  }

  /**
   * Notes that this application reads the checkpoint at {@code rddCheckpointDir}: its
   * {@code <uuid>} directory is protected for as long as that checkpoint exists (Spark
   * Streaming deletes a restored DStream's old checkpoints as new ones replace them).
   */
  public void referenced(String rddCheckpointDir) {
    referenced.add(new Path(rddCheckpointDir).toUri().getPath());
  }

  private boolean readByThisApplication(Path uuidDir, FileSystem fs) throws IOException {
    String prefix = uuidDir.toUri().getPath() + "/";
    for (String rddDir : referenced) {
      if (rddDir.startsWith(prefix) && fs.exists(new Path(uuidDir, rddDir.substring(
          prefix.length())))) {
        return true;
      }
    }
    return false;
  }

  /** Sweeps the root of {@code rddCheckpointDir} if due; never throws. */
  public void afterCheckpoint(String rddCheckpointDir, Configuration hadoopConf) {
    if (!enabled) {
      return;
    }
    try {
      Path current = new Path(rddCheckpointDir).getParent();
      Path root = current.getParent();
      long now = System.currentTimeMillis();
      Long last = lastSweep.get(root.toString());
      long interval = Math.max(1_000L, Math.min(olderThanMs, 10 * 60 * 1000L));
      if (last != null && now - last < interval) {
        return;
      }
      lastSweep.put(root.toString(), now);
      sweep(root, current, root.getFileSystem(hadoopConf), now);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Checkpoint retention sweep of {} failed: {}", rddCheckpointDir, e.toString());
    }
  }

  private void sweep(Path root, Path current, FileSystem fs, long now) throws IOException {
    List<FileStatus> candidates = new ArrayList<>();
    for (FileStatus s : fs.listStatus(root)) {
      String path = s.getPath().toUri().getPath();
      if (s.isDirectory() && UUID.matcher(s.getPath().getName()).matches()
          && !path.equals(current.toUri().getPath()) && !readByThisApplication(s.getPath(), fs)) {
        candidates.add(new FileStatus(0, true, 0, 0, lastChange(fs, s), s.getPath()));
      }
    }
    candidates.sort(Comparator.comparingLong(FileStatus::getModificationTime).reversed());
    for (int i = keepLast; i < candidates.size(); i++) {
      FileStatus old = candidates.get(i);
      long idleMs = now - old.getModificationTime();
      if (idleMs < olderThanMs) {
        continue;
      }
      boolean deleted = !dryRun && fs.delete(old.getPath(), true);
      audit.record(audit.event(AuditEvent.Type.CHECKPOINT_CLEANED)
          .with("dir", old.getPath().toString())
          .with("reason", "retention: a directory of an earlier run, beyond the newest "
              + keepLast + " and unchanged for " + idleMs / 1000 + " s")
          .with("dryRun", dryRun)
          .with("deleted", deleted)
          .build());
    }
  }

  /** The latest modification time of the directory or anything directly in it. */
  private static long lastChange(FileSystem fs, FileStatus dir) throws IOException {
    long latest = dir.getModificationTime();
    for (FileStatus child : fs.listStatus(dir.getPath())) {
      latest = Math.max(latest, child.getModificationTime());
    }
    return latest;
  }
}
