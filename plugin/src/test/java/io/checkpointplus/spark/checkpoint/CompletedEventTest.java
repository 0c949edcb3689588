package io.checkpointplus.spark.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.WithLocalSpark;
import io.checkpointplus.spark.files.FaultyFileSystem;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * Every {@code checkpoint.started} is closed by a {@code checkpoint.completed} or
 * {@code checkpoint.failed}: readers (the Checkpoints tab) would otherwise show a checkpoint in
 * progress forever. A checkpoint whose files are committed is complete even if what the plugin
 * adds afterwards, the manifest, cannot be written (here a file system that refuses it); the
 * event says so.
 */
class CompletedEventTest extends WithLocalSpark {

  @Test
  void aCheckpointWhoseManifestCannotBeWrittenIsRecordedCompleteWithoutManifest()
      throws Exception {
    sc = LocalSpark.withPlugin(audit(), Map.of(
        "spark.hadoop.fs.faulty.impl", FaultyFileSystem.class.getName(),
        "spark.hadoop.fs.faulty.impl.disable.cache", "true",
        "spark.hadoop.fs.faulty.failManifestWrites", "true"));
    sc.setCheckpointDir("faulty://" + tmp.resolve("cp"));
    List<Integer> numbers = IntStream.range(0, 100).boxed().collect(Collectors.toList());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(numbers, 2).map(x -> x * 3);
    rdd.checkpoint();

    assertEquals(100, rdd.count());
    assertTrue(rdd.isCheckpointed());
    assertEquals(numbers.stream().map(x -> x * 3).collect(Collectors.toList()), rdd.collect());

    List<JsonNode> completed = LocalSpark.events(audit(), "checkpoint.completed");
    assertEquals(1, completed.size(), "the started checkpoint is closed: " + completed);
    assertEquals(rdd.id(), completed.get(0).get("rddId").asInt());
    assertFalse(completed.get(0).get("manifest").asBoolean(true), completed.get(0).toString());
    assertTrue(LocalSpark.events(audit(), "checkpoint.failed").isEmpty());
  }

  /**
   * Issue 19, "what to build" 6: a checkpoint whose every partition was copied as bytes has no
   * record count; its event says nothing of records rather than a wrong zero.
   */
  @Test
  void aCheckpointWhosePartitionsWereAllCopiedAsBytesReportsNoRecordCount() throws Exception {
    // Java serialization, blocks and checkpoints alike uncompressed: every partition is copied.
    sc = LocalSpark.withPlugin(audit(), Map.of(
        "spark.serializer", "org.apache.spark.serializer.JavaSerializer",
        "spark.checkpoint.compress", "false", "spark.rdd.compress", "false"));
    sc.setCheckpointDir(tmp.resolve("cp").toString());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(
        IntStream.range(0, 100).boxed().collect(Collectors.toList()), 2).map(x -> x + 1);
    rdd.checkpoint();
    assertEquals(100, rdd.count());

    JsonNode completed = LocalSpark.events(audit(), "checkpoint.completed").get(0);
    assertEquals(2, completed.get("partitionsByteCopied").asInt(), completed.toString());
    assertEquals(2, completed.get("partitionsNotCounted").asInt(), completed.toString());
    assertFalse(completed.hasNonNull("records"), completed.toString());
  }
}
