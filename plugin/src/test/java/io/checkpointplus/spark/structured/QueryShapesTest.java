package io.checkpointplus.spark.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file sink, against stock Spark: the plugin records its {@code _spark_metadata} log, and a
 * batch reader of the directory reads its output exactly as stock's. The stateful operators and
 * state store providers are {@link StatefulOperatorsTest}'s.
 */
class QueryShapesTest {
  @TempDir
  Path tmp;

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
    return StatefulQuery.inContext(withPlugin, tmp.resolve("audit.jsonl"), Map.of(), sc -> {
      SparkSession spark = SparkSession.builder().sparkContext(sc).getOrCreate();
      Dataset<Row> lines = spark.readStream().option("maxFilesPerTrigger", 1)
          .text(input.toString());
      StreamingQuery query = lines.writeStream().format("parquet")
          .option("checkpointLocation", dir.resolve("location").toString())
          .trigger(Trigger.AvailableNow()).start(dir.resolve("out").toString());
      query.awaitTermination();
      return spark.read().parquet(dir.resolve("out").toString()).collectAsList().stream()
          .map(r -> r.getString(0)).sorted().collect(Collectors.toList());
    });
  }
}
