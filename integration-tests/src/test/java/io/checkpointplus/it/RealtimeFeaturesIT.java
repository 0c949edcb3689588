package io.checkpointplus.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code RealtimeFeatures}, the Spark Streaming application the plugin exists for, through
 * SparkSubmit: every feature file of every batch is identical with and without the plugin, on
 * {@code local[2]} and on {@code local-cluster}, and the plugin wrote the state checkpoints.
 */
class RealtimeFeaturesIT {
  private static final String APP = "io.checkpointplus.examples.RealtimeFeatures";
  private static final int BATCHES = 16;

  private static Path work;
  private static Map<String, String> stockOutput;

  @BeforeAll
  static void runStock() throws IOException {
    work = ChildJvm.workDir("realtime-features");
    stockOutput = features("stock", SparkSubmitRun.LOCAL, false);
    assertEquals(3 * BATCHES, stockOutput.size(), "three feature files per batch");
  }

  private static Map<String, String> features(String name, String master, boolean plugin)
      throws IOException {
    return features(name, master, plugin, Map.of());
  }

  private static Map<String, String> features(String name, String master, boolean plugin,
      Map<String, String> conf) throws IOException {
    SparkSubmitRun run = SparkSubmitRun.of(APP).master(master).args(
        "--checkpoint", work.resolve(name + "-cp").toString(),
        "--output", work.resolve(name + "-out").toString(),
        "--batches", String.valueOf(BATCHES), "--batch-ms", "500", "--checkpoint-every", "4");
    if (plugin) {
      run.withPlugin().conf("spark.checkpointplus.audit.path",
          work.resolve(name + "-audit.jsonl").toString());
    }
    conf.forEach(run::conf);
    run.run(work, name).assertSucceeded();
    return OutputFiles.committed(work.resolve(name + "-out"));
  }

  private static void assertPluginWroteStateCheckpoints(String name) {
    AuditTrail audit = AuditTrail.read(work.resolve(name + "-audit.jsonl"));
    assertEquals("installed", audit.ofType("hook.status").get(0).get("status").asText());
    List<JsonNode> completed = audit.ofType("checkpoint.completed");
    assertTrue(completed.size() >= 3, "state checkpoints written by the plugin: " + completed);
    for (JsonNode c : completed) {
      assertTrue(c.hasNonNull("batchTime"), "a streaming checkpoint carries its batch: " + c);
      assertTrue(c.hasNonNull("outputOpId"), c.toString());
      assertEquals(c.get("partitions").asInt(),
          c.get("partitionsFromCache").asInt() + c.get("partitionsRecomputed").asInt());
    }
    assertTrue(completed.stream().mapToInt(c -> c.get("partitionsFromCache").asInt()).sum() > 0,
        "DStream state is persisted by Spark Streaming and read from cache");
    assertTrue(audit.ofType("checkpoint.failed").isEmpty());
    List<JsonNode> metadata = audit.ofType("checkpoint.metadata");
    assertTrue(metadata.size() >= BATCHES / 2, "Spark Streaming's metadata checkpoints: "
        + metadata.size());
    metadata.forEach(m -> {
      assertTrue(m.get("file").asText().startsWith("checkpoint-"), m.toString());
      assertTrue(m.get("bytes").asLong() > 0, m.toString());
      assertTrue(m.hasNonNull("batchTime"), m.toString());
    });
  }

  @Test
  void identicalFeaturesWithThePluginOnLocal() throws IOException {
    assertEquals(stockOutput, features("plugin-local", SparkSubmitRun.LOCAL, true));
    assertPluginWroteStateCheckpoints("plugin-local");
  }

  @Test
  void identicalFeaturesWithThePluginOnLocalCluster() throws IOException {
    assertEquals(stockOutput, features("plugin-cluster", SparkSubmitRun.LOCAL_CLUSTER, true));
    assertPluginWroteStateCheckpoints("plugin-cluster");
  }

  /** Three output operations checkpointing at once: nothing lost, nothing written twice. */
  @Test
  void identicalFeaturesWithConcurrentStreamingJobs() throws IOException {
    assertEquals(stockOutput, features("plugin-concurrent", SparkSubmitRun.LOCAL, true,
        Map.of("spark.streaming.concurrentJobs", "3")));
    assertPluginWroteStateCheckpoints("plugin-concurrent");
    List<JsonNode> completed = AuditTrail.read(work.resolve("plugin-concurrent-audit.jsonl"))
        .ofType("checkpoint.completed");
    assertEquals(completed.size(), completed.stream().map(c -> c.get("rddId").asInt())
        .distinct().count(), "no RDD checkpointed twice");
  }
}
