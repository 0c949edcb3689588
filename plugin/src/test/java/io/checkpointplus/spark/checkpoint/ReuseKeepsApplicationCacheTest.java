package io.checkpointplus.spark.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

/**
 * The plugin's persist for reuse never takes the application's cached blocks out of memory:
 * Spark's memory store makes room for a new block by evicting blocks of other RDDs, so a reuse
 * persist that stored its blocks in memory would push out what the application cached.
 */
class ReuseKeepsApplicationCacheTest extends WithLocalSpark {
  /** About 16 MB of storage memory on {@code local[2]}: 32 MiB times a memory fraction of 0.5. */
  private static final Map<String, String> SMALL_MEMORY = Map.of(
      "spark.testing.memory", String.valueOf(32L * 1024 * 1024),
      "spark.testing.reservedMemory", "0",
      "spark.memory.fraction", "0.5");
  private static final int PARTITIONS = 4;
  /** One record of this many random bytes a partition: 4 cached take 10 of the 16 MB. */
  private static final int RECORD_BYTES = 2_500_000;

  private static JavaRDD<byte[]> randomRecords(JavaSparkContext jsc, int seed) {
    return jsc.parallelize(List.of(0, 1, 2, 3), PARTITIONS).map(i -> {
      byte[] record = new byte[RECORD_BYTES];
      new Random(seed * 10L + i).nextBytes(record);
      return record;
    });
  }

  private static int cachedPartitions(SparkContext sc, JavaRDD<?> rdd) {
    return Arrays.stream(sc.getRDDStorageInfo()).filter(info -> info.id() == rdd.id())
        .mapToInt(RDDInfo::numCachedPartitions).sum();
  }

  /** The application's 4 cached partitions, then {@code marked.checkpoint(); marked.count()}. */
  private JavaRDD<byte[]> cacheThenCheckpointAnother(SparkContext context) {
    sc = context;
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaSparkContext jsc = new JavaSparkContext(sc);
    JavaRDD<byte[]> cached = randomRecords(jsc, 1).persist(StorageLevel.MEMORY_ONLY());
    assertEquals(PARTITIONS, cached.count());
    assertEquals(PARTITIONS, cachedPartitions(sc, cached), "the application's cache fits");

    JavaRDD<byte[]> marked = randomRecords(jsc, 2);
    marked.checkpoint();
    assertEquals(PARTITIONS, marked.count());
    return cached;
  }

  @Test
  void stockSparkKeepsEveryCachedPartition() {
    JavaRDD<byte[]> cached = cacheThenCheckpointAnother(LocalSpark.stock(SMALL_MEMORY));
    assertEquals(PARTITIONS, cachedPartitions(sc, cached));
  }

  @Test
  void theReusePersistEvictsNoPartitionTheApplicationCached() {
    JavaRDD<byte[]> cached = cacheThenCheckpointAnother(LocalSpark.withPlugin(audit(),
        SMALL_MEMORY));

    assertEquals(PARTITIONS, cachedPartitions(sc, cached), "cached partitions after the"
        + " checkpoint, of " + PARTITIONS);
    assertEquals(Set.of(cached.id()), JavaConverters.setAsJavaSetConverter(
        sc.getPersistentRDDs().keySet()).asJava(),
        "the reuse persist is gone once the checkpoint is written");
    List<JsonNode> completed = LocalSpark.events(audit(), "checkpoint.completed");
    assertEquals(1, completed.size());
    assertEquals(PARTITIONS, completed.get(0).get("partitionsFromCache").asInt(),
        "the checkpoint still reads what the action computed");
  }
}
