package io.checkpointplus.spark.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.status.ElementTrackingStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the events about Structured Streaming queries into {@link QueryRow}s and {@link
 * QueryBatchRow}s: the plugin's own ({@code streaming.*}: files committed, verified, purged,
 * damaged; restarts) joined with Spark's ({@link SparkQueryEvents}: runs, progress, state store
 * operators) by query id, run id and batch id. Runs on {@link CheckpointsListener}'s thread,
 * live and in the History Server alike, and uses nothing but the events: both answer the same.
 *
 * <p>Bounded: {@link QueryRetention#queries()} queries (the one whose last event is oldest goes,
 * with its batches), {@link QueryRetention#batchesPerQuery()} batch rows per query, and at most
 * {@link #MAX_RUNS} runs and {@link #MAX_PROBLEMS} problems per query row.
 */
final class StreamingQueryTracker {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingQueryTracker.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_RUNS = 100;
  static final int MAX_PROBLEMS = 100;
  /** Operators kept per batch row: a plan with more is rare, and the row must stay small. */
  static final int MAX_OPERATORS = 20;
  /** Characters of a failed run's exception kept (Spark's includes the whole stack trace). */
  static final int MAX_EXCEPTION = 4000;

  /** How many queries, and batches of each, the tab keeps. */
  record QueryRetention(int queries, int batchesPerQuery) {
    static final QueryRetention DEFAULT = new QueryRetention(100, 100);
  }

  private final ElementTrackingStore store;
  private final QueryRetention retention;
  /** The retained queries, in access order: the one whose last event is oldest first. */
  private final LinkedHashMap<String, QueryRow> queries = new LinkedHashMap<>(16, 0.75f, true);
  /** The keys of each retained query's batch rows, oldest first. */
  private final Map<String, ArrayDeque<String>> batchKeys = new HashMap<>();
  /** Which query a location belongs to, for events that name only the location. */
  private final Map<String, String> queryOfLocation = new HashMap<>();
  private long seen;

  StreamingQueryTracker(ElementTrackingStore store, QueryRetention retention) {
    this.store = store;
    this.retention = retention;
  }

  /** Whether this tracker reads events of this type (the plugin's or Spark's, as maps). */
  static boolean handles(String type) {
    return type.startsWith("streaming.") || type.startsWith("query.");
  }

  void onEvent(Map<String, Object> e) {
    switch (String.valueOf(e.get("type"))) {
      case "query.started" -> started(e);
      case "query.progress" -> progress(e);
      case "query.terminated" -> terminated(e);
      case "streaming.batch.committed" -> committed(e);
      case "streaming.query.resumed" -> resumed(e);
      case "streaming.file.purged" -> purged(e);
      case "streaming.file.damaged" -> problem(e, "damaged");
      case "streaming.file.unverified" -> problem(e, "unverified");
      case "streaming.unprotected" -> problem(e, "unprotected");
      default -> { }
    }
  }

  private void started(Map<String, Object> e) {
    QueryRow q = query(CheckpointsListener.string(e, "id"), null);
    if (q == null) {
      return;
    }
    q.name = CheckpointsListener.string(e, "name");
    q.status = QueryRow.ACTIVE;
    Map<String, Object> run = run(q, CheckpointsListener.string(e, "runId"));
    run.put("started", epochMs(e.get("timestamp")));
    run.values().removeIf(v -> v == null);
    write(q);
  }

  private void terminated(Map<String, Object> e) {
    QueryRow q = known(CheckpointsListener.string(e, "id"));
    if (q == null) {
      return;
    }
    String exception = CheckpointsListener.string(e, "exception");
    Map<String, Object> run = run(q, CheckpointsListener.string(e, "runId"));
    run.put("ended", true);
    if (exception != null) {
      run.put("exception", exception.length() <= MAX_EXCEPTION ? exception
          : exception.substring(0, MAX_EXCEPTION) + "... (" + (exception.length() - MAX_EXCEPTION)
              + " more characters in Spark's own Structured Streaming tab and log)");
    }
    if (CheckpointsListener.string(e, "runId") != null && CheckpointsListener.string(e, "runId").equals(q.latestRunId)) {
      q.status = exception == null ? QueryRow.STOPPED : QueryRow.FAILED;
    }
    write(q);
  }

  /** Spark's report of a batch; an idle query's report (no batch ran) is not one. */
  private void progress(Map<String, Object> e) {
    Map<String, Object> durations = map(e.get("durationMs"));
    Long batchId = CheckpointsListener.longOrNull(e.get("batchId"));
    if (batchId == null || durations == null || !durations.containsKey("addBatch")) {
      return;
    }
    QueryRow q = query(CheckpointsListener.string(e, "id"), null);
    if (q == null) {
      return;
    }
    if (CheckpointsListener.string(e, "name") != null) {
      q.name = CheckpointsListener.string(e, "name");
    }
    String runId = CheckpointsListener.string(e, "runId");
    QueryBatchRow b = batch(q, batchId, runId);
    Long started = epochMs(e.get("timestamp"));
    if (started != null) {
      b.time = started;
    }
    Long duration = CheckpointsListener.longOrNull(e.get("batchDuration"));
    b.durationMs = duration != null ? duration : CheckpointsListener.longOrNull(durations.get("triggerExecution"));
    b.inputRows = CheckpointsListener.longOrNull(e.get("numInputRows"));
    stateOperators(b, e.get("stateOperators"));
    q.stateRows = b.stateRows;
    q.stateMemoryBytes = b.stateMemoryBytes;
    noteBatch(q, run(q, runId), b);
    write(b);
    write(q);
  }

  /** What each stateful operator reported, and their sums. */
  private static void stateOperators(QueryBatchRow b, Object reported) {
    if (!(reported instanceof List<?> operators) || operators.isEmpty()) {
      return;
    }
    List<Map<String, Object>> kept = new ArrayList<>();
    long rows = 0;
    long memory = 0;
    Long files = null;
    Long bytes = null;
    for (Object o : operators) {
      Map<String, Object> op = map(o);
      if (op == null) {
        continue;
      }
      Map<String, Object> metrics = map(op.get("customMetrics"));
      Map<String, Object> k = new LinkedHashMap<>();
      k.put("name", op.get("operatorName"));
      k.put("partitions", CheckpointsListener.longOrNull(op.get("numShufflePartitions")));
      k.put("storeInstances", CheckpointsListener.longOrNull(op.get("numStateStoreInstances")));
      k.put("rowsTotal", CheckpointsListener.longOrNull(op.get("numRowsTotal")));
      k.put("rowsUpdated", CheckpointsListener.longOrNull(op.get("numRowsUpdated")));
      k.put("rowsRemoved", CheckpointsListener.longOrNull(op.get("numRowsRemoved")));
      k.put("memoryUsedBytes", CheckpointsListener.longOrNull(op.get("memoryUsedBytes")));
      k.put("commitTimeMs", CheckpointsListener.longOrNull(op.get("commitTimeMs")));
      if (metrics != null) {
        // RocksDB's: the files and bytes this batch copied into the checkpoint, and the size of
        // its SST files; the default provider's: the size of the state it holds.
        k.put("filesCopied", CheckpointsListener.longOrNull(metrics.get("rocksdbFilesCopied")));
        k.put("bytesCopied", CheckpointsListener.longOrNull(metrics.get("rocksdbBytesCopied")));
        k.put("sstBytes", CheckpointsListener.longOrNull(metrics.get("rocksdbSstFileSize")));
        k.put("stateSizeBytes", CheckpointsListener.longOrNull(metrics.get("stateOnCurrentVersionSizeBytes")));
      }
      k.values().removeIf(v -> v == null);
      rows += orZero(k.get("rowsTotal"));
      memory += orZero(k.get("memoryUsedBytes"));
      if (k.containsKey("filesCopied")) {
        files = (files == null ? 0 : files) + orZero(k.get("filesCopied"));
        bytes = (bytes == null ? 0 : bytes) + orZero(k.get("bytesCopied"));
      }
      if (kept.size() < MAX_OPERATORS) {
        kept.add(k);
      }
    }
    b.stateOperators = kept;
    b.stateRows = rows;
    b.stateMemoryBytes = memory;
    b.stateFilesWritten = files;
    b.stateBytesWritten = bytes;
  }

  private void committed(Map<String, Object> e) {
    Long batchId = CheckpointsListener.longOrNull(e.get("batchId"));
    QueryRow q = query(CheckpointsListener.string(e, "queryId"), CheckpointsListener.string(e, "location"));
    if (q == null || batchId == null) {
      return;
    }
    QueryBatchRow b = batch(q, batchId, runId(q, e));
    b.committed = true;
    if (b.time == null) {
      b.time = CheckpointsListener.longOrNull(e.get("time"));
    }
    b.checkpointFiles = CheckpointsListener.listOfMaps(e.get("files"));
    b.checkpointBytes = CheckpointsListener.longOrNull(e.get("bytes"));
    b.offsetsToCommitMs = CheckpointsListener.longOrNull(e.get("durationMs"));
    Long verified = CheckpointsListener.longOrNull(e.get("filesVerified"));
    b.filesVerified = verified == null ? null : verified.intValue();
    q.checkpointFiles += b.checkpointFiles == null ? 0 : b.checkpointFiles.size();
    q.checkpointBytes += orZero(b.checkpointBytes);
    q.filesVerified += orZero(verified);
    noteBatch(q, run(q, runId(q, e)), b);
    write(b);
    write(q);
  }

  private void resumed(Map<String, Object> e) {
    QueryRow q = query(CheckpointsListener.string(e, "queryId"), CheckpointsListener.string(e, "location"));
    Long at = CheckpointsListener.longOrNull(e.get("resumedAtBatch"));
    if (q == null || at == null) {
      return;
    }
    run(q, runId(q, e)).put("resumedAtBatch", at);
    QueryBatchRow b = batch(q, at, runId(q, e));
    b.resumed = true;
    write(b);
    write(q);
  }

  /** Spark's log purge deleted an offset or commit file (on a thread of its own since 3.4). */
  private void purged(Map<String, Object> e) {
    QueryRow q = query(CheckpointsListener.string(e, "queryId"), CheckpointsListener.string(e, "location"));
    if (q == null) {
      return;
    }
    q.purgedFiles++;
    q.latestPurged = CheckpointsListener.string(e, "file");
    write(q);
  }

  /**
   * The event's run, or the query's latest when it names none: Spark writes a commit off the
   * query's thread with asynchronous progress tracking, and purges logs on a thread of its own.
   */
  private static String runId(QueryRow q, Map<String, Object> e) {
    String runId = CheckpointsListener.string(e, "runId");
    return runId != null ? runId : q.latestRunId;
  }

  private void problem(Map<String, Object> e, String kind) {
    QueryRow q = query(CheckpointsListener.string(e, "queryId"), CheckpointsListener.string(e, "location"));
    if (q == null) {
      return;
    }
    switch (kind) {
      case "damaged" -> q.damagedFiles++;
      case "unverified" -> q.unverifiedFiles++;
      default -> q.unprotectedFiles++;
    }
    if (q.problems == null) {
      q.problems = new ArrayList<>();
    }
    if (q.problems.size() < MAX_PROBLEMS) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("time", CheckpointsListener.longOrNull(e.get("time")));
      p.put("type", kind);
      p.put("runId", runId(q, e));
      p.put("file", CheckpointsListener.string(e, "file"));
      String detail = CheckpointsListener.string(e, "difference") != null ? CheckpointsListener.string(e, "difference")
          : CheckpointsListener.string(e, "reason");
      p.put("detail", CheckpointsListener.string(e, "meaning") == null ? detail : detail + ": "
          + CheckpointsListener.string(e, "meaning"));
      p.values().removeIf(v -> v == null);
      q.problems.add(p);
    } else {
      q.problemsOmitted = q.problemsOmitted == null ? 1 : q.problemsOmitted + 1;
    }
    write(q);
  }

  /** Counts a batch row once, and notes it as its run's newest. */
  private static void noteBatch(QueryRow q, Map<String, Object> run, QueryBatchRow b) {
    if (q.lastBatchId == null || b.batchId >= q.lastBatchId) {
      q.lastBatchId = b.batchId;
      q.lastBatchTime = b.time;
    }
    run.putIfAbsent("firstBatch", b.batchId);
    Long last = CheckpointsListener.longOrNull(run.get("lastBatch"));
    if (last == null || b.batchId > last) {
      run.put("lastBatch", b.batchId);
    }
  }

  /**
   * The row of query {@code id}, created when first seen; a location whose query id is unknown
   * (its metadata file unreadable) gets an id of its own. {@code null} when neither is known.
   */
  private QueryRow query(String id, String location) {
    if (id == null && location != null) {
      id = queryOfLocation.getOrDefault(location,
          UUID.nameUUIDFromBytes(location.getBytes(StandardCharsets.UTF_8)).toString());
    }
    if (id == null) {
      return null;
    }
    QueryRow q = queries.get(id);
    if (q == null) {
      q = new QueryRow();
      q.id = id;
      q.seen = ++seen;
      q.status = QueryRow.ACTIVE;
      queries.put(id, q);
      batchKeys.put(id, new ArrayDeque<>());
      dropOldestQueries();
    }
    if (location != null && q.location == null) {
      q.location = location;
      queryOfLocation.put(location, id);
    }
    return q;
  }

  private QueryRow known(String id) {
    return id == null ? null : queries.get(id);
  }

  private void dropOldestQueries() {
    while (queries.size() > retention.queries()) {
      QueryRow gone = queries.remove(queries.keySet().iterator().next());
      if (gone.location != null) {
        queryOfLocation.remove(gone.location, gone.id);
      }
      for (String key : batchKeys.remove(gone.id)) {
        delete(QueryBatchRow.class, key);
      }
      delete(QueryRow.class, gone.id);
    }
  }

  /**
   * The run's entry in the query's row, added (as its latest run) when first seen; for a run
   * without an id (no run known yet), an entry that is not kept.
   */
  private static Map<String, Object> run(QueryRow q, String runId) {
    if (runId == null) {
      return new LinkedHashMap<>();
    }
    if (q.runs == null) {
      q.runs = new ArrayList<>();
    }
    for (Map<String, Object> run : q.runs) {
      if (runId.equals(run.get("runId"))) {
        return run;
      }
    }
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("runId", runId);
    q.latestRunId = runId;
    q.runs.add(run);
    if (q.runs.size() > MAX_RUNS) {
      q.runs.remove(0);
      q.runsOmitted = q.runsOmitted == null ? 1 : q.runsOmitted + 1;
    }
    return run;
  }

  /** The batch's row, read back from the store or new (then the oldest past the limit go). */
  private QueryBatchRow batch(QueryRow q, long batchId, String runId) {
    String key = QueryBatchRow.key(q.id, batchId, runId);
    try {
      // A copy: the in-memory store hands out the object a page may be rendering.
      return JSON.convertValue(store.read(QueryBatchRow.class, key), QueryBatchRow.class);
    } catch (java.util.NoSuchElementException none) {
      // a new batch
    } catch (Exception ex) {
      throw new IllegalStateException(ex);
    }
    QueryBatchRow b = new QueryBatchRow();
    b.key = key;
    b.queryId = q.id;
    b.runId = runId;
    b.batchId = batchId;
    q.batches++;
    ArrayDeque<String> keys = batchKeys.get(q.id);
    keys.addLast(key);
    while (keys.size() > retention.batchesPerQuery()) {
      delete(QueryBatchRow.class, keys.removeFirst());
    }
    q.retainedBatches = keys.size();
    return b;
  }

  /** Writes a copy: the in-memory store hands readers the object written. */
  private void write(Object row) {
    store.write(JSON.convertValue(row, row.getClass()), true);
  }

  private void delete(Class<?> kind, Object key) {
    try {
      store.delete(kind, key);
    } catch (java.util.NoSuchElementException alreadyGone) {
      // nothing to drop
    } catch (Exception ex) {
      LOG.warn("Checkpoints tab could not drop {} {}: {}", kind.getSimpleName(), key,
          ex.toString());
    }
  }

  /** Spark's ISO-8601 timestamps ("2026-12-07T19:20:21.123Z") as ms since the epoch. */
  private static Long epochMs(Object timestamp) {
    if (timestamp == null) {
      return null;
    }
    try {
      return Instant.parse(String.valueOf(timestamp)).toEpochMilli();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static long orZero(Object n) {
    return n instanceof Number num ? num.longValue() : 0;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object v) {
    return v instanceof Map ? (Map<String, Object>) v : null;
  }
}
