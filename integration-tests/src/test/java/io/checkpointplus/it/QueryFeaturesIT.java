package io.checkpointplus.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code QueryFeatures}, a stateful Structured Streaming query, through SparkSubmit with the
 * release jar and nothing but {@code spark.plugins}: output identical to stock Spark's, every
 * file of the location recorded, one audit event per micro-batch, and stock Spark and the plugin
 * restarting each other's locations. Among the line checks of 4.0 and 4.2, where the 2.13 release
 * jar's adapter runs on another Spark than the one it was compiled against.
 */
class QueryFeaturesIT {
  private static final String APP = "io.checkpointplus.examples.QueryFeatures";
  private static final int FILES = 6;

  private static Path work;
  private static Map<String, String> stockOutput;

  @BeforeAll
  static void runStock() throws IOException {
    work = ChildJvm.workDir("query-features");
    stockOutput = run("stock", SparkSubmitRun.LOCAL, false, FILES);
    assertEquals(FILES, stockOutput.size(), "one output file per micro-batch");
  }

  /**
   * Runs the query over input files 0 to files - 1 (generated into the input of {@code name}
   * when missing) into the location and output of {@code name}.
   */
  private static Map<String, String> run(String name, String master, boolean plugin, int files)
      throws IOException {
    SparkSubmitRun run = SparkSubmitRun.of(APP).master(master).args(
        "--input", work.resolve(name + "-in").toString(),
        "--checkpoint", work.resolve(name + "-cp").toString(),
        "--output", work.resolve(name + "-out").toString(),
        "--files", String.valueOf(files), "--events-per-file", "400")
        .conf("spark.sql.shuffle.partitions", "3");
    if (plugin) {
      run.withPlugin().conf("spark.checkpointplus.audit.path",
          work.resolve(name + "-audit.jsonl").toString());
    }
    run.run(work, name).assertSucceeded();
    return OutputFiles.committed(work.resolve(name + "-out"));
  }

  private static void assertRecordedAndAudited(String name, int batches) throws IOException {
    Path location = work.resolve(name + "-cp");
    List<String> recorded;
    try (Stream<Path> files = Files.walk(location)) {
      recorded = files.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(".") && n.endsWith(".integrity")).collect(Collectors.toList());
    }
    // offsets, commits and the source log per batch, and the location's metadata at least.
    assertTrue(recorded.size() >= 3 * batches + 1, "integrity records: " + recorded);
    AuditTrail audit = AuditTrail.read(work.resolve(name + "-audit.jsonl"));
    assertEquals("installed", audit.ofType("hook.status").get(0).get("status").asText());
    List<JsonNode> committed = audit.ofType("streaming.batch.committed");
    assertEquals(batches, committed.size(), committed.toString());
    assertTrue(audit.ofType("streaming.file.damaged").isEmpty());
    assertTrue(audit.ofType("streaming.unprotected").isEmpty());
  }

  /** On local-cluster the state stores run in executor JVMs, which load the manager from --jars. */
  @Test
  void identicalOutputWithThePluginOnLocalCluster() throws IOException {
    assertEquals(stockOutput, run("plugin-cluster", SparkSubmitRun.LOCAL_CLUSTER, true, FILES));
    assertRecordedAndAudited("plugin-cluster", FILES);
  }

  @Test
  void stockAndThePluginRestartEachOthersLocations() throws IOException {
    run("plugin-then-stock", SparkSubmitRun.LOCAL, true, FILES / 2);
    assertRecordedAndAudited("plugin-then-stock", FILES / 2);
    assertEquals(stockOutput, run("plugin-then-stock", SparkSubmitRun.LOCAL, false, FILES),
        "stock Spark restarting a location the plugin wrote");
    run("stock-then-plugin", SparkSubmitRun.LOCAL, false, FILES / 2);
    assertEquals(stockOutput, run("stock-then-plugin", SparkSubmitRun.LOCAL, true, FILES),
        "the plugin restarting a location stock Spark wrote");
    AuditTrail audit = AuditTrail.read(work.resolve("stock-then-plugin-audit.jsonl"));
    assertEquals(FILES / 2, audit.ofType("streaming.query.resumed").get(0)
        .get("resumedAtBatch").asInt());
    assertEquals(FILES - FILES / 2, audit.ofType("streaming.batch.committed").size());
  }
}
