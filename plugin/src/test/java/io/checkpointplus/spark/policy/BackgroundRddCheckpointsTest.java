package io.checkpointplus.spark.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code spark.checkpointplus.rdd.backgroundWrite}: the action on a persisted RDD returns while
 * its checkpoint is still being written (held by the checkpoint directory's file system,
 * {@link HeldWritesFileSystem}, for as long as the test needs), jobs meanwhile use its lineage
 * and answer as stock Spark, and the RDD becomes checkpointed at a job that starts once the
 * files are complete. A write reads the blocks the action stored in the application's persist,
 * never records computed after the action returned; an RDD the application did not persist is
 * written before its action returns.
 */
class BackgroundRddCheckpointsTest {
  private static final List<Integer> INPUT =
      IntStream.range(0, 1000).boxed().collect(Collectors.toList());

  @TempDir
  Path tmp;

  @AfterEach
  void release() {
    HeldWritesFileSystem.release();
  }

  private SparkContext pluginSpark(Path audit, Map<String, String> extra) {
    Map<String, String> settings = HeldWritesFileSystem.settings();
    settings.putAll(extra);
    settings.put("spark.checkpointplus.rdd.backgroundWrite", "true");
    SparkContext sc = LocalSpark.withPlugin(audit, settings);
    sc.setCheckpointDir(HeldWritesFileSystem.SCHEME + "://" + tmp.resolve("cp"));
    return sc;
  }

  /** A persisted, checkpointed RDD of its own; its action writes it in the background. */
  private static JavaRDD<Integer> checkpointed(JavaSparkContext jsc, int times) {
    JavaRDD<Integer> rdd = jsc.parallelize(INPUT, 4).map(x -> x * times)
        .persist(StorageLevel.MEMORY_ONLY());
    rdd.checkpoint();
    return rdd;
  }

  @Test
  void theActionReturnsBeforeTheWriteAndTheRddIsCheckpointedAtALaterJob() throws Exception {
    List<Integer> stock;
    SparkContext stockSc = LocalSpark.stock(Map.of());
    try {
      stockSc.setCheckpointDir(tmp.resolve("stock-cp").toString());
      JavaRDD<Integer> rdd = checkpointed(new JavaSparkContext(stockSc), 3);
      rdd.count();
      stock = rdd.collect();
    } finally {
      LocalSpark.stop(stockSc);
    }

    HeldWritesFileSystem.arm();
    Path audit = tmp.resolve("audit.jsonl");
    SparkContext sc = pluginSpark(audit, Map.of());
    int heldRdd;
    try {
      JavaSparkContext jsc = new JavaSparkContext(sc);
      JavaRDD<Integer> first = checkpointed(jsc, 2);
      assertEquals(INPUT.size(), first.count()); // its write is the one not held
      JavaRDD<Integer> rdd = checkpointed(jsc, 3);
      heldRdd = rdd.id();
      assertEquals(INPUT.size(), rdd.count(), "the action returns with its write held");
      assertTrue(HeldWritesFileSystem.holding.await(120, TimeUnit.SECONDS),
          "the checkpoint's write started");
      assertTrue(first.isCheckpointed(), "the earlier write was published when this one began");
      assertFalse(rdd.isCheckpointed(), "not checkpointed while its files are being written");
      assertFalse(rdd.getCheckpointFile().isPresent());
      assertEquals(stock, rdd.collect(), "a job meanwhile reads the lineage and answers as stock");
      assertFalse(rdd.isCheckpointed());

      HeldWritesFileSystem.release();
      // The next action that checkpoints waits for the write in flight (one at a time), and
      // publishes it before its own write begins.
      assertEquals(INPUT.size(), checkpointed(jsc, 4).count());
      assertTrue(rdd.isCheckpointed(), "checkpointed once its files are complete");
      assertTrue(rdd.getCheckpointFile().isPresent());
      assertEquals(1, rdd.rdd().dependencies().size(), "lineage truncated");
      assertTrue(rdd.rdd().dependencies().head().rdd()
          instanceof org.apache.spark.rdd.ReliableCheckpointRDD<?>, "to its checkpoint");
      assertEquals(stock, rdd.collect(), "read from its checkpoint, as stock");
      assertEquals(StorageLevel.MEMORY_ONLY(), rdd.getStorageLevel(), "storage level kept");
    } finally {
      HeldWritesFileSystem.release();
      LocalSpark.stop(sc);
    }
    List<JsonNode> completed = LocalSpark.events(audit, "checkpoint.completed").stream()
        .filter(e -> e.get("rddId").asInt() == heldRdd).collect(Collectors.toList());
    assertEquals(1, completed.size(), completed.toString());
    assertTrue(completed.get(0).get("background").asBoolean(), completed.toString());
    assertEquals(4, completed.get(0).get("partitionsFromCache").asInt(), completed.toString());
    assertEquals(1, LocalSpark.events(audit, "checkpoint.truncated").stream()
        .filter(e -> e.get("rddId").asInt() == heldRdd).count());
  }

  /**
   * An RDD the application did not persist (only the plugin's reuse persists it, for the
   * action) is written before its action returns: holding that persist past the action would
   * show a storage level the application never set and fail its {@code persist()} of another.
   */
  @Test
  void anRddTheApplicationDidNotPersistIsWrittenBeforeItsActionReturns() {
    HeldWritesFileSystem.arm();
    Path audit = tmp.resolve("audit.jsonl");
    SparkContext sc = pluginSpark(audit, Map.of());
    try {
      JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(INPUT, 4).map(x -> x + 1);
      rdd.checkpoint();
      assertEquals(INPUT.size(), rdd.count());
      assertTrue(rdd.isCheckpointed(), "written on the action's path, as without the setting");
      assertEquals(StorageLevel.NONE(), rdd.getStorageLevel());
      rdd.persist(StorageLevel.MEMORY_ONLY()); // as in stock Spark: no level was ever shown
    } finally {
      LocalSpark.stop(sc);
    }
    List<JsonNode> completed = LocalSpark.events(audit, "checkpoint.completed");
    assertEquals(1, completed.size());
    assertFalse(completed.get(0).get("background").asBoolean());
    assertEquals(4, completed.get(0).get("partitionsFromCache").asInt(), "read from reuse");
  }

  /**
   * {@code take(1)} stores only the partitions it computed: the others would be computed after
   * the action returned, so the checkpoint is written before it returns, as in stock Spark.
   */
  @Test
  void aPartialActionsCheckpointIsWrittenBeforeItReturns() {
    HeldWritesFileSystem.arm();
    Path audit = tmp.resolve("audit.jsonl");
    SparkContext sc = pluginSpark(audit, Map.of());
    try {
      JavaRDD<Integer> rdd = checkpointed(new JavaSparkContext(sc), 5);
      assertEquals(List.of(0), rdd.take(1));
      assertTrue(rdd.isCheckpointed(), "written on the action's path, as in stock Spark");
      assertEquals(StorageLevel.MEMORY_ONLY(), rdd.getStorageLevel());
    } finally {
      LocalSpark.stop(sc);
    }
    List<JsonNode> completed = LocalSpark.events(audit, "checkpoint.completed");
    assertEquals(1, completed.size());
    assertFalse(completed.get(0).get("background").asBoolean());
  }

  /**
   * The RDD's blocks go before its background write reads them, unpersisted by the application
   * or evicted (removed from the block manager, the level kept): the write fails rather than
   * write records computed again, and the RDD's next action writes it, with stock Spark's
   * values. With task retries, a retry finds the block its failed attempt computed and stored,
   * and must fail too; under {@code ancestors.policy=nearest} the next action still reaches the
   * RDD, though Spark's checkpoint step walked past it after the first.
   */
  @ParameterizedTest(name = "{0}, ancestors.policy={1}, blocks {2}")
  @CsvSource({"local[2], marked, unpersisted", "'local[2,3]', nearest, evicted"})
  void aWriteWhoseBlocksAreGoneFailsAndTheNextActionWritesTheRdd(String master, String policy,
      String blocks) throws Exception {
    HeldWritesFileSystem.arm();
    HeldWritesFileSystem.holdDirectoryCreation = true;
    Path audit = tmp.resolve("audit.jsonl");
    SparkContext sc = pluginSpark(audit, Map.of("spark.master", master,
        "spark.checkpointplus.ancestors.policy", policy));
    int rddId;
    List<Integer> expected = INPUT.stream().map(x -> x * 3).collect(Collectors.toList());
    try {
      JavaSparkContext jsc = new JavaSparkContext(sc);
      assertEquals(INPUT.size(), checkpointed(jsc, 2).count()); // its write is the one not held
      JavaRDD<Integer> rdd = checkpointed(jsc, 3);
      rddId = rdd.id();
      assertEquals(INPUT.size(), rdd.count());
      assertTrue(HeldWritesFileSystem.holding.await(120, TimeUnit.SECONDS),
          "the write is held before its job reads a block");
      if (blocks.equals("unpersisted")) {
        rdd.unpersist(true);
      } else {
        org.apache.spark.SparkEnv.get().blockManager().master().removeRdd(rddId, true);
      }
      HeldWritesFileSystem.release();
      assertEquals(INPUT.size(), checkpointed(jsc, 4).count()); // waits for the failed write
      assertFalse(rdd.isCheckpointed(), "the failed write left the RDD marked, not checkpointed");
      assertEquals(expected, rdd.collect(), "its next action answers as stock");
      assertEquals(INPUT.size(), checkpointed(jsc, 5).count()); // waits for a write in flight
      assertTrue(rdd.isCheckpointed(), "and writes it");
      assertEquals(blocks.equals("unpersisted") ? StorageLevel.NONE() : StorageLevel.MEMORY_ONLY(),
          rdd.getStorageLevel());
      assertEquals(expected, rdd.collect());
    } finally {
      HeldWritesFileSystem.release();
      LocalSpark.stop(sc);
    }
    List<JsonNode> failed = LocalSpark.events(audit, "checkpoint.failed").stream()
        .filter(e -> e.get("rddId").asInt() == rddId).collect(Collectors.toList());
    assertEquals(1, failed.size(), failed.toString());
    assertTrue(failed.get(0).get("background").asBoolean());
    assertTrue(failed.get(0).get("cause").asText().contains("no longer in the block manager"),
        failed.toString());
    List<JsonNode> completed = LocalSpark.events(audit, "checkpoint.completed").stream()
        .filter(e -> e.get("rddId").asInt() == rddId).collect(Collectors.toList());
    assertEquals(1, completed.size(), completed.toString());
  }
}
