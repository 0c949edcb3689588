package io.checkpointplus.spark.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.LocalSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other shapes of query users write, each against stock Spark: RocksDB's state store (with
 * changelog checkpointing) and a file sink, whose {@code _spark_metadata} log the plugin records
 * and whose output a batch reader of the directory must read exactly as stock's.
 */
class QueryShapesTest {
  @TempDir
  Path tmp;

  private static final String ROCKSDB =
      "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider";

  @Test
  void rocksDbStateWithChangelogCheckpointingIsRecordedAndRestartsLikeStock() throws Exception {
    Map<String, String> rocks = Map.of("spark.sql.streaming.stateStore.providerClass", ROCKSDB,
        "spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled", "true");
    Path input = tmp.resolve("in");
    StatefulQuery.addInput(input, "a.txt", "x", "y", "x");
    StatefulQuery.addInput(input, "b.txt", "y", "z");
    Path stock = tmp.resolve("stock");
    Path plugin = tmp.resolve("plugin");
    Path audit = tmp.resolve("audit.jsonl");
    assertEquals(StatefulQuery.runOnce(false, audit, input, stock, rocks),
        StatefulQuery.runOnce(true, audit, input, plugin, rocks));
    List<String> recorded = QueryCheckpointIntegrityTest.recordedFiles(plugin);
    boolean sparkChecksums = QueryCheckpointIntegrityTest.sparkChecksumsStateFiles();
    List<String> stateRecords = recorded.stream().filter(f -> f.startsWith("state/"))
        .collect(Collectors.toList());
    // Changelog checkpointing came with Spark 3.5; Spark 3.4 uploads a .zip per version.
    String stateFile = org.apache.spark.package$.MODULE$.SPARK_VERSION().startsWith("3.4.")
        ? ".zip" : ".changelog";
    assertTrue(sparkChecksums ? stateRecords.stream().noneMatch(f -> f.endsWith(stateFile))
        : stateRecords.stream().anyMatch(f -> f.endsWith(stateFile)), recorded.toString());

    StatefulQuery.addInput(input, "c.txt", "x", "w");
    assertEquals(StatefulQuery.runOnce(false, audit, input, stock, rocks),
        StatefulQuery.runOnce(true, audit, input, plugin, rocks));
  }

  @Test
  void aFileSinksLogIsRecordedAndItsOutputReadsAsStocks() throws Exception {
    Path input = tmp.resolve("in");
    StatefulQuery.addInput(input, "a.txt", "x", "y");
    StatefulQuery.addInput(input, "b.txt", "z");
    List<String> stock = copyToParquet(false, input, tmp.resolve("stock"));
    List<String> plugin = copyToParquet(true, input, tmp.resolve("plugin"));
    assertEquals(List.of("x", "y", "z"), stock);
    assertEquals(stock, plugin);
    List<String> recorded = QueryCheckpointIntegrityTest.recordedFiles(tmp.resolve("plugin"));
    assertTrue(recorded.containsAll(List.of("out/_spark_metadata/0", "out/_spark_metadata/1",
        "location/offsets/1", "location/commits/1")), recorded.toString());
  }

  /** A stateless copy of the text input to a parquet file sink; returns the batch read of it. */
  private List<String> copyToParquet(boolean withPlugin, Path input, Path dir) throws Exception {
    Map<String, String> settings = StatefulQuery.settings();
    SparkContext sc = withPlugin ? LocalSpark.withPlugin(tmp.resolve("audit.jsonl"), settings)
        : LocalSpark.stock(settings);
    try {
      SparkSession spark = SparkSession.builder().sparkContext(sc).getOrCreate();
      Dataset<Row> lines = spark.readStream().option("maxFilesPerTrigger", 1)
          .text(input.toString());
      StreamingQuery query = lines.writeStream().format("parquet")
          .option("checkpointLocation", dir.resolve("location").toString())
          .trigger(Trigger.AvailableNow()).start(dir.resolve("out").toString());
      query.awaitTermination();
      return spark.read().parquet(dir.resolve("out").toString()).collectAsList().stream()
          .map(r -> r.getString(0)).sorted().collect(Collectors.toList());
    } finally {
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
      LocalSpark.stop(sc);
    }
  }
}
