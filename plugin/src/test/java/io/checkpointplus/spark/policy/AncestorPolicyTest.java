package io.checkpointplus.spark.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** Which ancestors are checkpointed, in what order, how many at once, and automatic cuts. */
class AncestorPolicyTest extends WithLocalSpark {

  private JavaSparkContext start(Map<String, String> settings) {
    sc = LocalSpark.withPlugin(audit(), settings);
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    return new JavaSparkContext(sc);
  }

  private static List<Integer> numbers(int n) {
    return IntStream.range(0, n).boxed().collect(Collectors.toList());
  }

  /** RDD ids in the order their checkpoints started. */
  private List<Integer> startedOrder() {
    return LocalSpark.events(audit(), "checkpoint.started").stream()
        .map(e -> e.get("rddId").asInt()).collect(Collectors.toList());
  }

  /** A chain of three marked RDDs, grandparent first. */
  private List<JavaRDD<Integer>> markedChain(JavaSparkContext jsc) {
    JavaRDD<Integer> a = jsc.parallelize(numbers(200), 2).map(x -> x + 1);
    JavaRDD<Integer> b = a.map(x -> x * 2);
    JavaRDD<Integer> c = b.map(x -> x - 3);
    a.checkpoint();
    b.checkpoint();
    c.checkpoint();
    return List.of(a, b, c);
  }

  @Test
  void nearestCheckpointsOnlyTheNearestMarkedRdd() {
    List<JavaRDD<Integer>> chain = markedChain(start(Map.of(
        "spark.checkpointplus.ancestors.policy", "nearest")));
    chain.get(2).count();

    assertFalse(chain.get(0).isCheckpointed());
    assertFalse(chain.get(1).isCheckpointed());
    assertTrue(chain.get(2).isCheckpointed());
    List<JsonNode> decisions = LocalSpark.events(audit(), "checkpoint.ancestor");
    assertEquals(2, decisions.size());
    decisions.forEach(d -> assertEquals("skip", d.get("decision").asText()));
  }

  @Test
  void markedCheckpointsEveryMarkedAncestorParentsFirst() {
    List<JavaRDD<Integer>> chain = markedChain(start(Map.of()));
    assertEquals(200, chain.get(2).count());

    chain.forEach(r -> assertTrue(r.isCheckpointed(), "rdd " + r.id()));
    assertEquals(List.of(chain.get(0).id(), chain.get(1).id(), chain.get(2).id()),
        startedOrder());
    // Each child was written from its already-checkpointed parent: one level of lineage.
    assertEquals(1, chain.get(1).rdd().dependencies().size());
    LocalSpark.events(audit(), "checkpoint.completed").forEach(e ->
        assertTrue(e.get("lineageDepthBefore").asInt() <= 3, e.toString()));
    assertEquals(2, LocalSpark.events(audit(), "checkpoint.ancestor").stream()
        .filter(d -> d.get("decision").asText().equals("checkpoint")).count());
  }

  /** Three independent marked branches under one final RDD, each slow enough to be seen. */
  private List<Interval> branchWrites(int parallelism) {
    JavaSparkContext jsc = start(Map.of("spark.checkpointplus.ancestors.parallelism",
        String.valueOf(parallelism)));
    JavaRDD<Integer> base = jsc.parallelize(numbers(30_000), 2);
    JavaRDD<Integer> union = null;
    for (int i = 0; i < 3; i++) {
      int salt = i;
      JavaRDD<Integer> branch = base.map(x -> spin(x + salt));
      branch.checkpoint();
      union = union == null ? branch : union.union(branch);
    }
    assertEquals(90_000, union.count());
    Map<Integer, Long> started = LocalSpark.events(audit(), "checkpoint.started").stream()
        .collect(Collectors.toMap(e -> e.get("rddId").asInt(), e -> e.get("time").asLong()));
    return LocalSpark.events(audit(), "checkpoint.completed").stream()
        .map(e -> new Interval(started.get(e.get("rddId").asInt()), e.get("time").asLong()))
        .sorted(java.util.Comparator.comparingLong(Interval::start))
        .collect(Collectors.toList());
  }

  private record Interval(long start, long end) {
  }

  /** Some arithmetic per record, so a checkpoint job takes a measurable time. */
  private static int spin(int x) {
    long h = x;
    for (int i = 0; i < 2_000; i++) {
      h = h * 6364136223846793005L + 1442695040888963407L;
    }
    return (int) (h >>> 40);
  }

  @Test
  void independentBranchesAreWrittenConcurrently() {
    List<Interval> writes = branchWrites(4);
    assertEquals(3, writes.size());
    long lastStart = writes.stream().mapToLong(Interval::start).max().getAsLong();
    long firstEnd = writes.stream().mapToLong(Interval::end).min().getAsLong();
    assertTrue(lastStart < firstEnd, "all three writes were in flight together: " + writes);
  }

  @Test
  void parallelismOneWritesOneAfterAnother() {
    List<Interval> writes = branchWrites(1);
    assertEquals(3, writes.size());
    for (int i = 1; i < writes.size(); i++) {
      assertTrue(writes.get(i - 1).end() <= writes.get(i).start(), "no overlap: " + writes);
    }
  }

  @Test
  void anRddMarkedAfterAnActionWalkedPastItIsCheckpointedNextTime() {
    // SPARK-19215: stock Spark never checkpoints `a` here.
    JavaSparkContext jsc = start(Map.of());
    JavaRDD<Integer> a = jsc.parallelize(numbers(100), 2).map(x -> x + 1);
    JavaRDD<Integer> b = a.map(x -> x * 2);
    b.count();
    a.checkpoint();
    b.count();
    assertTrue(a.isCheckpointed());
  }

  @Test
  void stockSparkLeavesTheLateMarkUnwritten() {
    sc = LocalSpark.stock(Map.of());
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaRDD<Integer> a = new JavaSparkContext(sc).parallelize(numbers(100), 2).map(x -> x + 1);
    JavaRDD<Integer> b = a.map(x -> x * 2);
    b.count();
    a.checkpoint();
    b.count();
    assertFalse(a.isCheckpointed(), "the SPARK-19215 behaviour the plugin fixes");
  }

  private static final int STEPS = 4_000;

  /**
   * An iterative job with no checkpoint calls: one map per step, an action every
   * {@code actionEvery} steps (as iterative algorithms check convergence). Without intermediate
   * actions Spark itself overflows computing {@code rdd.partitions} on the caller's thread, before
   * any scheduler (and so any plugin) is involved.
   */
  private static JavaRDD<Integer> deepLineage(JavaSparkContext jsc, int steps, int actionEvery) {
    JavaRDD<Integer> rdd = jsc.parallelize(numbers(1000), 2);
    for (int i = 1; i <= steps; i++) {
      rdd = rdd.map(x -> x + 1);
      if (i % actionEvery == 0) {
        assertEquals(1000, rdd.count());
      }
    }
    return rdd;
  }

  @Test
  void stockSparkFailsOnAVeryDeepLineage() throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
    cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
        .stream().filter(a -> a.startsWith("--add-opens")).collect(Collectors.toList()));
    cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path")), StockDeepLineage.class.getName(),
        String.valueOf(STEPS)));
    Path log = tmp.resolve("stock.log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .start();
    assertTrue(p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS), "stock run timed out");
    String output = Files.readString(log);
    assertFalse(output.contains("COMPLETED"), "stock Spark survived " + STEPS + " steps");
    assertTrue(output.contains("StackOverflowError"), output.length() > 4000
        ? output.substring(output.length() - 4000) : output);
  }

  @Test
  void autoCutsAVeryDeepLineageAndKeepsItBounded() {
    JavaSparkContext jsc = start(Map.of("spark.checkpointplus.ancestors.policy", "auto",
        "spark.checkpointplus.ancestors.maxLineageDepth", "100"));
    JavaRDD<Integer> deep = deepLineage(jsc, STEPS, 50);

    assertEquals(IntStream.range(0, 1000).map(x -> x + STEPS).sum(),
        deep.reduce(Integer::sum));

    assertTrue(Lineage.depth(deep.rdd()) <= 100, "depth " + Lineage.depth(deep.rdd()));
    List<JsonNode> cuts = LocalSpark.events(audit(), "checkpoint.ancestor");
    assertTrue(cuts.size() >= STEPS / 100, "cuts: " + cuts.size());
    cuts.forEach(c -> assertEquals("auto-lineage-depth", c.get("rule").asText()));
  }

  @Test
  void dryRunDecidesAndRecordsButWritesNothing() throws Exception {
    JavaSparkContext jsc = start(Map.of("spark.checkpointplus.ancestors.policy", "auto",
        "spark.checkpointplus.ancestors.maxLineageDepth", "50",
        "spark.checkpointplus.ancestors.dryRun", "true"));
    JavaRDD<Integer> deep = deepLineage(jsc, 300, 300);
    assertEquals(1000, deep.count());

    Path checkpointDir = Path.of(java.net.URI.create(sc.getCheckpointDir().get()));
    try (var files = Files.list(checkpointDir)) {
      assertEquals(0, files.count(), "nothing written");
    }
    List<JsonNode> decisions = LocalSpark.events(audit(), "checkpoint.ancestor");
    assertTrue(decisions.size() >= 300 / 50);
    decisions.forEach(d -> assertEquals("would-mark", d.get("decision").asText()));
    assertTrue(Lineage.depth(deep.rdd()) > 300, "lineage untouched");
  }

  @Test
  void dryRunLeavesMarkedAncestorsToSparksOwnRule() {
    List<JavaRDD<Integer>> chain = markedChain(start(Map.of(
        "spark.checkpointplus.ancestors.dryRun", "true")));
    chain.get(2).count();
    assertFalse(chain.get(0).isCheckpointed());
    assertFalse(chain.get(1).isCheckpointed());
    assertTrue(chain.get(2).isCheckpointed());
    LocalSpark.events(audit(), "checkpoint.ancestor").forEach(d ->
        assertEquals("would-checkpoint", d.get("decision").asText()));
  }
}
