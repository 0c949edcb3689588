package io.checkpointplus.spark.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.ReliableRDDCheckpointData;
import org.junit.jupiter.api.Test;
import scala.Tuple2;
import scala.reflect.ClassTag$;

/**
 * The plugin's checkpoint is Spark's checkpoint: same files, same truncation, readable by stock
 * Spark and the reverse, with every write recorded.
 */
class PluginCheckpointTest extends WithLocalSpark {

  private static List<Integer> numbers(int n) {
    return IntStream.range(0, n).boxed().collect(Collectors.toList());
  }

  @Test
  void pluginWritesSparksLayoutAndTruncatesLineage() throws Exception {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaRDD<Integer> doubled = new JavaSparkContext(sc).parallelize(numbers(1000), 4)
        .map(x -> x * 2);
    doubled.checkpoint();

    assertEquals(1000, doubled.count());

    RDD<Integer> rdd = doubled.rdd();
    assertInstanceOf(PluginCheckpointData.class, rdd.checkpointData().get());
    assertTrue(rdd.isCheckpointed());
    assertEquals(1, rdd.dependencies().size());
    assertEquals("ReliableCheckpointRDD", rdd.dependencies().head().rdd().getClass()
        .getSimpleName());
    Path dir = Path.of(new java.net.URI(rdd.getCheckpointFile().get()));
    try (var files = Files.list(dir)) {
      List<String> names = files.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith(".")).sorted().collect(Collectors.toList());
      assertEquals(List.of("_checkpoint-manifest.json", "part-00000", "part-00001", "part-00002",
          "part-00003"), names);
    }

    List<JsonNode> completed = LocalSpark.events(audit(), "checkpoint.completed");
    assertEquals(1, completed.size());
    JsonNode event = completed.get(0);
    assertEquals(rdd.id(), event.get("rddId").asInt());
    assertEquals(4, event.get("partitions").asInt());
    CheckpointRecords.assertTotal(sc, event, 1000);
    try (var parts = Files.list(dir)) {
      long partBytes = parts.filter(p -> p.getFileName().toString().startsWith("part-"))
          .mapToLong(p -> p.toFile().length()).sum();
      assertEquals(partBytes, event.get("bytes").asLong());
    }
    assertEquals(rdd.getCheckpointFile().get(), event.get("dir").asText());
    assertEquals(1, LocalSpark.events(audit(), "checkpoint.started").size());
    assertEquals("installed",
        LocalSpark.events(audit(), "hook.status").get(0).get("status").asText());

    String path = rdd.getCheckpointFile().get();
    sc.stop();
    sc = LocalSpark.stock(Map.of());
    List<Integer> readByStock = new ArrayList<>(
        new JavaRDD<>(sc.<Integer>checkpointFile(path, ClassTag$.MODULE$.apply(Integer.class)),
            ClassTag$.MODULE$.apply(Integer.class)).collect());
    Collections.sort(readByStock);
    assertEquals(numbers(1000).stream().map(x -> x * 2).collect(Collectors.toList()),
        readByStock);
  }

  @Test
  void checkpointWrittenByStockSparkIsReadWithThePlugin() {
    sc = LocalSpark.stock(Map.of());
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(numbers(500), 3).map(x -> x + 1);
    rdd.checkpoint();
    rdd.count();
    assertEquals(ReliableRDDCheckpointData.class, rdd.rdd().checkpointData().get().getClass());
    String path = rdd.getCheckpointFile().get();
    sc.stop();

    sc = LocalSpark.withPlugin(audit(), Map.of());
    List<Integer> read = new ArrayList<>(new JavaRDD<>(sc.<Integer>checkpointFile(path,
        ClassTag$.MODULE$.apply(Integer.class)), ClassTag$.MODULE$.apply(Integer.class))
        .collect());
    Collections.sort(read);
    assertEquals(numbers(500).stream().map(x -> x + 1).collect(Collectors.toList()), read);
  }

  @Test
  void partitionerIsKeptAndCompressedFilesAreReadByStockSpark() {
    Map<String, String> compress = Map.of("spark.checkpoint.compress", "true");
    sc = LocalSpark.withPlugin(audit(), compress);
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaPairRDD<Integer, Integer> sums = new JavaSparkContext(sc).parallelize(numbers(300), 4)
        .mapToPair(x -> new Tuple2<>(x % 7, x))
        .reduceByKey(new HashPartitioner(3), Integer::sum);
    sums.checkpoint();
    Map<Integer, Integer> expected = sums.collectAsMap();
    assertTrue(sums.rdd().isCheckpointed());
    assertEquals(new HashPartitioner(3), sums.rdd().partitioner().get());
    String path = sums.rdd().getCheckpointFile().get();
    assertTrue(Files.exists(Path.of(java.net.URI.create(path)).resolve("_partitioner")));
    sc.stop();

    sc = LocalSpark.stock(compress);
    RDD<Tuple2<Integer, Integer>> read = sc.checkpointFile(path, ClassTag$.MODULE$.apply(
        Tuple2.class));
    assertEquals(new HashPartitioner(3), read.partitioner().get());
    assertEquals(expected, new JavaPairRDD<Integer, Integer>(read,
        ClassTag$.MODULE$.apply(Integer.class), ClassTag$.MODULE$.apply(Integer.class))
        .collectAsMap());
  }

  @Test
  void defaultDirectoryIsUsedWhenTheApplicationSetsNone() {
    Path dir = tmp.resolve("default-cp");
    sc = LocalSpark.withPlugin(audit(), Map.of("spark.checkpointplus.dir", dir.toString()));
    assertTrue(sc.getCheckpointDir().isDefined());
    assertTrue(sc.getCheckpointDir().get().startsWith(dir.toUri().toString().replaceAll("/$", ""))
        || sc.getCheckpointDir().get().contains(dir.toString()), sc.getCheckpointDir().get());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(numbers(10), 2);
    rdd.checkpoint();
    rdd.count();
    assertTrue(rdd.isCheckpointed());
  }

  @Test
  void failedCheckpointIsRecordedAndSurfacesAsInStockSpark() throws Exception {
    sc = LocalSpark.withPlugin(audit(), Map.of());
    Path cp = tmp.resolve("cp");
    sc.setCheckpointDir(cp.toString());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(numbers(10), 2).map(x -> x);
    rdd.checkpoint();
    // Make the rdd-N directory impossible to create: a plain file sits where it should go.
    Path rddDir = Path.of(java.net.URI.create(sc.getCheckpointDir().get()))
        .resolve("rdd-" + rdd.id());
    Files.writeString(rddDir, "in the way");
    Exception failure = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        rdd::count);
    assertTrue(String.valueOf(failure.getMessage()).contains("rdd-" + rdd.id()),
        failure.toString());
    assertFalse(rdd.isCheckpointed());
    JsonNode failed = LocalSpark.events(audit(), "checkpoint.failed").get(0);
    assertEquals(rdd.id(), failed.get("rddId").asInt());
    assertTrue(failed.get("cause").asText().contains("rdd-" + rdd.id()));
  }
}
