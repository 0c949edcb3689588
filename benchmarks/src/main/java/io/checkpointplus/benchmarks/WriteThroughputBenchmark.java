package io.checkpointplus.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.reflect.ClassTag$;

/**
 * The file layer alone: the same cached records checkpointed to local disk by stock Spark's
 * writer and by the plugin's (commit, CRC32C, manifest included), compression off and on. Reuse
 * is off for the plugin so both sides do identical work around the write: a cheap map over a
 * cached RDD, computed once by the action and once by the checkpoint job. Writes
 * {@code write.json}.
 */
final class WriteThroughputBenchmark {
  private static final long RECORDS = Long.getLong("bench.writeRecords", 2_000_000L);
  private static final int REPS = Integer.getInteger("bench.reps", 3);

  private WriteThroughputBenchmark() {
  }

  static void run(Path results) throws Exception {
    Path work = Files.createTempDirectory("write-bench");
    Map<String, Object> out = Measurements.fields();
    out.put("records", RECORDS);
    System.out.printf("%nCheckpoint write, %,d cached records to local disk, local[2], median of"
        + " %d%n", RECORDS, REPS);
    System.out.printf("  %-14s %10s %10s %8s%n", "compression", "stock ms", "plugin ms", "ratio");
    for (boolean compress : new boolean[] {false, true}) {
      String c = String.valueOf(compress);
      long stock = measure(false, compress, work.resolve("stock-" + c));
      long plugin = measure(true, compress, work.resolve("plugin-" + c));
      String key = compress ? "compressed" : "uncompressed";
      out.put("stock_" + key + "_ms", stock / 1_000_000);
      out.put("plugin_" + key + "_ms", plugin / 1_000_000);
      out.put("ratio_" + key, Measurements.ratio(plugin, stock));
      System.out.printf("  %-14s %10d %10d %8.3f%n", key, stock / 1_000_000, plugin / 1_000_000,
          (double) plugin / stock);
    }
    Measurements.writeJson(results.resolve("write.json"), out);
  }

  private static long measure(boolean plugin, boolean compress, Path checkpoints) {
    SparkContext sc = Measurements.context(plugin, Map.of(
        "spark.checkpoint.compress", String.valueOf(compress),
        plugin ? "spark.checkpointplus.reuse.enabled" : "spark.ui.enabled", "false"));
    try {
      sc.setCheckpointDir(checkpoints.toString());
      JavaRDD<String> cached = JavaRDD.fromRDD(sc.range(0, RECORDS, 1, 4),
          ClassTag$.MODULE$.apply(Object.class)).map(x -> "record-" + x)
          .persist(StorageLevel.MEMORY_ONLY());
      cached.count();
      return Measurements.medianNanos(1, REPS, () -> {
        JavaRDD<String> rdd = cached.map(s -> s);
        rdd.checkpoint();
        long start = System.nanoTime();
        rdd.count();
        return System.nanoTime() - start;
      });
    } finally {
      sc.stop();
    }
  }
}
