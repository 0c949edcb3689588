package io.checkpointplus.spark.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.util.JsonProtocol;
import org.junit.jupiter.api.Test;

/** Every checkpoint reaches every sink: the JSON Lines file, the event log, Spark's metrics. */
class AuditSinksTest extends WithLocalSpark {

  /** Checkpoints one small RDD; returns its id. */
  private int checkpointOne() {
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    // A deserialized level: the checkpoint serializes, and counts, the records (a serialized
    // block would be copied, its records not counted).
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(List.of(1, 2, 3, 4, 5), 2)
        .map(x -> x * 10).persist(org.apache.spark.storage.StorageLevel.MEMORY_ONLY());
    rdd.checkpoint();
    rdd.count();
    return rdd.id();
  }

  @Test
  void jsonLinesFollowTheDocumentedSchema() {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    int rddId = checkpointOne();
    List<JsonNode> events = LocalSpark.events(audit());
    assertFalse(events.isEmpty());
    for (JsonNode e : events) {
      assertEquals(AuditEvent.SCHEMA_VERSION, e.get("schemaVersion").asInt());
      assertTrue(e.get("time").isIntegralNumber());
      assertEquals(sc.applicationId(), e.get("appId").asText());
      String type = e.get("type").asText();
      if (type.startsWith("checkpoint.")) {
        assertEquals(rddId, e.get("rddId").asInt(), e.toString());
        assertTrue(e.get("dir").asText().endsWith("/rdd-" + rddId), e.toString());
      }
    }
    JsonNode completed = LocalSpark.events(audit(), "checkpoint.completed").get(0);
    for (String field : List.of("partitions", "bytes", "records", "durationMs",
        "partitionsFromCache", "partitionsRecomputed", "lineageDepthBefore")) {
      assertTrue(completed.get(field).isIntegralNumber(), field + " in " + completed);
    }
    assertEquals(5, completed.get("records").asInt());
    assertTrue(completed.get("callSite").asText().contains("AuditSinksTest"));
  }

  @Test
  void eventsRoundTripThroughSparksEventLog() throws Exception {
    Path eventLogs = Files.createDirectories(tmp.resolve("events"));
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.eventLog.enabled", "true",
        "spark.eventLog.dir", eventLogs.toUri().toString(),
        // One plain-text event log file, as this test reads it: Spark 4 rolls and compresses
        // event logs by default.
        "spark.eventLog.rolling.enabled", "false", "spark.eventLog.compress", "false"));
    int rddId = checkpointOne();
    LocalSpark.stop(sc);
    sc = null;

    Path log;
    try (var files = Files.list(eventLogs)) {
      log = files.findFirst().orElseThrow();
    }
    List<CheckpointPlusListenerEvent> replayed = Files.readAllLines(log).stream()
        .filter(line -> line.contains(CheckpointPlusListenerEvent.class.getName()))
        .map(line -> {
          SparkListenerEvent event = JsonProtocol.sparkEventFromJson(line);
          return assertInstanceOf(CheckpointPlusListenerEvent.class, event);
        }).collect(Collectors.toList());
    List<String> types = replayed.stream().map(e -> (String) e.audit().get("type"))
        .collect(Collectors.toList());
    assertTrue(types.containsAll(List.of("hook.status", "checkpoint.started",
        "checkpoint.completed")), types.toString());
    CheckpointPlusListenerEvent completed = replayed.stream()
        .filter(e -> "checkpoint.completed".equals(e.audit().get("type"))).findFirst()
        .orElseThrow();
    assertEquals(rddId, ((Number) completed.audit().get("rddId")).intValue());
    assertEquals(5, ((Number) completed.audit().get("records")).intValue());
  }

  @Test
  void metricsReachSparksMetricsSystem() throws Exception {
    Path csv = Files.createDirectories(tmp.resolve("metrics"));
    sc = LocalSpark.withPlugin(audit(), Map.of(
        "spark.metrics.conf.*.sink.csv.class", "org.apache.spark.metrics.sink.CsvSink",
        "spark.metrics.conf.*.sink.csv.directory", csv.toString(),
        "spark.metrics.conf.*.sink.csv.period", "1",
        "spark.metrics.conf.*.sink.csv.unit", "seconds"));
    checkpointOne();
    checkpointOne();
    LocalSpark.events(audit()); // flush: metrics are updated on delivery
    LocalSpark.stop(sc); // reports every sink once more before stopping
    sc = null;

    assertEquals(2, lastValue(csv, "events.checkpoint.completed"));
    assertEquals(10, lastValue(csv, "checkpoint.records"));
    assertEquals(0, lastValue(csv, "audit.dropped"));
  }

  /** The last value a CSV sink wrote for the plugin's metric {@code name}. */
  private static long lastValue(Path csvDir, String name) throws Exception {
    try (var files = Files.list(csvDir)) {
      Path file = files.filter(p -> p.getFileName().toString()
              .endsWith("plugin.io.checkpointplus.spark.CheckpointPlusPlugin." + name + ".csv"))
          .findFirst().orElseThrow(() -> new AssertionError("no CSV for " + name));
      List<String> lines = Files.readAllLines(file);
      String[] last = lines.get(lines.size() - 1).split(",");
      return Long.parseLong(last[1].trim());
    }
  }

  @Test
  void hookStatusCarriesTheEffectiveConfigurationRedacted() {
    sc = LocalSpark.withPlugin(audit(), Map.of(
        "spark.checkpointplus.dir", tmp.resolve("secret-place").toString(),
        "spark.redaction.regex", "(?i)secret|password|checkpointplus\\.dir"));
    JsonNode config = LocalSpark.events(audit(), "hook.status").get(0).get("configuration");
    assertEquals("*********(redacted)", config.get("spark.checkpointplus.dir").asText());
    assertEquals("marked", config.get("spark.checkpointplus.ancestors.policy").asText());
    assertEquals("DISK_ONLY", config.get("spark.checkpointplus.reuse.storageLevel")
        .asText());
  }

  @Test
  void checkpointsDeletedBySparksCleanerAreRecorded() {
    sc = LocalSpark.withPlugin(audit(), Map.of(
        "spark.cleaner.referenceTracking.cleanCheckpoints", "true"));
    int rddId = checkpointOne();
    Path dir = Path.of(java.net.URI.create(
        LocalSpark.events(audit(), "checkpoint.completed").get(0).get("dir").asText()));
    assertTrue(Files.exists(dir));
    // What the cleaner does once the RDD is garbage collected.
    sc.cleaner().get().doCleanCheckpoint(rddId);

    assertFalse(Files.exists(dir));
    JsonNode cleaned = LocalSpark.events(audit(), "checkpoint.cleaned").get(0);
    assertEquals(rddId, cleaned.get("rddId").asInt());
  }

  @Test
  void sinksCanBeChosen() {
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.checkpointplus.audit.sinks", "log"));
    checkpointOne();
    assertTrue(LocalSpark.events(audit()).isEmpty(), "no jsonl sink, no file");
  }

  @Test
  void withoutAnAuditPathEventsGoBesideTheCheckpoints() throws Exception {
    org.apache.spark.SparkConf conf = new org.apache.spark.SparkConf(false)
        .setMaster("local[2]").setAppName("default-audit-path")
        .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
        .set("spark.plugins", LocalSpark.PLUGIN);
    sc = new org.apache.spark.SparkContext(conf);
    int rddId = checkpointOne();
    Path file = tmp.resolve("cp").resolve("_checkpoint-plus-audit")
        .resolve(sc.applicationId() + ".jsonl");
    AuditLog.flushAll();
    List<String> lines = Files.readAllLines(file);
    assertTrue(lines.get(0).contains("\"type\":\"hook.status\""), "held until the file opened");
    assertTrue(lines.stream().anyMatch(l -> l.contains("\"type\":\"checkpoint.completed\"")
        && l.contains("\"rddId\":" + rddId)));
  }

  @Test
  void theDefaultAuditFileWorksUnderPathsWithSpacesPercentAndHash() throws Exception {
    Path root = tmp.resolve("check points 100% #1");
    org.apache.spark.SparkConf conf = new org.apache.spark.SparkConf(false)
        .setMaster("local[2]").setAppName("default-audit-path-odd-characters")
        .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
        .set("spark.plugins", LocalSpark.PLUGIN);
    sc = new org.apache.spark.SparkContext(conf);
    sc.setCheckpointDir(root.toString());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(List.of(1, 2, 3), 2)
        .map(x -> x * 10);
    rdd.checkpoint();
    rdd.count();
    Path file = root.resolve("_checkpoint-plus-audit").resolve(sc.applicationId() + ".jsonl");
    AuditLog.flushAll();
    assertTrue(Files.exists(file), "no audit file under " + root);
    List<String> lines = Files.readAllLines(file);
    assertTrue(lines.get(0).contains("\"type\":\"hook.status\""), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.contains("\"type\":\"checkpoint.completed\"")
        && l.contains("\"rddId\":" + rdd.id())), lines.toString());
  }
}
