package io.checkpointplus.spark.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.SparkConf;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.util.kvstore.InMemoryStore;
import org.junit.jupiter.api.Test;

/**
 * The bounds and joins of the Structured Streaming rows, fed the events as maps (the shapes
 * {@code streaming.*} audit events and {@link SparkQueryEvents} give): what is kept, what is
 * counted, and what is not taken for a batch.
 */
class StreamingQueryTrackerTest {
  private final InMemoryStore memory = new InMemoryStore();
  private final ElementTrackingStore store = new ElementTrackingStore(memory,
      new SparkConf(false).set("spark.appStateStore.asyncTracking.enable", "false"));
  private final CheckpointsQueries queries = new CheckpointsQueries(memory);

  private static final String RUN = "11111111-2222-3333-4444-555555555555";

  private static Map<String, Object> committed(String query, long batch, String run) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("type", "streaming.batch.committed");
    e.put("time", 1_700_000_000_000L + batch);
    e.put("queryId", query);
    if (run != null) {
      e.put("runId", run);
    }
    e.put("location", "file:/tmp/" + query);
    e.put("batchId", batch);
    e.put("files", List.of(Map.of("file", "offsets/" + batch, "bytes", 100),
        Map.of("file", "commits/" + batch, "bytes", 30)));
    e.put("bytes", 130);
    return e;
  }

  private static Map<String, Object> progress(String query, long batch, boolean ran) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("type", "query.progress");
    e.put("id", query);
    e.put("runId", RUN);
    e.put("batchId", batch);
    e.put("timestamp", "2026-12-07T19:00:00.000Z");
    e.put("numInputRows", 7);
    e.put("durationMs", ran ? Map.of("addBatch", 5, "triggerExecution", 9)
        : Map.of("latestOffset", 1, "triggerExecution", 1));
    e.put("stateOperators", List.of(Map.of("operatorName", "stateStoreSave",
        "numRowsTotal", 40, "memoryUsedBytes", 1000, "numShufflePartitions", 2,
        "customMetrics", Map.of("rocksdbFilesCopied", 3, "rocksdbBytesCopied", 4096))));
    return e;
  }

  @Test
  void keepsTheNewestBatchesOfTheMostRecentlyActiveQueriesAndCountsThemAll() {
    StreamingQueryTracker tracker = new StreamingQueryTracker(store,
        new StreamingQueryTracker.QueryRetention(2, 3));
    String[] ids = {UUID.randomUUID().toString(), UUID.randomUUID().toString(),
        UUID.randomUUID().toString()};
    for (String id : ids) {
      for (long batch = 0; batch < 5; batch++) {
        tracker.onEvent(committed(id, batch, RUN));
      }
    }
    // The first query's last event is the oldest: it went, with its batches.
    assertEquals(2, queries.queries(1, 100).total);
    assertTrue(queries.query(ids[0]).isEmpty());
    for (String id : List.of(ids[1], ids[2])) {
      QueryRow q = queries.query(id).orElseThrow();
      assertEquals(5, q.batches);
      assertEquals(3, q.retainedBatches);
      assertEquals(10, q.checkpointFiles);
      assertEquals(5 * 130, q.checkpointBytes);
      List<Long> kept = new ArrayList<>();
      queries.queryBatches(id, 1, 100).rows.forEach(b -> kept.add(b.batchId));
      assertEquals(List.of(4L, 3L, 2L), kept);
    }
    assertEquals(6, countBatches());
  }

  private long countBatches() {
    try {
      return memory.count(QueryBatchRow.class);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void joinsSparksReportWithTheCommitAndSkipsAnIdleReport() {
    StreamingQueryTracker tracker = new StreamingQueryTracker(store,
        StreamingQueryTracker.QueryRetention.DEFAULT);
    String id = UUID.randomUUID().toString();
    tracker.onEvent(progress(id, 0, true));
    tracker.onEvent(committed(id, 0, RUN));
    tracker.onEvent(progress(id, 1, false)); // no batch ran: Spark's idle report
    QueryBatchRow b = queries.queryBatches(id, 1, 10).rows.get(0);
    assertEquals(1, queries.queryBatches(id, 1, 10).total);
    assertEquals(0, b.batchId);
    assertTrue(b.committed);
    assertEquals(130L, b.checkpointBytes);
    assertEquals(9L, b.durationMs);
    assertEquals(40L, b.stateRows);
    assertEquals(3L, b.stateFilesWritten);
    assertEquals(4096L, b.stateBytesWritten);
    assertEquals(1, queries.query(id).orElseThrow().batches);
  }

  @Test
  void aBatchRunAgainAfterARestartHasARowPerRun() {
    StreamingQueryTracker tracker = new StreamingQueryTracker(store,
        StreamingQueryTracker.QueryRetention.DEFAULT);
    String id = UUID.randomUUID().toString();
    String second = UUID.randomUUID().toString();
    tracker.onEvent(committed(id, 0, RUN));
    tracker.onEvent(Map.of("type", "streaming.query.resumed", "queryId", id, "runId", second,
        "location", "file:/tmp/" + id, "resumedAtBatch", 0));
    tracker.onEvent(committed(id, 0, second));
    List<QueryBatchRow> rows = queries.queryBatches(id, 1, 10).rows;
    assertEquals(2, rows.size());
    assertEquals(List.of(0L, 0L), List.of(rows.get(0).batchId, rows.get(1).batchId));
    QueryRow q = queries.query(id).orElseThrow();
    assertEquals(2, q.runs.size());
    assertEquals(0L, ((Number) q.runs.get(1).get("resumedAtBatch")).longValue());
    assertEquals(second, q.latestRunId);
  }

  /**
   * With asynchronous progress tracking Spark writes commits off the query's thread, and its
   * log purge runs on a thread of its own: such events name no run, and belong to the latest.
   */
  @Test
  void eventsWithoutARunBelongToTheQuerysLatestRun() {
    StreamingQueryTracker tracker = new StreamingQueryTracker(store,
        StreamingQueryTracker.QueryRetention.DEFAULT);
    String id = UUID.randomUUID().toString();
    tracker.onEvent(Map.of("type", "query.started", "id", id, "runId", RUN, "name", "q",
        "timestamp", "2026-12-07T19:00:00.000Z"));
    for (long batch = 0; batch < 3; batch++) {
      tracker.onEvent(committed(id, batch, null));
      tracker.onEvent(progress(id, batch, true));
      tracker.onEvent(Map.of("type", "streaming.file.purged", "location", "file:/tmp/" + id,
          "file", "offsets/" + batch));
    }
    QueryRow q = queries.query(id).orElseThrow();
    assertEquals(1, q.runs.size(), q.runs.toString());
    assertEquals(2L, ((Number) q.runs.get(0).get("lastBatch")).longValue());
    assertEquals(3, q.batches, "one row a batch");
    assertEquals(3, q.purgedFiles);
    assertEquals("offsets/2", q.latestPurged);
    for (QueryBatchRow b : queries.queryBatches(id, 1, 10).rows) {
      assertEquals(RUN, b.runId);
      assertTrue(b.committed && b.durationMs != null, "joined: " + b.key);
    }
  }

  @Test
  void problemsAreCappedAndCountedAndMalformedValuesAreNotTakenForNumbers() {
    StreamingQueryTracker tracker = new StreamingQueryTracker(store,
        StreamingQueryTracker.QueryRetention.DEFAULT);
    String id = UUID.randomUUID().toString();
    for (int i = 0; i < StreamingQueryTracker.MAX_PROBLEMS + 5; i++) {
      tracker.onEvent(Map.of("type", "streaming.file.damaged", "queryId", id,
          "location", "file:/tmp/q", "file", "file:/tmp/q/offsets/" + i, "difference", "x"));
    }
    QueryRow q = queries.query(id).orElseThrow();
    assertEquals(StreamingQueryTracker.MAX_PROBLEMS + 5, q.damagedFiles);
    assertEquals(StreamingQueryTracker.MAX_PROBLEMS, q.problems.size());
    assertEquals(5, q.problemsOmitted);

    Map<String, Object> bad = committed(id, 0, RUN);
    bad.put("batchId", "-1");
    tracker.onEvent(bad);
    bad.put("batchId", 1.5);
    tracker.onEvent(bad);
    assertEquals(0, queries.queryBatches(id, 1, 10).total);
    Map<String, Object> odd = committed(id, 2, RUN);
    odd.put("bytes", -5);
    tracker.onEvent(odd);
    assertNull(queries.queryBatches(id, 1, 10).rows.get(0).checkpointBytes);
  }

  /**
   * The History Server keeps its store on disk (RocksDB): the rows serialize, the batch range
   * reads through the natural key, and retention deletes, as in the live in-memory store.
   */
  @Test
  void aDiskStoreAnswersAsTheInMemoryStore(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    org.apache.spark.util.kvstore.RocksDB disk =
        new org.apache.spark.util.kvstore.RocksDB(dir.resolve("store").toFile());
    try {
      ElementTrackingStore diskTracking = new ElementTrackingStore(disk,
          new SparkConf(false).set("spark.appStateStore.asyncTracking.enable", "false"));
      String[] ids = {UUID.randomUUID().toString(), UUID.randomUUID().toString()};
      for (ElementTrackingStore s : List.of(store, diskTracking)) {
        StreamingQueryTracker tracker = new StreamingQueryTracker(s,
            new StreamingQueryTracker.QueryRetention(10, 4));
        for (String id : ids) {
          tracker.onEvent(Map.of("type", "query.started", "id", id, "runId", RUN, "name",
              "<q>", "timestamp", "2026-12-07T19:00:00.000Z"));
          for (long batch = 0; batch < 6; batch++) {
            tracker.onEvent(committed(id, batch, RUN));
            tracker.onEvent(progress(id, batch, true));
          }
          tracker.onEvent(Map.of("type", "query.terminated", "id", id, "runId", RUN,
              "exception", "boom"));
        }
      }
      CheckpointsQueries onDisk = new CheckpointsQueries(disk);
      com.fasterxml.jackson.databind.ObjectMapper json =
          new com.fasterxml.jackson.databind.ObjectMapper();
      assertEquals(json.writeValueAsString(queries.queries(1, 100)),
          json.writeValueAsString(onDisk.queries(1, 100)));
      for (String id : ids) {
        assertEquals(json.writeValueAsString(queries.query(id).orElseThrow()),
            json.writeValueAsString(onDisk.query(id).orElseThrow()));
        for (int page = 1; page <= 3; page++) {
          assertEquals(json.writeValueAsString(queries.queryBatches(id, page, 2)),
              json.writeValueAsString(onDisk.queryBatches(id, page, 2)), id + " page " + page);
        }
        List<Long> kept = new ArrayList<>();
        onDisk.queryBatches(id, 1, 100).rows.forEach(b -> kept.add(b.batchId));
        assertEquals(List.of(5L, 4L, 3L, 2L), kept);
      }
      assertEquals(QueryRow.FAILED, onDisk.query(ids[0]).orElseThrow().status);
    } finally {
      disk.close();
    }
  }

  @Test
  void aLocationWithoutAQueryIdStillHasARow() {
    StreamingQueryTracker tracker = new StreamingQueryTracker(store,
        StreamingQueryTracker.QueryRetention.DEFAULT);
    Map<String, Object> e = committed(null, 0, RUN);
    e.remove("queryId");
    tracker.onEvent(e);
    assertEquals(1, queries.queries(1, 10).total);
    QueryRow q = queries.queries(1, 10).rows.get(0);
    assertEquals("file:/tmp/null", q.location);
    assertEquals(1, queries.queryBatches(q.id, 1, 10).total);
  }
}
