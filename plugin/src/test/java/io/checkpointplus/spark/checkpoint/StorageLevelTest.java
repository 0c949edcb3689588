package io.checkpointplus.spark.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;

/**
 * The plugin's persist for reuse never shows to the application: after every action each RDD
 * has the storage level stock Spark would show, whatever the action and its outcome, and a level
 * the application set is never removed.
 */
class StorageLevelTest extends WithLocalSpark {

  private JavaSparkContext start(Map<String, String> settings) {
    sc = LocalSpark.withPlugin(audit(), settings);
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    return new JavaSparkContext(sc);
  }

  private static JavaRDD<Integer> marked(JavaSparkContext jsc) {
    JavaRDD<Integer> r = jsc.parallelize(
        IntStream.range(0, 100).boxed().collect(Collectors.toList()), 4).map(x -> x + 1);
    r.checkpoint();
    return r;
  }

  private void assertNothingPersisted() {
    assertTrue(sc.getPersistentRDDs().isEmpty(), () -> "persisted: " + sc.getPersistentRDDs());
  }

  @Test
  void asynchronousActionLeavesNoStorageLevel() throws Exception {
    JavaRDD<Integer> r = marked(start(Map.of()));
    assertEquals(100L, r.countAsync().get());

    assertEquals(StorageLevel.NONE(), r.getStorageLevel());
    r.persist(StorageLevel.MEMORY_ONLY());
    assertEquals(StorageLevel.MEMORY_ONLY(), r.getStorageLevel());
  }

  @Test
  void approximateActionLeavesNoStorageLevel() {
    JavaRDD<Integer> r = marked(start(Map.of()));
    r.countApprox(60_000).getFinalValue();

    assertEquals(StorageLevel.NONE(), r.getStorageLevel());
    assertNothingPersisted();
  }

  @Test
  void partialActionLeavesNoStorageLevel() {
    JavaRDD<Integer> r = marked(start(Map.of()));
    assertEquals(List.of(1, 2, 3), r.take(3));

    assertTrue(r.isCheckpointed(), "Spark checkpoints after take() too");
    assertEquals(StorageLevel.NONE(), r.getStorageLevel());
    assertNothingPersisted();
  }

  @Test
  void failedJobReleasesThePluginsPersist() {
    JavaSparkContext jsc = start(Map.of());
    JavaRDD<Integer> r = jsc.parallelize(List.of(1, 2, 0, 4), 2).map(x -> 10 / x);
    r.checkpoint();

    assertThrows(SparkException.class, r::count);
    assertEquals(StorageLevel.NONE(), r.getStorageLevel());
    assertNothingPersisted();
    r.persist(StorageLevel.DISK_ONLY());
  }

  @Test
  void skippedAncestorUnderDryRunIsNotPersisted() {
    JavaSparkContext jsc = start(Map.of("spark.checkpointplus.ancestors.dryRun", "true"));
    JavaRDD<Integer> parent = marked(jsc);
    JavaRDD<Integer> child = parent.map(x -> x * 2);
    child.checkpoint();
    child.count();

    assertFalse(parent.isCheckpointed());
    assertEquals(StorageLevel.NONE(), parent.getStorageLevel());
    assertNothingPersisted();
  }

  private static final java.util.concurrent.CountDownLatch TASK_RUNNING =
      new java.util.concurrent.CountDownLatch(1);
  private static final java.util.concurrent.CountDownLatch APP_PERSISTED =
      new java.util.concurrent.CountDownLatch(1);

  @Test
  void applicationsOwnLevelEqualToThePluginsIsKept() throws Exception {
    JavaSparkContext jsc = start(Map.of());
    StorageLevel level = StorageLevel.fromString(
        io.checkpointplus.spark.config.CheckpointPlusConfig.REUSE_STORAGE_LEVEL.defaultText());
    JavaRDD<Integer> r = jsc.parallelize(List.of(1, 2, 3, 4), 1).map(x -> {
      TASK_RUNNING.countDown();
      APP_PERSISTED.await();
      return x;
    });
    r.checkpoint();
    java.util.concurrent.CompletableFuture<Long> count =
        java.util.concurrent.CompletableFuture.supplyAsync(r::count);
    TASK_RUNNING.await();
    // While the job runs with the plugin's level in place, the application asks for the same.
    r.persist(level);
    APP_PERSISTED.countDown();

    assertEquals(4L, count.get());
    assertTrue(r.isCheckpointed());
    assertEquals(level, r.getStorageLevel(), "the application's persist stays");
    assertEquals(1, sc.getPersistentRDDs().size());
  }
}
