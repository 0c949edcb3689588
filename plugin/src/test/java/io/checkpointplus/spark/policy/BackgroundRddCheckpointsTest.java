package io.checkpointplus.spark.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import java.nio.file.Path;
import java.util.HashMap;
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

/**
 * {@code spark.checkpointplus.rdd.backgroundWrite}: the action on a persisted RDD returns while
 * its checkpoint is still being written (held by the checkpoint directory's file system,
 * {@link HeldWritesFileSystem}, for as long as the test needs), jobs meanwhile use its lineage
 * and answer as stock Spark, and the RDD becomes checkpointed at a job that starts once the
 * files are complete. A write reads the blocks the action stored (the application's persist or
 * the plugin's), never records computed after the action returned.
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
    Map<String, String> settings = new HashMap<>(extra);
    settings.put("spark.checkpointplus.rdd.backgroundWrite", "true");
    settings.put("spark.hadoop.fs." + HeldWritesFileSystem.SCHEME + ".impl",
        HeldWritesFileSystem.class.getName());
    settings.put("spark.hadoop.fs." + HeldWritesFileSystem.SCHEME + ".impl.disable.cache", "true");
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
   * An RDD the application never persisted is persisted by the plugin for its checkpoint
   * (reuse, on by default): the background write reads that persist, which it holds until it
   * is done, and then the RDD has stock Spark's storage level again.
   */
  @Test
  void anRddTheApplicationNeverPersistedIsWrittenFromThePluginsPersist() throws Exception {
    HeldWritesFileSystem.arm();
    Path audit = tmp.resolve("audit.jsonl");
    SparkContext sc = pluginSpark(audit, Map.of());
    int rddId;
    try {
      JavaSparkContext jsc = new JavaSparkContext(sc);
      JavaRDD<Integer> first = jsc.parallelize(INPUT, 4).map(x -> x + 2);
      first.checkpoint();
      assertEquals(INPUT.size(), first.count()); // its write is the one not held
      JavaRDD<Integer> rdd = jsc.parallelize(INPUT, 4).map(x -> x + 1);
      rddId = rdd.id();
      rdd.checkpoint();
      assertEquals(INPUT.size(), rdd.count());
      assertTrue(HeldWritesFileSystem.holding.await(120, TimeUnit.SECONDS));
      assertFalse(rdd.isCheckpointed(), "its write is in the background");
      HeldWritesFileSystem.release();
      assertEquals(INPUT.size(), checkpointed(jsc, 4).count()); // waits for the write
      assertTrue(rdd.isCheckpointed());
      assertEquals(StorageLevel.NONE(), rdd.getStorageLevel(), "the plugin's persist is gone");
      assertEquals(INPUT.stream().map(x -> x + 1).collect(Collectors.toList()), rdd.collect());
    } finally {
      HeldWritesFileSystem.release();
      LocalSpark.stop(sc);
    }
    List<JsonNode> completed = LocalSpark.events(audit, "checkpoint.completed").stream()
        .filter(e -> e.get("rddId").asInt() == rddId).collect(Collectors.toList());
    assertEquals(1, completed.size(), completed.toString());
    assertTrue(completed.get(0).get("background").asBoolean());
    assertEquals(4, completed.get(0).get("partitionsFromCache").asInt(),
        "every partition read from the persist the action filled: " + completed);
  }

  /** Without reuse an RDD that is not persisted would be computed again: written on its path. */
  @Test
  void withoutReuseAnRddThatIsNotPersistedIsWrittenBeforeItsActionReturns() {
    HeldWritesFileSystem.arm();
    Path audit = tmp.resolve("audit.jsonl");
    SparkContext sc = pluginSpark(audit, Map.of("spark.checkpointplus.reuse.enabled", "false"));
    try {
      JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(INPUT, 4).map(x -> x + 1);
      rdd.checkpoint();
      assertEquals(INPUT.size(), rdd.count());
      assertTrue(rdd.isCheckpointed(), "written on the action's path, as without the setting");
      assertEquals(StorageLevel.NONE(), rdd.getStorageLevel());
    } finally {
      LocalSpark.stop(sc);
    }
    List<JsonNode> completed = LocalSpark.events(audit, "checkpoint.completed");
    assertEquals(1, completed.size());
    assertFalse(completed.get(0).get("background").asBoolean());
  }

  /**
   * The application unpersists the RDD before its background write reads it: the write fails
   * rather than write records computed again, and the RDD's next action writes it (then on its
   * path, since it is no longer persisted), with stock Spark's values.
   */
  @Test
  void aWriteWhoseBlocksAreGoneFailsAndTheNextActionWritesTheRdd() throws Exception {
    HeldWritesFileSystem.arm();
    HeldWritesFileSystem.holdDirectoryCreation = true;
    Path audit = tmp.resolve("audit.jsonl");
    SparkContext sc = pluginSpark(audit, Map.of());
    int unpersisted;
    try {
      JavaSparkContext jsc = new JavaSparkContext(sc);
      assertEquals(INPUT.size(), checkpointed(jsc, 2).count()); // its write is the one not held
      JavaRDD<Integer> rdd = checkpointed(jsc, 3);
      unpersisted = rdd.id();
      assertEquals(INPUT.size(), rdd.count());
      assertTrue(HeldWritesFileSystem.holding.await(120, TimeUnit.SECONDS),
          "the write is held before its job reads a block");
      rdd.unpersist(true);
      HeldWritesFileSystem.release();
      assertEquals(INPUT.size(), checkpointed(jsc, 4).count()); // waits for the failed write
      assertFalse(rdd.isCheckpointed(), "the failed write left the RDD marked, not checkpointed");
      assertEquals(INPUT.stream().map(x -> x * 3).collect(Collectors.toList()), rdd.collect(),
          "its next action answers as stock");
      assertTrue(rdd.isCheckpointed(), "and writes it");
      assertEquals(StorageLevel.NONE(), rdd.getStorageLevel());
      assertEquals(INPUT.stream().map(x -> x * 3).collect(Collectors.toList()), rdd.collect());
    } finally {
      HeldWritesFileSystem.release();
      LocalSpark.stop(sc);
    }
    List<JsonNode> failed = LocalSpark.events(audit, "checkpoint.failed").stream()
        .filter(e -> e.get("rddId").asInt() == unpersisted).collect(Collectors.toList());
    assertEquals(1, failed.size(), failed.toString());
    assertTrue(failed.get(0).get("background").asBoolean());
    assertTrue(failed.get(0).get("cause").asText().contains("no longer in the block manager"),
        failed.toString());
    List<JsonNode> completed = LocalSpark.events(audit, "checkpoint.completed").stream()
        .filter(e -> e.get("rddId").asInt() == unpersisted).collect(Collectors.toList());
    assertEquals(1, completed.size(), completed.toString());
    assertFalse(completed.get(0).get("background").asBoolean(), completed.toString());
  }
}
