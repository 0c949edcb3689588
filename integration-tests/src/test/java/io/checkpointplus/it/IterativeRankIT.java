package io.checkpointplus.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code IterativeRank} (checkpoint every k iterations, never persisted) through SparkSubmit: the
 * same ranks with and without the plugin, on {@code local[2]} and {@code local-cluster}; the
 * plugin wrote every checkpoint, from cache; checkpoints cross between plugin and stock Spark.
 */
class IterativeRankIT {
  private static final String APP = "io.checkpointplus.examples.IterativeRank";
  private static final String DUMP = "io.checkpointplus.spark.tools.CheckpointDump";
  private static final int ITERATIONS = 12;
  private static final int EVERY = 4;

  private static Path work;
  private static Path stockRanks;
  private static Path stockCheckpoint;

  @BeforeAll
  static void runStock() {
    work = ChildJvm.workDir("iterative-rank");
    stockCheckpoint = work.resolve("stock-cp");
    stockRanks = rank("stock", SparkSubmitRun.LOCAL, false, stockCheckpoint);
  }

  private static String[] appArgs(String name, Path checkpoint) {
    return new String[] {"--checkpoint", checkpoint.toString(),
        "--output", work.resolve(name + "-out").toString(), "--nodes", "1500",
        "--iterations", String.valueOf(ITERATIONS), "--every", String.valueOf(EVERY)};
  }

  private static Path rank(String name, String master, boolean plugin, Path checkpoint) {
    SparkSubmitRun run = SparkSubmitRun.of(APP).master(master).args(appArgs(name, checkpoint));
    if (plugin) {
      run.withPlugin().conf("spark.checkpointplus.audit.path",
          work.resolve(name + "-audit.jsonl").toString());
    }
    run.run(work, name).assertSucceeded();
    return work.resolve(name + "-out").resolve("ranks.txt");
  }

  private void assertPluginCheckpointedEveryKIterations(String name) {
    AuditTrail audit = AuditTrail.read(work.resolve(name + "-audit.jsonl"));
    assertEquals("installed", audit.ofType("hook.status").get(0).get("status").asText());
    List<JsonNode> completed = audit.ofType("checkpoint.completed");
    assertEquals(ITERATIONS / EVERY, completed.size(), "one checkpoint per k iterations");
    for (JsonNode c : completed) {
      assertEquals(c.get("partitions").asInt(), c.get("partitionsFromCache").asInt(),
          "the checkpoint read what the action computed: " + c);
      // The plugin's serialized persist is copied, uncounted, where compression agrees; the
      // ranks equal to stock's show the content.
      assertEquals(c.get("partitionsByteCopied").asInt(), c.get("partitionsNotCounted").asInt(),
          "only copied partitions go uncounted: " + c);
      if (c.get("partitionsNotCounted").asInt() == 0) {
        assertEquals(1500, c.get("records").asInt());
      }
    }
    assertTrue(audit.ofType("checkpoint.failed").isEmpty());
  }

  @Test
  void sameRanksWithThePluginOnLocal() throws IOException {
    Path ranks = rank("plugin-local", SparkSubmitRun.LOCAL, true, work.resolve("plugin-cp"));
    assertEquals(Files.readAllLines(stockRanks), Files.readAllLines(ranks));
    assertPluginCheckpointedEveryKIterations("plugin-local");
  }

  @Test
  void sameRanksWithThePluginOnLocalCluster() throws IOException {
    Path ranks = rank("plugin-cluster", SparkSubmitRun.LOCAL_CLUSTER, true,
        work.resolve("cluster-cp"));
    assertEquals(Files.readAllLines(stockRanks), Files.readAllLines(ranks));
    assertPluginCheckpointedEveryKIterations("plugin-cluster");
  }

  @Test
  void checkpointsCrossBetweenPluginAndStockSpark() throws IOException {
    Path pluginCheckpoint = work.resolve("cross-cp");
    rank("cross", SparkSubmitRun.LOCAL, true, pluginCheckpoint);

    // The last checkpoint of each run holds the final ranks. Stock Spark reads what the plugin
    // wrote, and the plugin reads what stock Spark wrote.
    List<String> pluginWrittenStockRead = dump("stock-reads-plugin", false,
        lastCheckpoint(pluginCheckpoint));
    List<String> stockWrittenPluginRead = dump("plugin-reads-stock", true,
        lastCheckpoint(stockCheckpoint));
    List<String> stockWrittenStockRead = dump("stock-reads-stock", false,
        lastCheckpoint(stockCheckpoint));
    assertEquals(1500, pluginWrittenStockRead.size());
    assertEquals(stockWrittenStockRead, pluginWrittenStockRead);
    assertEquals(stockWrittenStockRead, stockWrittenPluginRead);
  }

  /** The {@code rdd-N} directory with the highest N: the last checkpoint written. */
  private static Path lastCheckpoint(Path checkpointRoot) throws IOException {
    try (var walk = Files.walk(checkpointRoot)) {
      return walk.filter(p -> p.getFileName().toString().matches("rdd-\\d+"))
          .max(java.util.Comparator.comparingInt(
              p -> Integer.parseInt(p.getFileName().toString().substring(4))))
          .orElseThrow(() -> new AssertionError("no checkpoint under " + checkpointRoot));
    }
  }

  private static final Pattern DOUBLE = Pattern.compile("-?\\d+\\.\\d+(E-?\\d+)?");

  /** Dumps a checkpoint through SparkSubmit; doubles rounded, summation order being free. */
  private static List<String> dump(String name, boolean plugin, Path rddDir) throws IOException {
    Path out = work.resolve(name + ".txt");
    SparkSubmitRun run = SparkSubmitRun.of(DUMP).appJar(ChildJvm.pluginJar())
        .args(rddDir.toString(), out.toString());
    if (plugin) {
      run.withPlugin();
    }
    run.run(work, name).assertSucceeded();
    return Files.readAllLines(out).stream().map(line -> {
      Matcher m = DOUBLE.matcher(line);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        m.appendReplacement(sb, String.format(java.util.Locale.ROOT, "%.6f",
            Double.parseDouble(m.group())));
      }
      return m.appendTail(sb).toString();
    }).sorted().collect(Collectors.toList());
  }
}
