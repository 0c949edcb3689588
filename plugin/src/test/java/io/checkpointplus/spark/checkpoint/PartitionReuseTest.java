package io.checkpointplus.spark.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/** A checkpoint reads what the job computed instead of computing the RDD again (SPARK-8582). */
class PartitionReuseTest extends WithLocalSpark {
  private static final int RECORDS = 20_000;


  /** An RDD whose every computed record increments {@code computed}. */
  private JavaRDD<Integer> counted(LongAccumulator computed, int partitions) {
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    List<Integer> input = IntStream.range(0, RECORDS).boxed().collect(Collectors.toList());
    return new JavaSparkContext(sc).parallelize(input, partitions).map(x -> {
      computed.add(1);
      return x * 3;
    });
  }

  private JsonNode completedEvent() {
    List<JsonNode> completed = LocalSpark.events(audit(), "checkpoint.completed");
    assertEquals(1, completed.size());
    return completed.get(0);
  }

  @Test
  void stockSparkComputesACheckpointedRddTwice() {
    sc = LocalSpark.stock(Map.of());
    LongAccumulator computed = sc.longAccumulator();
    JavaRDD<Integer> rdd = counted(computed, 4);
    rdd.checkpoint();
    assertEquals(RECORDS, rdd.count());
    assertEquals(2L * RECORDS, computed.value());
  }

  @Test
  void withThePluginEveryRecordIsComputedOnce() {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    LongAccumulator computed = sc.longAccumulator();
    JavaRDD<Integer> rdd = counted(computed, 4);
    rdd.checkpoint();
    assertEquals(RECORDS, rdd.count());

    assertEquals(RECORDS, computed.value());
    JsonNode event = completedEvent();
    assertEquals(4, event.get("partitionsFromCache").asInt());
    assertEquals(0, event.get("partitionsRecomputed").asInt());
    assertEquals(StorageLevel.NONE(), rdd.getStorageLevel(), "unpersisted after the checkpoint");
    assertEquals(RECORDS, rdd.count(), "later actions read the checkpoint");
    assertEquals(RECORDS, computed.value());
  }

  @Test
  void reuseCanBeSwitchedOff() {
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.checkpointplus.reuse.enabled", "false"));
    LongAccumulator computed = sc.longAccumulator();
    JavaRDD<Integer> rdd = counted(computed, 4);
    rdd.checkpoint();
    rdd.count();
    assertEquals(2L * RECORDS, computed.value());
    assertEquals(4, completedEvent().get("partitionsRecomputed").asInt());
  }

  @Test
  void keepsThePluginsCacheWhenAskedTo() {
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.checkpointplus.reuse.unpersistAfter",
        "false", "spark.checkpointplus.reuse.storageLevel", "MEMORY_ONLY_SER"));
    LongAccumulator computed = sc.longAccumulator();
    JavaRDD<Integer> rdd = counted(computed, 4);
    rdd.checkpoint();
    rdd.count();
    assertEquals(StorageLevel.MEMORY_ONLY_SER(), rdd.getStorageLevel());
    assertEquals(RECORDS, computed.value());
  }

  @Test
  void afterTakeOnlyTheUncomputedPartitionsAreComputedForTheCheckpoint() {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    LongAccumulator computed = sc.longAccumulator();
    JavaRDD<Integer> rdd = counted(computed, 4);
    rdd.checkpoint();
    rdd.take(1); // computes partition 0 only

    assertEquals(RECORDS, computed.value());
    JsonNode event = completedEvent();
    assertEquals(1, event.get("partitionsFromCache").asInt());
    assertEquals(3, event.get("partitionsRecomputed").asInt());
    CheckpointRecords.assertTotal(sc, event, RECORDS);
  }

  @Test
  void anEvictedBlockIsRecomputedAndTheCheckpointIsStillComplete() {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    LongAccumulator computed = sc.longAccumulator();
    JavaRDD<Integer> rdd = counted(computed, 4);
    rdd.checkpoint();
    int rddId = rdd.id();
    // The action's result handler runs on the driver as each task ends; evicting partition 2's
    // block there means the checkpoint, which runs right after the job, finds it missing.
    sc.runJob(rdd.rdd(), new CountRecords<>(),
        JavaConverters.asScalaBufferConverter(List.<Object>of(0, 1, 2, 3)).asScala().toSeq(),
        new EvictOnResult(rddId, 2), ClassTag$.MODULE$.apply(Long.class));

    assertEquals(RECORDS + RECORDS / 4, computed.value());
    JsonNode event = completedEvent();
    assertEquals(3, event.get("partitionsFromCache").asInt());
    assertEquals(1, event.get("partitionsRecomputed").asInt());
    CheckpointRecords.assertTotal(sc, event, RECORDS);
    assertTrue(rdd.isCheckpointed());
    assertEquals(IntStream.range(0, RECORDS).map(x -> x * 3).sum(),
        rdd.collect().stream().mapToInt(Integer::intValue).sum());
  }

  @Test
  void aLevelChosenByTheUserIsKept() {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    LongAccumulator computed = sc.longAccumulator();
    JavaRDD<Integer> rdd = counted(computed, 4).persist(StorageLevel.MEMORY_ONLY_SER());
    rdd.checkpoint();
    rdd.count();
    assertEquals(StorageLevel.MEMORY_ONLY_SER(), rdd.getStorageLevel());
    assertEquals(RECORDS, computed.value());
    assertEquals(4, completedEvent().get("partitionsFromCache").asInt());
  }

  @Test
  void persistingAfterCheckpointIsStillAllowed() {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    LongAccumulator computed = sc.longAccumulator();
    JavaRDD<Integer> rdd = counted(computed, 4);
    rdd.checkpoint();
    rdd.persist(StorageLevel.DISK_ONLY());
    rdd.count();
    assertEquals(StorageLevel.DISK_ONLY(), rdd.getStorageLevel());
    assertEquals(RECORDS, computed.value());
  }

  /** Counts a partition's records. */
  static final class CountRecords<T> extends AbstractFunction2<TaskContext, Iterator<T>, Long>
      implements Serializable {
    @Override
    public Long apply(TaskContext context, Iterator<T> records) {
      return (long) records.size();
    }
  }

  /** Removes one cached block from the block manager when the job reports that partition. */
  static final class EvictOnResult extends AbstractFunction2<Object, Long, BoxedUnit>
      implements Serializable {
    private final int rddId;
    private final int partition;

    EvictOnResult(int rddId, int partition) {
      this.rddId = rddId;
      this.partition = partition;
    }

    @Override
    public BoxedUnit apply(Object index, Long count) {
      if ((Integer) index == partition) {
        SparkEnv.get().blockManager().removeBlock(new RDDBlockId(rddId, partition), true);
      }
      return BoxedUnit.UNIT;
    }
  }
}
