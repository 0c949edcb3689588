package io.checkpointplus.spark.structured;

import io.checkpointplus.spark.audit.AuditEvent;
import io.checkpointplus.spark.audit.AuditLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit events for query locations, on the driver (where Spark writes offsets and commits): one
 * {@code streaming.batch.committed} per micro-batch, a {@code streaming.query.resumed} when a
 * run's first batch is not batch 0, and {@code streaming.file.damaged} /
 * {@code streaming.unprotected}. Spark creates its file managers itself, so they reach the
 * application's {@link AuditLog} through this one static hub, installed by the driver plugin;
 * on executors nothing is installed and only the log lines remain. Recording only queues an
 * event: nothing here waits on a sink.
 */
public final class QueryLocationAudit {
  private static final Logger LOG = LoggerFactory.getLogger(QueryLocationAudit.class);
  /** Locations remembered at once; the oldest is forgotten first. */
  private static final int LOCATIONS = 1000;
  private static final Pattern RUN_ID = Pattern.compile("runId = ([0-9a-fA-F-]{36})");
  private static final Pattern THREAD_QUERY_ID =
      Pattern.compile("\\[id = ([0-9a-fA-F-]{36}), runId = ");
  private static final Pattern QUERY_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

  private static volatile AuditLog audit;

  /** What the driver knows of one location in this application. */
  private static final class LocationState {
    String queryId;
    /** The run whose batches are being recorded: a new run id starts a new run. */
    String runId;
    long firstBatch = -1;
    long offsetsBatch = -1;
    Map<String, Object> offsetsFile;
    long offsetsWrittenNanos;
    int verified;
  }

  /**
   * Locations this JVM has warned about, per kind of warning: one WARN per location, on the
   * driver and in every executor alike (bounded; a forgotten location may warn again).
   */
  private static final java.util.Set<String> WARNED = java.util.Collections.newSetFromMap(
      new LinkedHashMap<String, Boolean>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > LOCATIONS;
        }
      });

  private static boolean firstWarning(String kind, QueryFile file, Path path) {
    String key = kind + " " + (file.location() == null ? path.getParent() : file.location());
    synchronized (WARNED) {
      return WARNED.add(key);
    }
  }

  private static final Map<Path, LocationState> LOCATIONS_SEEN =
      new LinkedHashMap<Path, LocationState>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, LocationState> eldest) {
          return size() > LOCATIONS;
        }
      };

  private QueryLocationAudit() {}

  /** Called by the driver plugin once its audit log is open. */
  public static void install(AuditLog log) {
    audit = log;
  }

  /** Called when the driver plugin stops. */
  public static void uninstall(AuditLog log) {
    if (audit == log) {
      audit = null;
      synchronized (LOCATIONS_SEEN) {
        LOCATIONS_SEEN.clear();
      }
    }
  }

  private static LocationState state(Path location) {
    synchronized (LOCATIONS_SEEN) {
      return LOCATIONS_SEEN.computeIfAbsent(location, l -> new LocationState());
    }
  }

  static void committed(QueryFile file, Path path, IntegrityRecord record, long nanos,
      SparkFileManagerCalls spark) {
    AuditLog log = audit;
    if (log == null || !file.kind().isBatchLog()) {
      return;
    }
    LocationState s = state(file.location());
    synchronized (s) {
      String run = runId();
      if (run != null && !run.equals(s.runId)) {
        // The query stopped and started again in this application: a new run.
        s.runId = run;
        s.firstBatch = -1;
        s.offsetsFile = null;
        s.offsetsBatch = -1;
      }
      if (s.firstBatch < 0) {
        s.firstBatch = file.batchId();
        if (file.batchId() > 0) {
          log.record(log.event(AuditEvent.Type.STREAMING_QUERY_RESUMED)
              .with("queryId", queryId(s, file.location(), spark))
              .with("runId", runId())
              .with("location", file.location().toString())
              .with("resumedAtBatch", file.batchId())
              .build());
        }
      }
      Map<String, Object> written = fileFields(path, record);
      if (file.kind() == QueryFile.Kind.OFFSETS) {
        s.offsetsBatch = file.batchId();
        s.offsetsFile = written;
        s.offsetsWrittenNanos = System.nanoTime() - nanos;
        return;
      }
      List<Map<String, Object>> files = new ArrayList<>();
      long bytes = record.bytes();
      Long durationMs = null;
      if (s.offsetsBatch == file.batchId() && s.offsetsFile != null) {
        files.add(s.offsetsFile);
        bytes += (Long) s.offsetsFile.get("bytes");
        durationMs = (System.nanoTime() - s.offsetsWrittenNanos) / 1_000_000;
      }
      files.add(written);
      log.record(log.event(AuditEvent.Type.STREAMING_BATCH_COMMITTED)
          .with("queryId", queryId(s, file.location(), spark))
          .with("runId", runId())
          .with("location", file.location().toString())
          .with("batchId", file.batchId())
          .with("files", files)
          .with("bytes", bytes)
          .with("durationMs", durationMs)
          .with("filesVerified", s.verified)
          .build());
      s.verified = 0;
      s.offsetsFile = null;
    }
  }

  private static Map<String, Object> fileFields(Path path, IntegrityRecord record) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("file", path.getParent().getName() + "/" + path.getName());
    f.put("bytes", record.bytes());
    f.put("crc32c", Long.toHexString(record.crc32c()));
    return f;
  }

  /** The query's id, from the location's {@code metadata} file, read once per location. */
  private static String queryId(LocationState s, Path location, SparkFileManagerCalls spark) {
    if (s.queryId == null) {
      try (InputStream in = spark.open(new Path(location, "metadata"))) {
        Matcher m = QUERY_ID.matcher(new String(QueryFileStore.readUpTo(in, 4096),
            StandardCharsets.UTF_8));
        s.queryId = m.find() ? m.group(1) : "";
      } catch (IOException | RuntimeException e) {
        s.queryId = "";
      }
    }
    return s.queryId.isEmpty() ? null : s.queryId;
  }

  /** Spark names the thread that runs a query's batches with its id and run id. */
  static String runId() {
    Matcher m = RUN_ID.matcher(Thread.currentThread().getName());
    return m.find() ? m.group(1) : null;
  }

  /**
   * The query whose thread this is, or {@code null}: what ties a damaged file found while a
   * query starts (before any batch of it committed) to that query in the Checkpoints tab.
   */
  static String threadQueryId() {
    Matcher m = THREAD_QUERY_ID.matcher(Thread.currentThread().getName());
    return m.find() ? m.group(1) : null;
  }

  static void verified(QueryFile file, Path path) {
    if (audit == null || file.location() == null) {
      return;
    }
    LocationState s;
    synchronized (LOCATIONS_SEEN) {
      // Only locations whose batches this driver writes: a sink directory a batch job reads
      // must not push a running query's state out.
      s = LOCATIONS_SEEN.get(file.location());
    }
    if (s != null) {
      synchronized (s) {
        s.verified++;
      }
    }
  }

  /**
   * Spark deleted an offset or commit file of a location whose batches this driver writes: its
   * log purge ({@code minBatchesToRetain}), which since Spark 3.4 runs on a thread of its own,
   * so the event says only which location and file.
   */
  static void purged(QueryFile file, Path path) {
    AuditLog log = audit;
    if (log == null || file.location() == null || !file.kind().isBatchLog()) {
      return;
    }
    LocationState s;
    synchronized (LOCATIONS_SEEN) {
      s = LOCATIONS_SEEN.get(file.location());
    }
    if (s == null) {
      return;
    }
    String queryId;
    synchronized (s) {
      queryId = s.queryId == null || s.queryId.isEmpty() ? null : s.queryId;
    }
    log.record(log.event(AuditEvent.Type.STREAMING_FILE_PURGED)
        .with("queryId", queryId)
        .with("location", file.location().toString())
        .with("file", path.getParent().getName() + "/" + path.getName())
        .with("batchId", file.batchId())
        .build());
  }

  static QueryFileIntegrityException damaged(QueryFile file, Path path, String difference) {
    String message = "spark-checkpoint-plus: " + path + " differs from what was committed: "
        + difference + ". The query's checkpoint is damaged; it was not used. Restore the file"
        + " as committed, or roll the location back to an intact batch; to accept the file as"
        + " it is now, delete its integrity record " + IntegrityRecord.pathFor(path).getName()
        + ".";
    LOG.error(message);
    AuditLog log = audit;
    if (log != null) {
      log.record(log.event(AuditEvent.Type.STREAMING_FILE_DAMAGED)
          .with("queryId", threadQueryId())
          .with("runId", runId())
          .with("location", file.location() == null ? null : file.location().toString())
          .with("file", path.toString())
          .with("kind", file.kind().name().toLowerCase(java.util.Locale.ROOT))
          .with("difference", difference)
          .build());
    }
    return new QueryFileIntegrityException(message);
  }

  /**
   * A file a RocksDB snapshot needs ({@link RocksDbRestartCheck}), which has no record of its
   * own: the snapshot's metadata named it.
   */
  static QueryFileIntegrityException snapshotFileDamaged(QueryFile snapshot, Path path,
      String difference, String meaning) {
    String message = "spark-checkpoint-plus: " + path + " " + difference + ": " + meaning
        + ". The query's checkpoint is damaged; it was not used. Restore the file as committed,"
        + " or roll the location back to an intact batch.";
    LOG.error(message);
    AuditLog log = audit;
    if (log != null) {
      log.record(log.event(AuditEvent.Type.STREAMING_FILE_DAMAGED)
          .with("queryId", threadQueryId())
          .with("runId", runId())
          .with("location", snapshot.location() == null ? null
              : snapshot.location().toString())
          .with("file", path.toString())
          .with("kind", "state")
          .with("difference", difference)
          .with("meaning", meaning)
          .build());
    }
    return new QueryFileIntegrityException(message);
  }

  static void unprotected(QueryFile file, Path path, Throwable cause) {
    if (!firstWarning("unprotected", file, path)) {
      LOG.debug("No integrity record for {}", path, cause);
      return;
    }
    LOG.warn("spark-checkpoint-plus could not record the integrity of {} (the file is as Spark"
        + " wrote it, unprotected; further such files of this location are logged at DEBUG):"
        + " {}", path, cause.toString());
    AuditLog log = audit;
    if (log != null) {
      log.record(log.event(AuditEvent.Type.STREAMING_UNPROTECTED)
          .with("queryId", threadQueryId())
          .with("runId", runId())
          .with("location", file.location() == null ? null : file.location().toString())
          .with("file", path.toString())
          .with("reason", cause.toString())
          .build());
    }
  }

  /** A file read as stock Spark reads it, because its record does not describe it. */
  static void unverified(QueryFile file, Path path, String reason) {
    if (firstWarning("unverified", file, path)) {
      LOG.warn("spark-checkpoint-plus read {} unchecked: {} (further such files of this location"
          + " are logged at DEBUG)", path, reason);
    } else {
      LOG.debug("Read {} unchecked: {}", path, reason);
    }
    AuditLog log = audit;
    if (log != null) {
      log.record(log.event(AuditEvent.Type.STREAMING_FILE_UNVERIFIED)
          .with("queryId", threadQueryId())
          .with("runId", runId())
          .with("location", file.location() == null ? null : file.location().toString())
          .with("file", path.toString())
          .with("reason", reason)
          .build());
    }
  }
}
