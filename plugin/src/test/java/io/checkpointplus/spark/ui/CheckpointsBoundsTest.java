package io.checkpointplus.spark.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.audit.CheckpointPlusListenerEvent;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.status.AppHistoryServerPlugin;
import org.apache.spark.status.ElementTrackingStore;
import org.apache.spark.util.kvstore.InMemoryStore;
import org.apache.spark.util.kvstore.RocksDB;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the listener keeps stays bounded and right: retention on the listener's own thread
 * (Spark's asynchronous tracking on, as live), no row written back after it was dropped,
 * write jobs linked by the plugin's job property only, capped lists per row, ancestor
 * decisions by plan id, real deletions counted, the summary row written at most once per
 * update period, and the History Server plugin valid on both Scala lines.
 */
class CheckpointsBoundsTest {
  @TempDir
  Path tmp;

  /** As live: Spark's trigger actions on a thread of their own. */
  private static ElementTrackingStore asyncTracking() {
    return new ElementTrackingStore(new InMemoryStore(),
        new SparkConf(false).set("spark.appStateStore.asyncTracking.enable", "true"));
  }

  private static Map<String, Object> event(String type, long time, Object... fields) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("type", type);
    e.put("time", time);
    for (int i = 0; i < fields.length; i += 2) {
      e.put((String) fields[i], fields[i + 1]);
    }
    return e;
  }

  private static void post(CheckpointsListener l, Map<String, Object> e) {
    l.onOtherEvent(new CheckpointPlusListenerEvent(e));
  }

  private static SparkListenerJobStart jobStart(int jobId, Integer checkpointRddId) {
    Properties props = new Properties();
    if (checkpointRddId != null) {
      props.setProperty("spark.checkpointplus.checkpointRddId", String.valueOf(checkpointRddId));
    }
    return new SparkListenerJobStart(jobId, 0L, noStages(), props);
  }

  /** An empty list of stages, of the type both Scala versions' constructors take. */
  @SuppressWarnings("unchecked")
  private static scala.collection.immutable.List<StageInfo> noStages() {
    return (scala.collection.immutable.List<StageInfo>) (Object)
        scala.collection.immutable.Nil$.MODULE$;
  }

  private static List<Long> ids(ElementTrackingStore store) {
    return new CheckpointsQueries(store).all().stream().map(r -> r.id).toList();
  }

  @Test
  void retentionRunsOnTheListenerThreadAndCleanUpsNeverBringDroppedRowsBack() {
    ElementTrackingStore store = asyncTracking();
    CheckpointsListener listener = new CheckpointsListener(store, 5, 0);
    for (int i = 1; i <= 300; i++) {
      int rdd = 1000 + i;
      post(listener, event("checkpoint.started", i, "rddId", rdd));
      post(listener, event("checkpoint.completed", i, "rddId", rdd, "durationMs", 1));
      for (int old = Math.max(1, i - 8); old <= i; old++) {
        post(listener, event("checkpoint.cleaned", i, "rddId", 1000 + old));
      }
    }
    assertEquals(List.of(296L, 297L, 298L, 299L, 300L), ids(store));
    assertEquals(5, listener.trackedRdds(), "one entry per retained row, no more");
  }

  @Test
  void aDroppedInProgressRowIsNotWrittenBackByItsWriteJob() {
    ElementTrackingStore store = asyncTracking();
    CheckpointsListener listener = new CheckpointsListener(store, 5, 0);
    for (int i = 1; i <= 20; i++) {
      post(listener, event("checkpoint.started", i, "rddId", 1000 + i));
    }
    listener.onJobStart(jobStart(7, 1001));
    post(listener, event("checkpoint.cleaned", 30, "rddId", 1002));
    assertEquals(List.of(16L, 17L, 18L, 19L, 20L), ids(store));
    assertEquals(5, listener.trackedRdds());
  }

  @Test
  void writeJobsAreLinkedByTheCheckpointRddIdPropertyAndCapped() {
    ElementTrackingStore store = asyncTracking();
    CheckpointsListener listener = new CheckpointsListener(store, 10, 0);
    post(listener, event("checkpoint.started", 1, "rddId", 7));
    post(listener, event("checkpoint.started", 2, "rddId", 8));
    for (int job = 0; job < 500; job++) {
      listener.onJobStart(jobStart(job, 8));
    }
    listener.onJobStart(jobStart(999, null));
    CheckpointsQueries q = new CheckpointsQueries(store);
    assertNull(q.checkpoint(1).orElseThrow().jobIds, "RDD 7 had no write job");
    List<Integer> jobs = q.checkpoint(2).orElseThrow().jobIds;
    assertEquals(CheckpointsListener.MAX_JOBS_PER_ROW, jobs.size());
    assertEquals(0, jobs.get(0));
    assertFalse(jobs.contains(999), "no property, no link");
  }

  @Test
  void partitionFilesAndDecisionsAreCappedPerRow() {
    ElementTrackingStore store = asyncTracking();
    CheckpointsListener listener = new CheckpointsListener(store, 10, 0);
    for (int i = 0; i < 1500; i++) {
      post(listener, event("checkpoint.ancestor", 0, "planId", 3L, "rddId", i));
    }
    post(listener, event("checkpoint.started", 1, "rddId", 7, "planId", 3L));
    List<Map<String, Object>> files = new ArrayList<>();
    for (int p = 0; p < 1500; p++) {
      files.add(Map.of("partition", p, "file", String.format("part-%05d", p), "bytes", 1L));
    }
    post(listener, event("checkpoint.completed", 2, "rddId", 7, "planId", 3L,
        "partitionFiles", files, "records", 0L, "partitionsNotCounted", 1500));
    CheckpointRow row = new CheckpointsQueries(store).checkpoint(1).orElseThrow();
    assertEquals(CheckpointsListener.MAX_PARTITION_FILES, row.partitionFiles.size());
    assertEquals(500, row.partitionFilesOmitted);
    assertEquals(CheckpointsListener.MAX_DECISIONS, row.ancestorDecisions.size());
    assertEquals(1500 - CheckpointsListener.MAX_DECISIONS, row.ancestorDecisionsOmitted);
    String page = CheckpointsPages.details(row);
    assertTrue(page.contains("500 more"));
    assertTrue(page.contains("not counting the records of 1,500 byte-copied partitions"), page);
  }

  @Test
  void ancestorDecisionsGoToTheCheckpointsOfTheirOwnPlan() {
    ElementTrackingStore store = asyncTracking();
    CheckpointsListener listener = new CheckpointsListener(store, 10, 0);
    post(listener, event("checkpoint.ancestor", 1, "planId", 1L, "rddId", 10, "rule", "a"));
    post(listener, event("checkpoint.ancestor", 1, "planId", 2L, "rddId", 20, "rule", "b"));
    post(listener, event("checkpoint.ancestor", 1, "planId", 1L, "rddId", 11, "rule", "c"));
    post(listener, event("checkpoint.started", 2, "rddId", 10, "planId", 1L));
    post(listener, event("checkpoint.started", 3, "rddId", 20, "planId", 2L));
    post(listener, event("checkpoint.ancestor", 4, "rddId", 30, "rule", "old"));
    post(listener, event("checkpoint.started", 5, "rddId", 30));
    CheckpointsQueries q = new CheckpointsQueries(store);
    assertEquals(List.of("a", "c"), rules(q.checkpoint(1).orElseThrow()));
    assertEquals(List.of("b"), rules(q.checkpoint(2).orElseThrow()));
    assertNull(q.checkpoint(3).orElseThrow().ancestorDecisions, "no plan id: none, not a wrong one");
  }

  private static List<Object> rules(CheckpointRow row) {
    return row.ancestorDecisions.stream().map(d -> d.get("rule")).toList();
  }

  @Test
  void onlyRealDeletionsCountAsCleaned() {
    ElementTrackingStore store = asyncTracking();
    CheckpointsListener listener = new CheckpointsListener(store, 10, 0);
    post(listener, event("checkpoint.cleaned", 1, "rddId", 1, "reason", "context-cleaner"));
    post(listener, event("checkpoint.cleaned", 2, "dir", "/a", "dryRun", true, "deleted", false));
    post(listener, event("checkpoint.cleaned", 3, "dir", "/b", "dryRun", false, "deleted", false));
    post(listener, event("checkpoint.cleaned", 4, "dir", "/c", "dryRun", false, "deleted", true));
    assertEquals(2, listener.liveSummary().cleaned);
  }

  @Test
  void theSummaryRowIsWrittenAtMostOncePerUpdatePeriodAndAtFlush() throws Exception {
    InMemoryStore memory = new InMemoryStore();
    ElementTrackingStore store = new ElementTrackingStore(memory,
        new SparkConf(false).set("spark.appStateStore.asyncTracking.enable", "false"));
    CheckpointsListener listener = new CheckpointsListener(store, 10, 3_600_000L);
    for (int i = 1; i <= 50; i++) {
      post(listener, event("checkpoint.metadata", i));
    }
    assertEquals(1, new CheckpointsQueries(store).summary().orElseThrow().metadataCheckpoints,
        "written for the first event, then not again within the period");
    assertEquals(50, listener.liveSummary().metadataCheckpoints, "the live tab reads this one");
    store.close(false);
    assertEquals(50, memory.read(CheckpointsSummary.class, CheckpointsSummary.KEY)
        .metadataCheckpoints, "flushed when the store closes (end of a replay)");
  }

  @Test
  void theHistoryServerPluginHasTheSignaturesOfBothScalaLinesAndFailsOpen() throws Exception {
    List<Class<?>> returns = new ArrayList<>();
    for (Method m : CheckpointsHistoryServerPlugin.class.getMethods()) {
      if (m.getName().equals("createListeners")) {
        returns.add(m.getReturnType());
      }
    }
    assertTrue(returns.contains(scala.collection.Seq.class), "Scala 2.12: " + returns);
    assertTrue(returns.contains(scala.collection.immutable.Seq.class), "Scala 2.13: " + returns);
    AppHistoryServerPlugin plugin = new CheckpointsHistoryServerPlugin();
    assertEquals(1, plugin.createListeners(new SparkConf(false), asyncTracking()).size());
    assertEquals(0, plugin.createListeners(new SparkConf(false), null).size(),
        "a failure gives no listener, not an exception in the History Server's rebuild");
  }

  /**
   * The History Server's disk store at scale: the list pages read one page of rows plus the
   * timeline's newest bars, through the store's indexes, never the per-partition files (a row
   * stays small however many partitions its checkpoint had); only the details page reads them,
   * for its one checkpoint.
   */
  @Test
  void listPagesReadABoundedNumberOfSmallRowsAndOnlyDetailsReadPartitionFiles() throws Exception {
    RocksDB disk = new RocksDB(tmp.resolve("store").toFile());
    try {
      ElementTrackingStore store = new ElementTrackingStore(disk,
          new SparkConf(false).set("spark.appStateStore.asyncTracking.enable", "false"));
      CheckpointsListener listener = new CheckpointsListener(store, 400, -1);
      for (int i = 1; i <= 500; i++) {
        CheckpointsTabCost.checkpoint(i, 300).forEach(e -> post(listener, e));
      }
      store.close(false);
      CountingStore counting = new CountingStore(disk);
      CheckpointsHttp http = new CheckpointsHttp(new CheckpointsQueries(counting), null);
      for (String path : List.of("/", "/api/history")) {
        for (String sort : List.of("id", "bytes", "name")) {
          counting.reset();
          UiResponse answer = http.handle(new UiRequest(path,
              Map.of("sort", sort, "desc", "true", "page", "3", "pageSize", "50"), null));
          assertEquals(200, answer.status, path + ": " + answer.body);
          long rows = counting.reads("CheckpointRow");
          assertTrue(rows >= 50 && rows <= 50 + 200, path + " sorted by " + sort + " read " + rows
              + " rows for a page of 50 (and the timeline's newest 200)");
          assertEquals(0, counting.reads("CheckpointDetails"), path + " read partition files");
          assertTrue(counting.largestJson("CheckpointRow") < 2048, path + ": a row of "
              + counting.largestJson("CheckpointRow") + " bytes for a checkpoint of 300 partitions");
        }
      }
      counting.reset();
      UiResponse details = http.handle(new UiRequest("/details", Map.of("id", "450"), null));
      assertEquals(200, details.status, details.body);
      assertTrue(details.body.contains("part-00299"), "every partition listed");
      assertEquals(1, counting.reads("CheckpointRow"));
      assertEquals(1, counting.reads("CheckpointDetails"));
    } finally {
      disk.close();
    }
  }

  /**
   * A live driver's in-memory store at the defaults (1,000 checkpoints of 1,000 partitions) must
   * stay under 50 MiB: here a tenth of it, 100 checkpoints, under a tenth of that, as Spark's own
   * SizeEstimator measures the store.
   */
  @Test
  void theInMemoryStoreHoldsCheckpointsOfAThousandPartitionsCompactly() {
    InMemoryStore memory = new InMemoryStore();
    ElementTrackingStore store = new ElementTrackingStore(memory,
        new SparkConf(false).set("spark.appStateStore.asyncTracking.enable", "false"));
    CheckpointsListener listener = new CheckpointsListener(store, 1000, 0);
    for (int i = 1; i <= 100; i++) {
      CheckpointsTabCost.checkpoint(i, 1000).forEach(e -> post(listener, e));
    }
    long bytes = org.apache.spark.util.SizeEstimator.estimate(memory);
    assertTrue(bytes < 5L << 20, "100 checkpoints of 1,000 partitions hold " + (bytes >> 10)
        + " KiB of heap");
    assertEquals(1000, new CheckpointsQueries(store).checkpoint(100).orElseThrow()
        .partitionFiles.size(), "and still list every partition");
  }

  /**
   * Numbers from events are counts, sizes and times: a negative one, or one past its type
   * (which Java's narrowing would wrap into a plausible value), is unknown, not shown and not
   * counted in the totals.
   */
  @Test
  void negativeOrOverflowingNumbersFromEventsAreUnknown() {
    ElementTrackingStore store = asyncTracking();
    CheckpointsListener listener = new CheckpointsListener(store, 10, 0);
    post(listener, event("checkpoint.started", 1, "rddId", 7, "lineageDepthBefore", -4,
        "batchTime", -1L, "outputOpId", 3_000_000_000L));
    post(listener, event("checkpoint.completed", 2, "rddId", 7, "partitions", 5_000_000_000L,
        "partitionsFromCache", -2, "partitionsRecomputed", 1.5, "bytes", -5L,
        "records", new java.math.BigInteger("99999999999999999999"), "durationMs", -1L));
    CheckpointRow row = new CheckpointsQueries(store).checkpoint(1).orElseThrow();
    assertNull(row.partitions, "5,000,000,000 partitions wrapped to " + row.partitions);
    assertNull(row.partitionsFromCache);
    assertNull(row.partitionsRecomputed);
    assertNull(row.bytes);
    assertNull(row.records);
    assertNull(row.durationMs);
    assertNull(row.lineageDepthBefore);
    assertNull(row.batchTime);
    assertNull(row.outputOpId);
    CheckpointsSummary s = listener.liveSummary();
    assertEquals(1, s.completed);
    assertEquals(0, s.bytes);
    assertEquals(0, s.partitions);
    assertEquals(0, s.durationMs.count, "an unknown duration is not a statistic");
  }

  /**
   * Ids number the checkpoints the tab shows, without gaps: an event it cannot read (no RDD
   * id, or one out of range) used to take an id and then fail, leaving a hole in the history.
   */
  @Test
  void anEventThatCannotBeReadTakesNoIdSoIdsHaveNoGaps() {
    ElementTrackingStore store = asyncTracking();
    CheckpointsListener listener = new CheckpointsListener(store, 10, 0);
    post(listener, event("checkpoint.started", 1, "rddId", 1));
    post(listener, event("checkpoint.started", 2, "rddId", "abc"));
    post(listener, event("checkpoint.started", 3));
    post(listener, event("checkpoint.completed", 4, "rddId", 9_000_000_000L));
    post(listener, event("checkpoint.failed", 5, "rddId", -3));
    post(listener, event("checkpoint.started", 6, "rddId", 2));
    post(listener, event("checkpoint.completed", 7, "rddId", 3, "durationMs", 1L));
    assertEquals(List.of(1L, 2L, 3L), ids(store));
    assertEquals(3, listener.liveSummary().started);
  }

  @Test
  void aFailureAnswers500WithoutTheExceptionText() throws Exception {
    RocksDB closed = new RocksDB(tmp.resolve("closed").toFile());
    closed.close();
    UiResponse answer = new CheckpointsHttp(new CheckpointsQueries(closed), null)
        .handle(new UiRequest("/api/overview", Map.of(), null));
    assertEquals(500, answer.status);
    assertFalse(answer.body.contains("closed") || answer.body.contains("Exception"), answer.body);
  }

  @Test
  void trailingSlashPagesRedirectSoThatRelativeLinksHold() {
    CheckpointsHttp http = new CheckpointsHttp(new CheckpointsQueries(asyncTracking()), null);
    UiResponse details = http.handle(new UiRequest("/details/", Map.of("id", "3"), null));
    assertEquals(302, details.status);
    assertEquals("../details?id=3", details.location);
    UiResponse config = http.handle(new UiRequest("/config/", Map.of(), null));
    assertEquals("../config", config.location);
  }
}
