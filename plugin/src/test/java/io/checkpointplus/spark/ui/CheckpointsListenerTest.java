package io.checkpointplus.spark.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.checkpointplus.spark.audit.CheckpointPlusListenerEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.util.JsonProtocol;
import org.apache.spark.util.kvstore.InMemoryStore;
import org.apache.spark.util.kvstore.KVStore;
import org.apache.spark.util.kvstore.RocksDB;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener and Spark's status store: audit events in, rows and counters out; retention
 * drops the oldest rows while the counters and statistics count everything; the rows survive
 * Spark's disk-backed store (RocksDB, as in the History Server); application values are
 * escaped on the pages.
 */
class CheckpointsListenerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  /** Trigger actions run on the writing thread, as in the History Server's replay. */
  private static ElementTrackingStore tracking(KVStore store) {
    return new ElementTrackingStore(store,
        new SparkConf(false).set("spark.appStateStore.asyncTracking.enable", "false"));
  }

  private static Map<String, Object> event(String type, long time, Object... fields) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("schemaVersion", 1);
    e.put("type", type);
    e.put("time", time);
    e.put("appId", "app-test");
    for (int i = 0; i < fields.length; i += 2) {
      e.put((String) fields[i], fields[i + 1]);
    }
    return e;
  }

  /**
   * {@code n} checkpoints, each of its own plan (plan id = its number) with one ancestor
   * decision: failures every 5th.
   */
  static List<Map<String, Object>> events(int n) {
    List<Map<String, Object>> out = new ArrayList<>();
    out.add(event("hook.status", 1000, "status", "installed", "sparkVersion", "3.5.9",
        "verifiedRange", "3.4-4.2", "configuration",
        Map.of("spark.checkpointplus.enabled", "true", "spark.checkpointplus.audit.path",
            "*********(redacted)")));
    for (int i = 1; i <= n; i++) {
      long t = 10_000L * i;
      int rdd = 100 + i;
      String dir = "file:/cp/uuid/rdd-" + rdd;
      out.add(event("checkpoint.ancestor", t - 1, "rddId", rdd, "dir", dir, "decision",
          "checkpoint", "rule", "marked-ancestor", "policy", "marked", "dryRun", false,
          "callSite", "map at App.java:" + i, "planId", (long) i));
      out.add(event("checkpoint.started", t, "rddId", rdd, "dir", dir, "planId", (long) i,
          "name", i == 1 ? "<script>alert(1)</script>" : "rdd" + i,
          "callSite", "map at App.java:" + i, "batchTime", 1_700_000_000_000L + i * 1000L,
          "outputOpId", 0, "lineageDepthBefore", 3));
      if (i % 5 == 0) {
        out.add(event("checkpoint.failed", t + 50, "rddId", rdd, "dir", dir, "planId", (long) i,
            "name", "rdd" + i,
            "durationMs", 50, "cause", "java.io.IOException: disk <full>",
            "leftOnDisk", List.of("part-00000")));
      } else {
        List<Map<String, Object>> files = new ArrayList<>();
        files.add(Map.of("partition", 0, "file", "part-00000", "bytes", 100L * i,
            "crc32c", "0a0b0c0d", "source", "cache", "writePath", "byte-copy",
            "taskAttemptId", 7));
        files.add(Map.of("partition", 1, "file", "part-00001", "bytes", 100L * i,
            "records", 5, "crc32c", "01020304", "source", "computed",
            "writePath", "serialized", "taskAttemptId", 8));
        out.add(event("checkpoint.completed", t + 10L * i, "rddId", rdd, "dir", dir,
            "planId", (long) i,
            "name", "rdd" + i, "partitions", 2, "bytes", 200L * i, "records", 10L,
            "durationMs", 10L * i, "partitionsFromCache", 1, "partitionsRecomputed", 1,
            "partitionsByteCopied", 1, "lineageDepthBefore", 3, "partitionFiles", files));
      }
    }
    out.add(event("checkpoint.unverified", 99_999_998, "dir", "file:/cp/old/rdd-3",
        "verify", "size", "cause", "java.io.IOException: part-00001 has 3 bytes, expected 4"));
    out.add(event("checkpoint.cleaned", 99_999_999, "rddId", 100 + n, "reason",
        "context-cleaner: the RDD was garbage collected"));
    return out;
  }

  private static CheckpointsQueries replay(ElementTrackingStore store, int retained, int n) {
    CheckpointsListener listener = new CheckpointsListener(store, retained);
    events(n).forEach(e -> listener.onOtherEvent(new CheckpointPlusListenerEvent(e)));
    return new CheckpointsQueries(store);
  }

  @Test
  void eventsBecomeRowsAndCounters() {
    CheckpointsQueries q = replay(tracking(new InMemoryStore()), 1000, 10);
    CheckpointsSummary s = q.summary().orElseThrow();
    assertEquals(10, s.started);
    assertEquals(8, s.completed);
    assertEquals(2, s.failed);
    assertEquals(0, s.inProgress());
    assertEquals(1, s.cleaned);
    assertEquals(1, s.unverifiedOnRead);
    assertEquals("file:/cp/old/rdd-3", s.latestUnverified.get("dir"));
    assertEquals(10, s.ancestorDecisions);
    assertEquals("installed", s.hookStatus);
    assertEquals(200L * (1 + 2 + 3 + 4 + 6 + 7 + 8 + 9), s.bytes);
    assertEquals(16, s.partitions);
    assertEquals(8, s.partitionsFromCache);
    assertEquals(8, s.partitionsByteCopied);
    assertEquals(9, s.latestCompleted.id);
    assertEquals("java.io.IOException: disk <full>", s.latestFailed.cause);
    assertEquals(10, s.latestFailed.id);

    List<CheckpointRow> rows = q.all();
    assertEquals(10, rows.size());
    assertEquals(1, rows.get(0).id);
    assertNull(rows.get(0).partitionFiles, "the list pages' rows carry no partition files");
    CheckpointRow first = q.checkpoint(1).orElseThrow();
    assertEquals(1, first.id);
    assertEquals(101, first.rddId);
    assertEquals(CheckpointRow.COMPLETED, first.status);
    assertEquals(10L, first.durationMs);
    assertEquals(2, first.partitionFiles.size());
    assertEquals("byte-copy", first.partitionFiles.get(0).get("writePath"));
    assertEquals(1, first.ancestorDecisions.size());
    assertEquals(1, first.lineageDepthAfter);
    CheckpointRow failed = q.checkpoint(5).orElseThrow();
    assertEquals(CheckpointRow.FAILED, failed.status);
    assertEquals(List.of("part-00000"), failed.leftOnDisk);
    assertNull(failed.partitionFiles);
    assertEquals(1, q.checkpoint(10).orElseThrow().cleaned.size(), "clean-up of RDD 110");

    Map<String, Object> duration = s.durationMs.summary();
    assertEquals(8L, duration.get("count"));
    assertEquals(10.0, duration.get("min"));
    assertEquals(90.0, duration.get("max"));
    assertEquals(50.0, (double) duration.get("avg"), 1e-9);
    assertEquals(40.0, (double) duration.get("p50"), 40.0 * 0.02);
    assertEquals(90.0, (double) duration.get("p99"), 1e-9);
    assertEquals(Map.of("spark.checkpointplus.audit.path", "*********(redacted)",
        "spark.checkpointplus.enabled", "true"), q.configuration());
  }

  @Test
  void historyIsSortedAndPaged() {
    CheckpointsQueries q = replay(tracking(new InMemoryStore()), 1000, 10);
    CheckpointsQueries.HistoryPage page = q.history("bytes", true, 1, 3);
    assertEquals(10, page.total);
    assertEquals(4, page.pages());
    assertEquals(List.of(9L, 8L, 7L), page.rows.stream().map(r -> r.id).toList());
    CheckpointsQueries.HistoryPage last = q.history("id", false, 4, 3);
    assertEquals(List.of(10L), last.rows.stream().map(r -> r.id).toList());
  }

  @Test
  void retentionKeepsTheNewestRowsAndCountsEverything() {
    CheckpointsQueries q = replay(tracking(new InMemoryStore()), 5, 40);
    List<CheckpointRow> rows = q.all();
    assertEquals(5, rows.size());
    assertEquals(List.of(36L, 37L, 38L, 39L, 40L), rows.stream().map(r -> r.id).toList());
    CheckpointsSummary s = q.summary().orElseThrow();
    assertEquals(40, s.started);
    assertEquals(32, s.completed);
    assertEquals(32, s.durationMs.count);
    assertEquals(10.0, s.durationMs.min, "the first checkpoint's duration is still counted");
  }

  @Test
  void historyServerTakesTheRetentionFromItsOwnConfiguration() {
    ElementTrackingStore store = tracking(new InMemoryStore());
    CheckpointsListener listener = CheckpointsUi.historyListener(new SparkConf(false)
        .set("spark.checkpointplus.ui.retainedCheckpoints", "3"), store);
    events(10).forEach(e -> listener.onOtherEvent(new CheckpointPlusListenerEvent(e)));
    assertEquals(3, new CheckpointsQueries(store).all().size());
    assertEquals(1000, CheckpointsUi.setting(new SparkConf(false)
        .set("spark.checkpointplus.ui.retainedCheckpoints", "many"),
        io.checkpointplus.spark.config.CheckpointPlusConfig.UI_RETAINED_CHECKPOINTS),
        "invalid: the default");
  }

  @Test
  void rocksDbRoundTripAnswersAsTheInMemoryStore() throws Exception {
    CheckpointsQueries memory = replay(tracking(new InMemoryStore()), 1000, 10);
    RocksDB disk = new RocksDB(tmp.resolve("store").toFile());
    try {
      CheckpointsQueries rocks = replay(tracking(disk), 1000, 10);
      assertEquals(json(memory.overview()), json(rocks.overview()));
      assertEquals(json(memory.history("id", false, 1, 100)),
          json(rocks.history("id", false, 1, 100)));
      assertEquals(json(memory.checkpoint(1).orElseThrow()),
          json(rocks.checkpoint(1).orElseThrow()));
      assertEquals(json(memory.configuration()), json(rocks.configuration()));
    } finally {
      disk.close();
    }
  }

  /**
   * The History Server reads the events back through Spark's {@code JsonProtocol}, whose mapper
   * turns nested objects into Scala collections: the answers must be the live ones.
   */
  @Test
  void eventsReplayedFromTheEventLogAnswerAsLive() {
    CheckpointsQueries live = replay(tracking(new InMemoryStore()), 1000, 10);
    ElementTrackingStore store = tracking(new InMemoryStore());
    CheckpointsListener listener = new CheckpointsListener(store, 1000);
    events(10).forEach(e -> listener.onOtherEvent(JsonProtocol.sparkEventFromJson(
        JsonProtocol.sparkEventToJsonString(new CheckpointPlusListenerEvent(e)))));
    CheckpointsQueries replayed = new CheckpointsQueries(store);
    assertEquals(json(live.configuration()), json(replayed.configuration()));
    assertEquals(json(live.overview()), json(replayed.overview()));
    for (long id = 1; id <= 10; id++) {
      assertEquals(json(live.checkpoint(id).orElseThrow()),
          json(replayed.checkpoint(id).orElseThrow()), "checkpoint " + id);
    }
  }

  /**
   * A state checkpoint written in the background: its row says so, how long its batch waited
   * for the previous write, and when its lineage was truncated, in Spark's disk-backed store
   * as in memory, on the details page as in the API.
   */
  @Test
  void aBackgroundCheckpointShowsItsBatchsWaitAndWhenItsLineageWasTruncated() throws Exception {
    List<Map<String, Object>> events = List.of(
        event("checkpoint.started", 5_000, "rddId", 7, "dir", "file:/cp/rdd-7",
            "batchTime", 4_000L, "background", true),
        event("checkpoint.completed", 5_400, "rddId", 7, "dir", "file:/cp/rdd-7",
            "batchTime", 4_000L, "durationMs", 400L, "partitions", 2, "bytes", 10L,
            "background", true, "batchWaitedMs", 120L),
        event("checkpoint.started", 6_000, "rddId", 9, "dir", "file:/cp/rdd-9"),
        event("checkpoint.completed", 6_100, "rddId", 9, "dir", "file:/cp/rdd-9",
            "durationMs", 100L, "partitions", 2, "bytes", 10L, "background", false,
            "batchWaitedMs", 0L),
        event("checkpoint.truncated", 6_800, "rddId", 7, "afterBatchMs", 1_500L));
    RocksDB disk = new RocksDB(tmp.resolve("background-store").toFile());
    try {
      for (KVStore kv : List.<KVStore>of(new InMemoryStore(), disk)) {
        ElementTrackingStore store = tracking(kv);
        CheckpointsListener listener = new CheckpointsListener(store, 1000);
        events.forEach(e -> listener.onOtherEvent(new CheckpointPlusListenerEvent(e)));
        CheckpointsQueries q = new CheckpointsQueries(store);
        CheckpointRow background = q.checkpoint(1).orElseThrow();
        assertEquals(Boolean.TRUE, background.background);
        assertEquals(120L, background.batchWaitedMs);
        assertEquals(6_800L, background.truncatedAt);
        assertEquals(1_500L, background.truncatedAfterBatchMs);
        String page = CheckpointsPages.details(background);
        assertTrue(page.contains("in the background, after its batch (which waited 120 ms"),
            page);
        assertTrue(page.contains("Lineage truncated"), page);
        CheckpointRow onItsPath = q.checkpoint(2).orElseThrow();
        assertEquals(Boolean.FALSE, onItsPath.background);
        assertNull(onItsPath.truncatedAt);
        assertFalse(CheckpointsPages.details(onItsPath).contains("in the background"));
        assertEquals(Boolean.TRUE, json(q.history("id", false, 1, 100)).toString()
            .contains("\"truncatedAfterBatchMs\":1500"), "the API has it");
      }
    } finally {
      disk.close();
    }
  }

  private static JsonNode json(Object value) {
    return JSON.valueToTree(value);
  }

  @Test
  void applicationValuesAreEscaped() {
    CheckpointsQueries q = replay(tracking(new InMemoryStore()), 1000, 10);
    String overview = CheckpointsPages.overview(q, q.history("id", false, 1, 100),
        q.queries(1, 100));
    String details = CheckpointsPages.details(q.checkpoint(1).orElseThrow());
    String failed = CheckpointsPages.details(q.checkpoint(5).orElseThrow());
    for (String page : List.of(overview, details)) {
      assertFalse(page.contains("<script>alert(1)"), "unescaped name");
      assertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
    assertTrue(overview.contains("disk &lt;full&gt;"));
    assertTrue(failed.contains("disk &lt;full&gt;") && !failed.contains("<full>"));
    assertTrue(overview.contains("id=\"checkpoint-duration-chart\""));
    assertTrue(details.contains("part-00001") && details.contains("byte-copy"));
  }
}
