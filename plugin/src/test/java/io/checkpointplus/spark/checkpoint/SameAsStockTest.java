package io.checkpointplus.spark.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Where stock Spark is deterministic, the plugin is too, identically: the checkpoint job creates
 * no RDD stock Spark would not create (RDD ids feed {@code RangePartitioner}'s sampling seed),
 * the checkpoint directory is the one fixed when {@code checkpoint()} was called, and records
 * of an iterator that reuses one mutable object are written as they were produced.
 */
class SameAsStockTest extends WithLocalSpark {

  /** What a program observed: RDD ids relative to the first, then partition contents. */
  private record Observed(List<Integer> relativeIds, List<List<Integer>> partitions) {
  }

  private Observed run(SparkContext context, Function<JavaSparkContext, List<JavaRDD<Integer>>>
      program) {
    sc = context;
    sc.setCheckpointDir(tmp.resolve("cp-" + System.nanoTime()).toString());
    List<JavaRDD<Integer>> rdds = program.apply(new JavaSparkContext(sc));
    int first = rdds.get(0).id();
    List<Integer> ids = rdds.stream().map(r -> r.id() - first).collect(Collectors.toList());
    List<List<Integer>> partitions = rdds.get(rdds.size() - 1).glom().collect();
    LocalSpark.stop(sc);
    sc = null;
    return new Observed(ids, partitions);
  }

  private static List<JavaRDD<Integer>> sortAfterCheckpoint(JavaSparkContext jsc) {
    JavaRDD<Integer> source = jsc.parallelize(
        IntStream.range(0, 2000).boxed().collect(Collectors.toList()), 4).map(x -> x * 7919 % 2003);
    source.checkpoint();
    source.count();
    JavaRDD<Integer> other = source.map(x -> x + 1);
    other.checkpoint();
    other.count();
    JavaRDD<Integer> sorted = other.sortBy(x -> x, true, 4);
    return List.of(source, other, sorted);
  }

  @Test
  void nearestPolicyCreatesTheSameRddsAndPartitionsAsStock() {
    Observed stock = run(LocalSpark.stock(Map.of()), SameAsStockTest::sortAfterCheckpoint);
    Observed plugin = run(LocalSpark.withPlugin(audit(), Map.of(
        "spark.checkpointplus.ancestors.policy", "nearest")),
        SameAsStockTest::sortAfterCheckpoint);

    assertEquals(stock.relativeIds(), plugin.relativeIds());
    assertEquals(stock.partitions(), plugin.partitions());
  }

  @Test
  void checkpointGoesToTheDirectorySetWhenItWasMarked() {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    sc.setCheckpointDir(tmp.resolve("first").toString());
    JavaRDD<Integer> r = new JavaSparkContext(sc).parallelize(List.of(1, 2, 3), 1);
    r.checkpoint();
    sc.setCheckpointDir(tmp.resolve("second").toString());
    r.count();

    assertTrue(r.getCheckpointFile().get().contains("/first/"), r.getCheckpointFile().get());
  }

  /** An object a mapPartitions function reuses for every record, as Hadoop Writables are. */
  static final class Box implements Serializable {
    private static final long serialVersionUID = 1L;
    int value;
  }

  private static Iterator<Box> reusingOneBox(Iterator<Integer> values) {
    Box box = new Box();
    return new Iterator<Box>() {
      @Override
      public boolean hasNext() {
        return values.hasNext();
      }

      @Override
      public Box next() {
        box.value = values.next();
        return box;
      }
    };
  }

  /** What a checkpoint of records produced by {@link #reusingOneBox} reads back as. */
  private List<Integer> checkpointOfReusedRecords(SparkContext context) {
    sc = context;
    sc.setCheckpointDir(tmp.resolve("cp-" + System.nanoTime()).toString());
    JavaRDD<Box> reused = new JavaSparkContext(sc)
        .parallelize(IntStream.range(0, 100).boxed().collect(Collectors.toList()), 2)
        .mapPartitions(SameAsStockTest::reusingOneBox);
    reused.checkpoint();
    assertEquals(100, reused.count());
    assertTrue(reused.isCheckpointed());
    List<Integer> read = new ArrayList<>(reused.map(b -> b.value).collect());
    LocalSpark.stop(sc);
    sc = null;
    return read;
  }

  /**
   * Stock Spark serializes each record as the iterator produces it (Java serialization then
   * writes back-references to the one object; Kryo writes each value); a deserialized cache
   * would hold the last value repeated instead.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"org.apache.spark.serializer.JavaSerializer",
      "org.apache.spark.serializer.KryoSerializer"})
  void recordsOfAnIteratorThatReusesOneObjectAreCheckpointedAsStockWritesThem(String serializer) {
    Map<String, String> conf = Map.of("spark.serializer", serializer);
    List<Integer> stock = checkpointOfReusedRecords(LocalSpark.stock(conf));
    List<Integer> plugin = checkpointOfReusedRecords(LocalSpark.withPlugin(audit(), conf));

    assertEquals(stock, plugin);
  }
}
