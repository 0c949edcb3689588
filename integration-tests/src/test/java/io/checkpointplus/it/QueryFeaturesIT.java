package io.checkpointplus.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
    submit(name, master, plugin, files, Map.of()).run(work, name).assertSucceeded();
    return OutputFiles.committed(work.resolve(name + "-out"));
  }

  private static SparkSubmitRun submit(String name, String master, boolean plugin, int files,
      Map<String, String> conf) {
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
    conf.forEach(run::conf);
    return run;
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

  /**
   * SIGKILL of the driver while a micro-batch runs (its offsets written, its commit not), with
   * each state store provider, then a restart on the same location: the batch is re-run and the
   * output of every batch equals an uninterrupted stock run's.
   */
  @ParameterizedTest
  @ValueSource(strings = {"hdfs", "rocksdb"})
  void killedDuringABatchRestartsToTheSameOutput(String provider) throws Exception {
    String name = "kill-" + provider;
    Map<String, String> conf = provider.equals("rocksdb") ? Map.of(
        "spark.sql.streaming.stateStore.providerClass",
        "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider")
        : Map.of();
    Path location = work.resolve(name + "-cp");
    Process first = submit(name, SparkSubmitRun.LOCAL, true, FILES, conf).start(work, name);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      // A batch past the first in flight: its offsets are written, its commit is not.
      while (!(Files.exists(location.resolve("offsets/2"))
          && !Files.exists(location.resolve("commits/2")))) {
        if (System.nanoTime() > deadline || !first.isAlive()
            || Files.exists(location.resolve("commits/2"))) {
          fail("batch 2 was not seen in flight"
              + (first.isAlive() ? "" : ": the application exited; see " + name + ".log"));
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
    } finally {
      first.destroyForcibly();
      assertTrue(first.waitFor(60, TimeUnit.SECONDS));
    }
    assertFalse(Files.exists(work.resolve(name + "-out/batch-" + (FILES - 1) + ".txt")),
        "killed before the run ended");

    submit(name, SparkSubmitRun.LOCAL, true, FILES, conf).run(work, name + "-restart")
        .assertSucceeded();
    assertEquals(stockOutput, OutputFiles.committed(work.resolve(name + "-out")),
        "every batch's output equals an uninterrupted run's");
    AuditTrail audit = AuditTrail.read(work.resolve(name + "-audit.jsonl"));
    assertTrue(audit.ofType("streaming.file.damaged").isEmpty());
    assertEquals(2, audit.ofType("hook.status").size(), "both runs appended to the audit");
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
