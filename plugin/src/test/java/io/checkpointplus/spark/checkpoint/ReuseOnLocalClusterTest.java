package io.checkpointplus.spark.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.checkpointplus.spark.LocalSpark;
import io.checkpointplus.spark.config.SparkCheckpointSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reuse across JVMs: on {@code local-cluster[2,1,1024]} the two executors are separate
 * processes, so the checkpoint job reads blocks cached by whichever executor computed them.
 */
class ReuseOnLocalClusterTest {
  private static final int RECORDS = 40_000;

  @TempDir
  static Path tmp;

  private static SparkContext sc;

  @BeforeAll
  static void start() throws Exception {
    // Executors start from SPARK_HOME (set by the build) whose jars/ is empty; the test class
    // path is theirs.
    Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
    SparkConf conf = LocalSpark.clusterConf("local-cluster[2,1,1024]", "reuse-local-cluster")
        .set("spark.plugins", LocalSpark.PLUGIN)
        .set("spark.checkpointplus.audit.path", tmp.resolve("audit.jsonl").toString());
    sc = new SparkContext(conf);
    sc.setCheckpointDir(tmp.resolve("cp").toString());
  }

  @AfterAll
  static void stop() {
    if (sc != null) {
      sc.stop();
    }
  }

  @Test
  void everyRecordIsComputedOnceAcrossExecutors() {
    LongAccumulator computed = sc.longAccumulator();
    List<Integer> input = IntStream.range(0, RECORDS).boxed().collect(Collectors.toList());
    JavaRDD<Integer> rdd = new JavaSparkContext(sc).parallelize(input, 6).map(x -> {
      computed.add(1);
      return x + 7;
    });
    rdd.checkpoint();

    assertEquals(RECORDS, rdd.count());

    assertEquals(RECORDS, computed.value());
    List<JsonNode> completed = LocalSpark.events(tmp.resolve("audit.jsonl"),
        "checkpoint.completed");
    assertEquals(1, completed.size());
    assertEquals(6, completed.get(0).get("partitionsFromCache").asInt());
    CheckpointRecords.assertTotal(sc, completed.get(0), RECORDS);
    // The blocks of the plugin's serialized persist are copied whenever block and checkpoint
    // compression agree, decompressed when only blocks are compressed, and compressed when only
    // checkpoints are (Spark 4.1's defaults) with Java serialization, which never flushes early.
    boolean rddCompressed = sc.conf().getBoolean("spark.rdd.compress", false);
    boolean checkpointCompressed = SparkCheckpointSettings.compress(sc.conf());
    boolean javaSerialization = sc.conf().get("spark.serializer",
        "org.apache.spark.serializer.JavaSerializer").endsWith(".JavaSerializer");
    boolean copied = rddCompressed == checkpointCompressed || rddCompressed || javaSerialization;
    assertEquals(copied ? 6 : 0, completed.get(0).get("partitionsByteCopied").asInt(),
        completed.get(0).toString());
    assertEquals(IntStream.range(0, RECORDS).mapToLong(x -> x + 7).sum(),
        rdd.collect().stream().mapToLong(Integer::longValue).sum());
    assertEquals(RECORDS, computed.value(), "read back from the checkpoint, not computed");
  }
}
