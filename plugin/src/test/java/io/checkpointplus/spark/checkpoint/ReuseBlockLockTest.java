package io.checkpointplus.spark.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import io.checkpointplus.spark.files.CommitMode;
import java.io.File;
import java.io.Serializable;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.junit.jupiter.api.Test;
import scala.collection.Iterator;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;

/**
 * The block locks the reuse path takes are the task's to give back: an action that stops
 * reading a reused partition early (take) leaves no lock behind, and a block whose data is gone
 * while the checkpoint task holds its lock makes the write fall back, never wait for that lock.
 */
class ReuseBlockLockTest extends WithLocalSpark {
  private static final List<Integer> INPUT =
      IntStream.range(0, 1000).boxed().collect(Collectors.toList());
  /** Spark's own check that a task ends holding no block lock (a testing setting). */
  private static final Map<String, String> PIN_LEAK_CHECK =
      Map.of("spark.storage.exceptionOnPinLeak", "true");

  private List<Integer> takeOneOfMarked(SparkContext context) {
    sc = context;
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(INPUT, 4).map(x -> x * 3);
    rdd.checkpoint();
    List<Integer> first = rdd.take(1);
    assertTrue(rdd.isCheckpointed());
    return first;
  }

  @Test
  void stockSparkTakesOneRecordOfAMarkedRddUnderThePinLeakCheck() {
    assertEquals(List.of(0), takeOneOfMarked(LocalSpark.stock(PIN_LEAK_CHECK)));
  }

  @Test
  void takeOfAMarkedRddLeavesNoBlockLockedUnderThePinLeakCheck() {
    assertEquals(List.of(0), takeOneOfMarked(LocalSpark.withPlugin(audit(), PIN_LEAK_CHECK)));
    assertEquals(1, LocalSpark.events(audit(), "checkpoint.completed").get(0)
        .get("partitionsFromCache").asInt(), "partition 0 is still read from the reuse persist");
  }

  /** The lock {@code take(1)} leaves on a partition the application itself persisted. */
  private void takeOneOfPersistedMarked(SparkContext context) {
    sc = context;
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(INPUT, 4).map(x -> x * 3)
        .persist(StorageLevel.MEMORY_ONLY_SER());
    rdd.checkpoint();
    rdd.take(1);
  }

  @Test
  void aLockOnTheApplicationsOwnCacheIsLeftToSparksCheckAsInStock() {
    SparkException stock = assertThrows(SparkException.class,
        () -> takeOneOfPersistedMarked(LocalSpark.stock(PIN_LEAK_CHECK)));
    LocalSpark.stop(sc);
    SparkException plugin = assertThrows(SparkException.class,
        () -> takeOneOfPersistedMarked(LocalSpark.withPlugin(audit(), PIN_LEAK_CHECK)));
    for (SparkException e : List.of(stock, plugin)) {
      assertTrue(e.getMessage().contains("block locks were not released"), e.getMessage());
    }
  }

  @Test
  void aDiskBlockGoneUnderTheCheckpointTaskFallsBackToSerializingItsRecords() throws Exception {
    sc = LocalSpark.stock(Map.of());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(INPUT, 2).map(x -> x * 3)
        .persist(StorageLevel.DISK_ONLY());
    assertEquals(INPUT.size(), rdd.count());
    java.nio.file.Path cp = Files.createDirectories(tmp.resolve("cp").resolve("rdd-" + rdd.id()));
    String dir = cp.toUri().toString();
    PartitionWriteTask<Integer> write = new PartitionWriteTask<>(dir, sc.broadcast(
        new SerializableConfiguration(sc.hadoopConfiguration()),
        ClassTag$.MODULE$.apply(SerializableConfiguration.class)), CommitMode.RENAME,
        rdd.rdd().elementClassTag(), rdd.id(), true, false, Integer.MAX_VALUE);

    byte[][] results = assertTimeoutPreemptively(Duration.ofSeconds(120), () ->
        (byte[][]) sc.runJob(rdd.rdd(), new DeleteBlockFileThenWrite<>(rdd.id(), write),
            ClassTag$.MODULE$.apply(byte[].class)));

    for (byte[] encoded : results) {
      assertEquals(WritePath.SERIALIZED, PartitionWriteResult.fromBytes(encoded).writePath());
    }
    ClassTag<Integer> tag = ClassTag$.MODULE$.apply(Integer.class);
    assertEquals(INPUT.stream().map(x -> x * 3).collect(Collectors.toList()),
        sc.checkpointFile(dir, tag).toJavaRDD().collect());
  }

  /**
   * Deletes the partition's block file after the task has opened the block (it holds the
   * block's read lock through {@code records}), then writes the partition's checkpoint file.
   */
  static final class DeleteBlockFileThenWrite<T>
      extends AbstractFunction2<TaskContext, Iterator<T>, byte[]> implements Serializable {
    private final int rddId;
    private final PartitionWriteTask<T> write;

    DeleteBlockFileThenWrite(int rddId, PartitionWriteTask<T> write) {
      this.rddId = rddId;
      this.write = write;
    }

    @Override
    public byte[] apply(TaskContext context, Iterator<T> records) {
      File block = SparkEnv.get().blockManager().diskBlockManager()
          .getFile(new RDDBlockId(rddId, context.partitionId()));
      if (!block.delete()) {
        throw new IllegalStateException("no block file " + block);
      }
      return write.apply(context, records);
    }
  }
}
